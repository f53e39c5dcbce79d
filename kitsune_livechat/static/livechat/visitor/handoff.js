// Following a chat up in the forum or by email: the forum question previewed before it is
// published (the visitor may change its title), from the ended screen or instead of a chat
// that could not happen, and the email reply a missed chat can still ask for.
// Owns nothing beyond the chat it is given.

import { $, confirmDialog, fill, gettext, linkify, show } from "../dom.js";
import { api, bind, root, showError } from "./context.js";

/** The link to the forum question, in place of the button that posts it. */
export function showHandoffLink(url) {
  const link = bind("handoff-link");
  link.href = url;
  show(link, true);
  show($('[data-action="handoff"]', root), false);
}

export class Handoff {
  /**
   * ``session()`` is the chat and ``setSession(session)`` takes the server's new word on it;
   * ``onHandedOff(to)`` follows a chat that went to the forum or email instead.
   */
  constructor({ session, setSession, onHandedOff }) {
    this.session = session;
    this.setSession = setSession;
    this.onHandedOff = onHandedOff;
    $('[data-form="done-email"]', root).addEventListener("submit", (event) => {
      event.preventDefault();
      const email = $("#lc-done-email").value.trim();
      if (!email) {
        bind("done-error").textContent = gettext("Enter the email address to follow up on.");
        $("#lc-done-email").focus();
        return;
      }
      this.instead("email", email);
    });
  }

  /** The forum question as it will be published; the visitor may change the title. Returns
   * the title to publish with, or null when they cancel (or the preview fails). */
  async previewForum(errorEl) {
    let preview;
    try {
      preview = await api.get(`sessions/${this.session().id}/handoff/preview`);
    } catch (error) {
      showError(errorEl, error);
      return null;
    }
    const titleField = $("#lc-preview-title-input");
    titleField.value = preview.title;
    fill(bind("preview-content"), linkify(preview.content));
    if (!(await confirmDialog($('[data-dialog="forum-preview"]', root)))) return null;
    return titleField.value.trim();
  }

  /** A missed or left chat goes ``to`` the forum or email instead. */
  async instead(to, email = "") {
    bind("done-error").textContent = "";
    const title = to === "forum" ? await this.previewForum(bind("done-error")) : "";
    if (title === null) return;
    try {
      this.setSession(
        await api.post(`sessions/${this.session().id}/handoff`, { to, email, title }),
      );
    } catch (error) {
      showError(bind("done-error"), error);
      return;
    }
    this.onHandedOff(to);
  }

  /** An ended chat followed up in the forum: its link then stands in for the button. */
  async toForum() {
    bind("handoff-error").textContent = "";
    const title = await this.previewForum(bind("handoff-error"));
    if (title === null) return;
    let session;
    try {
      session = await api.post(`sessions/${this.session().id}/handoff`, { to: "forum", title });
    } catch (error) {
      showError(bind("handoff-error"), error);
      return;
    }
    this.setSession(session);
    if (session.handoff?.url) {
      showHandoffLink(session.handoff.url);
      bind("handoff-link").focus();
    }
  }
}
