// Files in a chat (screenshots, logs, PDFs). The "Attach a file" button beside a composer
// uploads one as a message (multipart, through the API's credentials); the server sniffs its
// type, stores it and announces it on the chat's sockets like any message, so it replays after
// a reload. A message carrying a file shows it: images inline, other files as a download.
// Files are fetched with the API's headers, because anonymous visitors prove themselves with a
// header that a plain <img src> or <a href> cannot send.

import { ApiError } from "./api.js";
import { fmt, gettext, h, randomId } from "./dom.js";

function humanSize(bytes) {
  if (!bytes && bytes !== 0) return "";
  if (bytes >= 1024 * 1024) return fmt(gettext("%(n)s MB"), { n: (bytes / 1048576).toFixed(1) });
  return fmt(gettext("%(n)s KB"), { n: Math.max(1, Math.round(bytes / 1024)) });
}

export class Attachments {
  constructor(api) {
    this.api = api;
  }

  /** The element showing a message's file, in place of its text. */
  render(attachment) {
    const link = h(
      "a",
      {
        class: "lc-attachment__link",
        href: attachment.url,
        download: attachment.name,
        dataset: { attachmentDownload: "1" },
      },
      attachment.name,
    );
    link.addEventListener("click", (event) => {
      event.preventDefault();
      this.api.download(attachment.url, attachment.name).catch(() => {});
    });
    const caption = h(
      "span",
      { class: "lc-attachment__caption" },
      link,
      h("span", { class: "lc-attachment__size" }, ` · ${humanSize(attachment.size)}`),
    );
    if (!attachment.image) {
      return h("div", { class: "lc-msg__body lc-attachment lc-attachment--file" }, "📎 ", caption);
    }
    const img = h("img", { class: "lc-attachment__image", alt: attachment.name });
    this.load(attachment.url, img);
    return h("figure", { class: "lc-msg__body lc-attachment" }, img, h("figcaption", {}, caption));
  }

  async load(url, img) {
    try {
      const response = await fetch(this.api.url(url), {
        credentials: "same-origin",
        headers: this.api.headers(),
      });
      if (!response.ok) throw new Error(String(response.status));
      img.src = URL.createObjectURL(await response.blob());
    } catch {
      img.alt = fmt(gettext("%(name)s (could not be loaded)"), { name: img.alt });
    }
  }

  /** Upload `file` into the chat; resolves with the message that carries it. */
  async upload(sessionId, file) {
    const body = new FormData();
    body.append("file", file);
    body.append("client_msg_id", randomId());
    let response;
    try {
      response = await fetch(this.api.url(`sessions/${sessionId}/attachments`), {
        method: "POST",
        credentials: "same-origin",
        headers: this.api.headers(),
        body,
      });
    } catch {
      throw new ApiError(0, "network", gettext("Could not reach the server. Check your connection."));
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = data?.detail || gettext("The file could not be sent.");
      throw new ApiError(response.status, data?.code || `http_${response.status}`, detail, data);
    }
    return data;
  }

  /**
   * Wire an "Attach a file" button and its hidden file input to a chat.
   * @param {object} options
   * @param {() => string} options.sessionId the chat to send into
   * @param {(message: object) => void} options.onSent the stored message, to show at once
   * @param {(error: ApiError) => void} options.onError what went wrong, to tell the user
   */
  wire(button, input, { sessionId, onSent, onError }) {
    button.addEventListener("click", () => input.click());
    input.addEventListener("change", async () => {
      const file = input.files?.[0];
      input.value = "";
      if (!file) return;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      try {
        onSent(await this.upload(sessionId(), file));
      } catch (error) {
        onError(error);
      } finally {
        button.disabled = false;
        button.removeAttribute("aria-busy");
        button.focus();
      }
    });
  }
}
