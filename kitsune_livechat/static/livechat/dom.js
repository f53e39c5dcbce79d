// Small DOM and text helpers shared by every live chat screen. No framework, no innerHTML
// with user text: everything a person typed goes into text nodes.

/** Translate through the page's Django JavaScript catalogue (falls back to the English). */
export function gettext(text) {
  return typeof window.gettext === "function" ? window.gettext(text) : text;
}

export function ngettext(singular, plural, count) {
  if (typeof window.ngettext === "function") return window.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

/** Fill %(name)s placeholders, as Django's interpolate(..., true) does. */
export function fmt(text, values) {
  return text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

/**
 * Build an element: h("button", {type: "button", class: "x", dataset: {id: 1}, onclick}, "Label").
 * Attributes set to false/null/undefined are left out; `true` sets an empty attribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "text") el.textContent = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** Show or hide an element with the `hidden` attribute (screen readers follow). */
export function show(el, visible = true) {
  if (el) el.hidden = !visible;
  return el;
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]}]/gi;

/** Text with its web addresses turned into links that open in a new tab. */
export function linkify(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    if (match.index > last) fragment.append(text.slice(last, match.index));
    fragment.append(
      h("a", { href: match[0], target: "_blank", rel: "noopener noreferrer nofollow" }, match[0]),
    );
    last = match.index + match[0].length;
  }
  if (last < text.length) fragment.append(text.slice(last));
  return fragment;
}

/** "about 3 min", "less than a minute", for waits and ETAs. */
export function formatWait(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return gettext("less than a minute");
  return fmt(ngettext("about %(n)s minute", "about %(n)s minutes", minutes), { n: minutes });
}

/** "0:42", "12:05", "1:02:09": how long something has been waiting. */
export function formatElapsed(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

const clockFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
  hour: "2-digit",
  minute: "2-digit",
});

export function formatClock(iso) {
  const date = iso ? new Date(iso) : new Date();
  return Number.isNaN(date.getTime()) ? "" : clockFormat.format(date);
}

/** A random id for idempotent sends; works outside secure contexts too. */
export function randomId() {
  if (window.crypto?.randomUUID) return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** localStorage that never throws (private windows, full quota, disabled storage). */
export const store = {
  get(key, fallback = null) {
    try {
      const raw = window.localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch {
      /* storage full or disabled: keep working without it */
    }
  },
  remove(key) {
    try {
      window.localStorage.removeItem(key);
    } catch {
      /* ignore */
    }
  },
};

/** Say something to screen-reader users through a polite or assertive live region. */
export function announce(region, text) {
  if (!region) return;
  region.textContent = "";
  // A fresh text node in a later task makes repeated messages announce again.
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/** Form values as a plain object (checkbox groups become arrays). */
export function formData(form) {
  const data = {};
  for (const [name, value] of new FormData(form).entries()) {
    if (name in data) data[name] = [].concat(data[name], value);
    else data[name] = value;
  }
  return data;
}

/** A <dialog> that answers true (confirmed) or false; Escape and the cancel button say no. */
export function confirmDialog(dialog) {
  return new Promise((resolve) => {
    const done = (answer) => {
      dialog.removeEventListener("close", onClose);
      resolve(answer);
    };
    const onClose = () => done(dialog.returnValue === "confirm");
    dialog.returnValue = "";
    dialog.addEventListener("close", onClose);
    dialog.showModal();
  });
}
