// The console page as the server rendered it: its root element, its data attributes, the API
// client and the product names. Read once when the page loads; nothing here changes later.

import { Api } from "../api.js";
import { Attachments } from "../attachments.js";
import { $ } from "../dom.js";

export const root = document.getElementById("lc-console");
export const data = root.dataset;
export const NULL_ID = "00000000-0000-0000-0000-000000000000";
export const api = new Api({ root: data.api });
export const attachments = new Attachments(api);
export const announcer = $("[data-announcer]", root);
export const isHelper = data.role === "helper" || data.role === "supervisor";

const products = JSON.parse(document.getElementById("lc-products")?.textContent || "{}");

/** The element marked ``data-bind="name"`` in ``scope`` (the whole console by default). */
export const bind = (name, scope = root) => $(`[data-bind="${name}"]`, scope);

export function productName(slug) {
  return products[slug] || slug;
}

/** The socket address of one endpoint under the console's WebSocket root. */
export function socketUrl(path) {
  return `${data.ws.replace(/\/?$/, "/")}${path}`;
}
