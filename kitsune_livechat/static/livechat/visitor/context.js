// The chat window as the server rendered it: its root element and data attributes, the API
// client with the visitor's token, where a chat lives, and how an error or the way to sign in
// is shown. Read once when the page loads; the API client keeps the token the server gives.

import { Api } from "../api.js";
import { Attachments } from "../attachments.js";
import { $, fill, gettext, h, store } from "../dom.js";

export const root = document.getElementById("lc-visitor");
export const data = root.dataset;
export const NULL_ID = "00000000-0000-0000-0000-000000000000";
export const TOKEN_KEY = "livechat.token";
export const CURRENT_KEY = "livechat.current";

export const api = new Api({ root: data.api, token: store.get(TOKEN_KEY, "") });
export const announcer = $("[data-announcer]", root);
export const attachments = new Attachments(api);

/** The element marked ``data-bind="name"`` in the window. */
export const bind = (name) => $(`[data-bind="${name}"]`, root);

/** The window's address for chat ``id`` (a reload comes back to it). */
export function sessionUrl(id) {
  return data.sessionUrl.replace(NULL_ID, id);
}

/** The sign-in page, coming back here afterwards. */
export function loginUrl() {
  const login = $('[data-link="login"]', root).getAttribute("href").split("?")[0];
  const back = window.location.pathname + window.location.search;
  return `${login}?next=${encodeURIComponent(back)}`;
}

/** An error in `el`; one that needs an account says so with a link to sign in and return. */
export function showError(el, error) {
  const detail = typeof error === "string" ? error : error?.detail || "";
  const needsLogin = error?.code === "login_required" || error?.status === 401;
  fill(
    el,
    detail,
    needsLogin ? " " : null,
    needsLogin
      ? h("a", { class: "lc-btn lc-btn--primary lc-btn--small", href: loginUrl() }, gettext("Sign in"))
      : null,
  );
}
