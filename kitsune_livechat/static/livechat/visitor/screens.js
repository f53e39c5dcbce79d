// Which screen of the chat window is shown (login, form, waiting, chat, ended, done), and the
// banner above them (connection trouble, a chat no longer there). The window's DOM holds the
// state; nothing is kept here.

import { $, $$, fill, h, show } from "../dom.js";
import { root } from "./context.js";

/** Show screen ``name``; its heading takes the focus unless ``focus`` is false. */
export function showScreen(name, { focus = true } = {}) {
  for (const screen of $$("[data-screen]", root)) show(screen, screen.dataset.screen === name);
  root.dataset.screenShown = name;
  show($('[data-action="end"]', root), name === "chat");
  if (focus) {
    const target = $(`[data-screen="${name}"] h2`, root);
    if (target && name !== "chat") {
      target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: false });
    }
  }
}

/** The banner says ``text`` (with a spinner unless ``kind`` is "ok"); no text hides it. */
export function banner(text, kind = "") {
  const el = $("[data-banner]", root);
  if (!text) {
    show(el, false);
    return;
  }
  el.className = `lc-banner${kind ? ` lc-banner--${kind}` : ""}`;
  fill(
    el,
    kind === "ok" ? null : h("span", { class: "lc-spinner", "aria-hidden": "true" }),
    h("span", {}, text),
  );
  show(el, true);
}
