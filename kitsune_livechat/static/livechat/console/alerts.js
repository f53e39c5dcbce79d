// How the console gets a helper's attention: toasts, the opt-in sound and desktop
// notifications. Owns the sound/notification preferences and the toasts still on screen.

import { h, gettext, store } from "../dom.js";
import { bind } from "./context.js";

const PREFS_KEY = "livechat.console.prefs";

let prefs = store.get(PREFS_KEY, { sound: false, notify: false });
let audio = null;
const keyed = new Map();

export function pref(name) {
  return Boolean(prefs[name]);
}

export function setPref(name, value) {
  prefs = { ...prefs, [name]: value };
  store.set(PREFS_KEY, prefs);
}

export function beep() {
  if (!prefs.sound) return;
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const now = audio.currentTime;
    for (const [offset, freq] of [
      [0, 880],
      [0.18, 1320],
    ]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.2, now + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + offset);
      osc.stop(now + offset + 0.18);
    }
  } catch {
    /* no audio: the title and the tabs still tell */
  }
}

export function alertUser(title, body, onClick = null) {
  beep();
  if (!prefs.notify || !("Notification" in window) || Notification.permission !== "granted") return;
  if (document.visibilityState === "visible" && document.hasFocus()) return;
  try {
    const note = new Notification(title, { body, tag: `livechat-${title}` });
    note.onclick = () => {
      window.focus();
      onClick?.();
      note.close();
    };
  } catch {
    /* some browsers only notify from a service worker */
  }
}

export function toast(text, { actions = [], error = false, timeout = 6000 } = {}) {
  const region = bind("toasts");
  const el = h(
    "div",
    { class: `lc-toast${error ? " lc-toast--error" : ""}`, role: error ? "alert" : "status" },
    h("span", {}, text),
    actions.length
      ? h(
          "span",
          { class: "lc-actions lc-flush" },
          actions.map(({ label, run, primary }) =>
            h(
              "button",
              {
                type: "button",
                class: `lc-btn lc-btn--small${primary ? " lc-btn--primary" : ""}`,
                onclick: () => {
                  el.remove();
                  run();
                },
              },
              label,
            ),
          ),
        )
      : null,
  );
  region.append(el);
  if (timeout) window.setTimeout(() => el.remove(), actions.length ? timeout * 3 : timeout);
  return el;
}

/** A toast that replaces the previous one of the same ``key`` (one knock toast per chat). */
export function keyedToast(key, text, options) {
  dropToast(key);
  keyed.set(key, toast(text, options));
}

export function dropToast(key) {
  keyed.get(key)?.remove();
  keyed.delete(key);
}

export function failed(error) {
  toast(error?.detail || gettext("Something went wrong. Please try again."), { error: true });
}
