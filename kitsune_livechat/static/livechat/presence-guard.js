// Keeping visitors from being left alone, and the status true when the helper walks away.
// - Going offline with chats open asks first (a dialog); closing or reloading the console with
//   chats open asks the browser's "leave this page?" question.
// - After LIVECHAT_AUTO_AWAY_SECONDS without a key, click or pointer move the status goes from
//   online to away (no new chats are given), and back to online at the next sign of activity.
// Both act through the status switch itself, so the console's one path for presence changes
// (send, echo, render) stays the only one.

import { confirmDialog, fmt, gettext, ngettext } from "./dom.js";

const CHECK_EVERY = 5000;
const ACTIVITY = ["keydown", "pointerdown", "pointermove", "wheel", "focus"];

export function guardPresence({ root, dialog, openChats, autoAwaySeconds, tell }) {
  const radios = () => [...root.querySelectorAll('[data-status-switch] input[name="status"]')];
  if (!radios().length) return; // trainees have no status
  const current = () => radios().find((radio) => radio.checked)?.value || "offline";
  const setStatus = (status) => {
    const radio = radios().find((input) => input.value === status);
    if (!radio || radio.checked) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  };

  // Going offline with chats open: ask first. A radio is already checked when its click is
  // dispatched, so the status before it is read on the pointer or key press that leads to it.
  const switcher = root.querySelector("[data-status-switch]");
  let before = current();
  for (const type of ["pointerdown", "keydown"]) {
    switcher.addEventListener(type, () => (before = current()), { capture: true });
  }
  switcher.addEventListener(
    "click",
    async (event) => {
      const radio = event.target.closest('input[name="status"]');
      if (!radio || radio.value !== "offline" || before === "offline" || !openChats()) return;
      event.preventDefault(); // the switch stays where it was until the answer
      if (await confirmDialog(dialog)) setStatus("offline");
    },
    { capture: true },
  );
  window.addEventListener("beforeunload", (event) => {
    if (openChats()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Automatic away.
  if (!(autoAwaySeconds > 0)) return;
  let lastActive = Date.now();
  let wentAway = false;
  const active = () => {
    lastActive = Date.now();
    if (wentAway && current() === "away") {
      wentAway = false;
      setStatus("online");
      tell(gettext("Welcome back: you are online again."));
    } else if (wentAway) {
      wentAway = false; // the helper chose another status meanwhile
    }
  };
  for (const type of ACTIVITY) window.addEventListener(type, active, { passive: true });
  window.setInterval(() => {
    if (current() !== "online" || Date.now() - lastActive < autoAwaySeconds * 1000) return;
    wentAway = true;
    setStatus("away");
    const minutes = Math.max(1, Math.round(autoAwaySeconds / 60));
    tell(
      fmt(
        ngettext(
          "You were set to away after %(n)s minute without activity.",
          "You were set to away after %(n)s minutes without activity.",
          minutes,
        ),
        { n: minutes },
      ),
    );
  }, CHECK_EVERY);
}
