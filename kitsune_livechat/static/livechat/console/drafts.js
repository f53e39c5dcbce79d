// Supervision in a chat's log: a trainee's drafts as their mentor sees them (send as written,
// edit first, or turn down with a reason), and a published or turned-down draft marked as
// such, live or from history. Owns nothing beyond the log's elements of the one chat it serves.

import { $, gettext, h, show } from "../dom.js";
import { failed } from "./alerts.js";
import { api } from "./context.js";

export class Drafts {
  /** ``isMentor()`` says whether this console's user reviews the chat's drafts. */
  constructor(id, log, isMentor) {
    this.id = id;
    this.log = log;
    this.isMentor = isMentor;
  }

  /** A message shown in the log as ``el``: a draft gets its buttons, and history says which
   * draft a message published or turned down (each text is shown once). */
  onMessage(el, message) {
    if (!el) return;
    if (message.kind === "draft") this.decorate(el, message.seq);
    if (message.draft_seq) {
      if (message.kind === "text") this.markApproved(message.draft_seq);
      else this.markRejected(message.draft_seq);
    }
  }

  /** A draft's review ended elsewhere (the socket's frames); false for any other frame. */
  onFrame(frame) {
    if (frame.type === "draft.approved") this.markApproved(frame.draft_seq);
    else if (frame.type === "draft.rejected") this.markRejected(frame.draft_seq);
    else return false;
    return true;
  }

  /** Who mentors the chat may have changed: every draft in the log is offered again. */
  decorateAll() {
    for (const [seq, el] of this.log.bySeq) {
      if (el.dataset.kind === "draft") this.decorate(el, seq);
    }
  }

  /** A click on one of the drafts' buttons; false when ``target`` is none of them. */
  onClick(target) {
    const { approve, draftEdit, draftReject, draftCancel } = target.dataset;
    if (approve) this.approve(approve);
    else if (draftEdit) this.openForm(draftEdit, "edit");
    else if (draftReject) this.openForm(draftReject, "reject");
    else if (draftCancel) this.closeForm(draftCancel);
    else return false;
    return true;
  }

  /** A trainee's draft: its mentor sends it as written, edits it first, or turns it down. */
  decorate(el, seq) {
    if (
      !this.isMentor() ||
      el.classList.contains("is-approved") ||
      el.classList.contains("is-rejected")
    )
      return;
    if ($(".lc-draft-actions", el)) return;
    const button = (label, data, primary = false) =>
      h(
        "button",
        {
          type: "button",
          class: `lc-btn lc-btn--small${primary ? " lc-btn--primary lc-msg__approve" : ""}`,
          dataset: data,
        },
        label,
      );
    el.append(
      h(
        "div",
        { class: "lc-draft-actions" },
        button(gettext("Approve and send"), { approve: seq }, true),
        button(gettext("Edit"), { draftEdit: seq }),
        button(gettext("Reject"), { draftReject: seq }),
      ),
    );
  }

  /** The edit or reject form in place of the draft's buttons. */
  openForm(seq, mode) {
    const el = this.log.bySeq.get(Number(seq));
    if (!el) return;
    $(".lc-draft-form", el)?.remove();
    show($(".lc-draft-actions", el), false);
    const id = `lc-draft-${this.id}-${seq}-${mode}`;
    const field = h("textarea", { id, rows: 2, required: true, maxlength: 2000 });
    field.value = mode === "edit" ? $(".lc-msg__body", el).textContent : "";
    const form = h(
      "form",
      { class: "lc-draft-form" },
      h(
        "label",
        { for: id, class: "lc-label" },
        mode === "edit"
          ? gettext("Edit before sending")
          : gettext("Why not send it? Only your trainee and the helpers see this."),
      ),
      field,
      h(
        "div",
        { class: "lc-actions" },
        h(
          "button",
          {
            type: "submit",
            class: `lc-btn lc-btn--small lc-btn--${mode === "edit" ? "primary" : "danger"}`,
          },
          mode === "edit" ? gettext("Send edited") : gettext("Reject draft"),
        ),
        h(
          "button",
          { type: "button", class: "lc-btn lc-btn--small", dataset: { draftCancel: seq } },
          gettext("Cancel"),
        ),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = field.value.trim();
      if (!text) return field.focus();
      if (mode === "edit") this.approve(seq, text);
      else this.reject(seq, text);
    });
    el.append(form);
    field.focus();
  }

  closeForm(seq) {
    const el = this.log.bySeq.get(Number(seq));
    if (!el) return;
    $(".lc-draft-form", el)?.remove();
    show($(".lc-draft-actions", el), true);
  }

  /** Sent: the published message shows it, so the draft leaves the log. */
  markApproved(draftSeq) {
    const el = this.settle(draftSeq, "is-approved", gettext("Approved and sent"));
    if (el) el.hidden = true;
  }

  /** Turned down: the draft stays, marked as not sent; the mentor's word follows it. */
  markRejected(draftSeq) {
    this.settle(draftSeq, "is-rejected", gettext("Not sent: your mentor turned it down"));
  }

  /** The draft's review is over: no more buttons or form, and its status says how it ended. */
  settle(draftSeq, state, status) {
    const el = this.log.bySeq.get(Number(draftSeq));
    if (!el) return null;
    el.classList.add(state);
    $(".lc-draft-actions", el)?.remove();
    $(".lc-draft-form", el)?.remove();
    $(".lc-msg__status", el).textContent = status;
    return el;
  }

  async approve(seq, body = null) {
    try {
      await api.post(`sessions/${this.id}/drafts/${seq}/approve`, body === null ? {} : { body });
      this.markApproved(seq);
    } catch (error) {
      failed(error);
    }
  }

  async reject(seq, reason) {
    try {
      await api.post(`sessions/${this.id}/drafts/${seq}/reject`, { reason });
      this.markRejected(seq);
    } catch (error) {
      failed(error);
    }
  }
}
