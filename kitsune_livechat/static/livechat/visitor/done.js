// The screen after a chat that did not end in a conversation: an article solved it, the
// question went to the forum or waits for an email, no volunteer could take it, or the visitor
// left the line; a missed or left chat still offers the forum and an email reply. Shows the
// chat it is given; owns nothing.

import { $, fmt, gettext, show, store } from "../dom.js";
import { CURRENT_KEY, bind, root } from "./context.js";
import { banner, showScreen } from "./screens.js";

/** The done screen for ``session``, worded for ``reason``: solved, forum, email, missed, left. */
export function showDone(reason, session) {
  banner("");
  store.remove(CURRENT_KEY);
  const title = bind("done-title");
  const text = bind("done-text");
  const link = bind("done-link");
  show(link, false);
  // A missed or left chat can still go to the forum or wait for an email.
  const offer = (reason === "missed" || reason === "left") && (session.fallback || []).length > 0;
  show(bind("done-handoff"), offer);
  if (offer) {
    show($('[data-action="done-forum"]', root), session.fallback.includes("forum"));
    show($('[data-form="done-email"]', root), session.fallback.includes("email"));
  }
  if (reason === "solved") {
    title.textContent = gettext("Glad that article solved it!");
    text.textContent = gettext(
      "You left the line. Thanks for letting us know which article helped.",
    );
  } else if (reason === "forum") {
    title.textContent = gettext("Your question is in the forum");
    text.textContent = gettext(
      "Volunteers answer forum questions when they can. You'll be notified of answers.",
    );
    if (session.handoff?.url) {
      link.href = session.handoff.url;
      link.textContent = gettext("Open your question");
      show(link, true);
    }
  } else if (reason === "email") {
    title.textContent = gettext("We'll get back to you");
    text.textContent = fmt(gettext("A volunteer will write to %(email)s."), {
      email: session.handoff?.followup_email || gettext("your email address"),
    });
  } else if (reason === "missed") {
    title.textContent = gettext("Sorry, no volunteer could take your chat");
    text.textContent = gettext("All volunteers were busy this time.");
  } else {
    title.textContent = gettext("You left the line");
    text.textContent = gettext("Come back any time. What you wrote is kept for the next time.");
  }
  showScreen("done");
}
