// The end of a chat the visitor had: ending it (or leaving the line) after a confirmation,
// then the ended screen with the conversation still readable above it, the rating, the
// transcript (downloaded, or by email) and the way to follow up in the forum. Which chat ended
// is said on the window (data-ended-session) for the screens beside it (report a helper).
// Owns nothing beyond the chat it is given; a rating sent is remembered in the browser.

import { $, announce, confirmDialog, formData, gettext, show, store } from "../dom.js";
import { wireTranscriptEmail } from "../transcript-email.js";
import { CURRENT_KEY, NULL_ID, announcer, api, bind, data, root } from "./context.js";
import { showHandoffLink } from "./handoff.js";
import { banner, showScreen } from "./screens.js";

const ratedKey = (id) => `livechat.rated.${id}`;

export class Ending {
  /**
   * ``session()`` is the chat and ``setSession(session)`` takes the server's new word on it;
   * ``onEnded()`` routes the chat once it is over; ``conversation`` is the chat's log.
   */
  constructor({ session, setSession, onEnded, conversation }) {
    this.session = session;
    this.setSession = setSession;
    this.onEnded = onEnded;
    this.conversation = conversation;
    $('[data-form="rating"]', root).addEventListener("submit", (event) => this.rate(event));
    wireTranscriptEmail({ root, api, sessionId: () => this.session()?.id });
  }

  /** End the chat, or leave the line while waiting, once the visitor confirms. */
  async confirmEnd() {
    const id = this.session().id;
    const leaving = this.session().status === "waiting";
    const dialog = $(`[data-dialog="${leaving ? "leave" : "end"}"]`, root);
    if (!(await confirmDialog(dialog))) return;
    try {
      this.setSession(await api.post(`sessions/${id}/end`, {}));
    } catch (error) {
      if (error.code !== "not_open") {
        announce(announcer, error.detail);
        return;
      }
      this.setSession(await api.get(`sessions/${id}`));
    }
    this.onEnded();
  }

  show() {
    const session = this.session();
    banner("");
    this.conversation.stop();
    store.remove(CURRENT_KEY);
    root.dataset.endedSession = session.id; // for the screens beside this one (report a helper)
    const transcript = $('[data-link="transcript"]', root);
    transcript.href = data.transcriptUrl.replace(NULL_ID, session.id);
    show($('[data-field="article-helped"]', root), Boolean(session.article?.id));
    if (session.handoff?.url) showHandoffLink(session.handoff.url);
    const rated = store.get(ratedKey(session.id), false);
    show($('[data-form="rating"]', root), !rated);
    show(bind("rated"), rated);
    showScreen("ended");
    this.conversation.keepReadable();
  }

  async rate(event) {
    event.preventDefault();
    const values = formData(event.target);
    if (!values.score) {
      bind("rating-error").textContent = gettext("Choose from 1 to 5 stars.");
      $("#lc-score-5").focus();
      return;
    }
    bind("rating-error").textContent = "";
    const helped = values.article_helped;
    const id = this.session().id;
    try {
      await api.post(`sessions/${id}/rating`, {
        score: Number(values.score),
        comment: values.comment || "",
        article_helped: helped === "yes" ? true : helped === "no" ? false : null,
      });
    } catch (error) {
      if (error.code !== "already_rated") {
        bind("rating-error").textContent = error.detail;
        return;
      }
    }
    store.set(ratedKey(id), true);
    show(event.target, false);
    show(bind("rated"), true);
    bind("rated").focus();
  }

  /** Anonymous visitors prove themselves with a header a plain link cannot send; true when
   * the download is theirs to make this way. */
  downloadTranscript(link) {
    if (!api.token || data.authenticated === "1") return false;
    api.download(link.getAttribute("href"), `livechat-${this.session().id.slice(0, 8)}.txt`);
    return true;
  }
}
