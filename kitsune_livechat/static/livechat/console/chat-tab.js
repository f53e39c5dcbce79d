// One chat's tab in the console's tab strip: its label, whether it is selected, and the state
// a helper scans the strip for (waiting for an answer, ended, how many new messages), said to
// screen readers with the tab's visible text. Owns the tab element only.

import { fill, fmt, gettext, h, show } from "../dom.js";
import { bind } from "./context.js";

export class ChatTab {
  /** A tab for chat ``id`` controlling the panel ``panelId``; a click runs ``onSelect()``. */
  constructor(id, panelId, onSelect) {
    this.el = h(
      "button",
      {
        type: "button",
        role: "tab",
        class: "lc-tab",
        id: `lc-tab-${id}`,
        "aria-controls": panelId,
        "aria-selected": "false",
        tabindex: "-1",
        dataset: { chat: id },
      },
      h("span", { class: "lc-tab__label" }, gettext("Loading…")),
      h("span", { class: "lc-tab__badge", hidden: true, "aria-hidden": "true" }),
      // Read with the tab's visible text (no aria-label, so the name matches what is seen).
      h("span", { class: "lc-sr-only", dataset: { tabState: "" } }),
    );
    this.el.addEventListener("click", onSelect);
    bind("tabs").append(this.el);
  }

  /** Who the chat is with and what about; the whole of both in the tooltip. */
  label(label, detail, title) {
    fill(
      this.el.querySelector(".lc-tab__label"),
      h("strong", {}, label),
      detail ? " " : null,
      detail ? h("small", {}, detail) : null,
    );
    this.el.title = title;
  }

  setEnded(ended) {
    this.el.classList.toggle("is-ended", ended);
  }

  setSelected(selected) {
    this.el.setAttribute("aria-selected", selected ? "true" : "false");
    this.el.tabIndex = selected ? 0 : -1;
  }

  /** Red while the visitor waits for an answer; the badge counts ``unread`` (0: none). */
  showState(unanswered, unread) {
    this.el.classList.toggle("is-unanswered", unanswered);
    const badge = this.el.querySelector(".lc-tab__badge");
    badge.textContent = unread > 0 ? String(unread) : "";
    show(badge, unread > 0);
    const state = [
      unanswered ? gettext("waiting for your answer") : "",
      this.el.classList.contains("is-ended") ? gettext("ended") : "",
      unread > 0 ? fmt(gettext("%(n)s new"), { n: unread }) : "",
    ].filter(Boolean);
    this.el.querySelector("[data-tab-state]").textContent = state.length
      ? `, ${state.join(", ")}`
      : "";
  }

  focus() {
    this.el.focus();
  }

  remove() {
    this.el.remove();
  }
}
