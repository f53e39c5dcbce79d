// Helpers for the modules that add to each chat panel of the console (tags, bans) without
// touching the console's own module: run a setup for every panel, now and as tabs open, and
// show a short note in the console's toast region.

import { $, h } from "./dom.js";

/** Call `setUp(panel)` for every chat panel of the console, present and future. */
export function eachChatPanel(setUp) {
  const main = document.getElementById("lc-main");
  for (const panel of main.querySelectorAll("[data-chat]")) setUp(panel);
  new MutationObserver((changes) => {
    for (const change of changes)
      for (const node of change.addedNodes)
        if (node.nodeType === 1 && node.matches("[data-chat]")) setUp(node);
  }).observe(main, { childList: true });
}

/** A note in the console's toast region, gone after a few seconds. */
export function toast(root, text, { error = false } = {}) {
  const note = h(
    "div",
    { class: `lc-toast${error ? " lc-toast--error" : ""}`, role: error ? "alert" : "status" },
    text,
  );
  $('[data-bind="toasts"]', root)?.append(note);
  setTimeout(() => note.remove(), 6000);
}
