// Whether a volunteer can chat now, as the question form says it: open (with the expected
// wait), full, closed (after hours, or to a banned visitor), and the buttons that follow from
// it (start a chat, ask in the forum, leave an email). Shows the answer it is given.

import { $, fill, fmt, formatWait, gettext, h, show } from "../dom.js";
import { bind, data } from "./context.js";

/** Show ``availability`` (null: closed) above ``form`` and word its buttons for it. */
export function renderAvailability(availability, form) {
  const line = bind("availability");
  const state = availability?.state || "closed";
  line.className = `lc-availability lc-availability--${state}`;
  let text;
  if (state === "open") {
    const wait = availability.wait_seconds;
    text =
      wait > 30
        ? fmt(gettext("Volunteers are online. Expected wait: %(wait)s."), {
            wait: formatWait(wait),
          })
        : gettext("Volunteers are online. You should be helped right away.");
  } else if (state === "full") {
    text = gettext("All volunteers are busy right now. Ask in the forum, or leave your email.");
  } else {
    text =
      availability?.reason === "banned"
        ? gettext("Live chat is closed to you. You can still ask in the support forum.")
        : availability?.reason === "after_hours"
          ? gettext("Live chat is closed at this hour. Ask in the forum, or leave your email.")
          : gettext("No volunteers are online right now. Ask in the forum, or leave your email.");
  }
  fill(
    line,
    h("span", { class: `lc-dot lc-dot--${state}`, "aria-hidden": "true" }),
    h("span", {}, text),
  );

  // chat: open, chat first; fallback: not open, forum or email; forum/email: asked for one.
  const mode = data.mode || (state === "open" ? "chat" : "fallback");
  const buttons = {
    chat: $('[data-submit="chat"]', form),
    forum: $('[data-submit="forum"]', form),
    email: $('[data-submit="email"]', form),
  };
  show(buttons.chat, mode === "chat");
  show(buttons.forum, mode !== "email");
  const banned = availability?.reason === "banned";
  show(buttons.email, !banned && (mode === "email" || mode === "fallback"));
  buttons.forum.className = `lc-btn${mode === "chat" ? "" : " lc-btn--primary"}`;
  buttons.forum.textContent =
    mode === "chat" ? gettext("Ask in the forum instead") : gettext("Post to the forum");
  buttons.email.className = `lc-btn${mode === "email" ? " lc-btn--primary" : ""}`;
  if (data.mode === "forum") {
    bind("form-title").textContent = gettext("Ask in the forum");
    bind("form-lead").textContent = gettext(
      "Your question goes to the support forum, where volunteers answer when they can.",
    );
  } else if (data.mode === "email") {
    bind("form-title").textContent = gettext("Leave your email");
    bind("form-lead").textContent = gettext(
      "Describe the problem and a volunteer will get back to you by email.",
    );
  }
  bind("email-optional").hidden = data.mode === "email";
  $("#lc-email").required = data.mode === "email";
}
