// The question form: what is wrong (kept in the browser until it is sent), a focus campaign's
// questions, whether chat is open, and sending it as a chat, a forum question or an email
// request. One chat at a time: a visitor with another chat open is told so above the form, can
// go back to it or end it, and loses nothing typed. Owns the availability answer and the other
// open chat.

import { ApiError } from "../api.js";
import { $, $$, announce, fmt, formData, gettext, show, store } from "../dom.js";
import { followUpId } from "../follow-up.js";
import { renderAvailability } from "./availability.js";
import { CURRENT_KEY, announcer, api, bind, data, root, sessionUrl, showError } from "./context.js";
import { renderFocus } from "./focus-questions.js";
import { showScreen } from "./screens.js";

export class RequestForm {
  /** ``onRequested(session)`` takes the chat (or forum question, or email request) made. */
  constructor(onRequested) {
    this.onRequested = onRequested;
    this.form = $('[data-form="request"]', root);
    this.availability = null;
    this.openChat = null;
    this.form.addEventListener("submit", (event) => this.submit(event));
    this.form.addEventListener("input", () => this.saveDraft());
    this.form.addEventListener("change", () => this.saveDraft());
  }

  /** The form, with ``other`` (a chat still open) named above it. */
  async show(other = null) {
    showScreen("form", { focus: false });
    this.warnOpenChat(other);
    this.restoreDraft();
    try {
      this.availability = await api.get("availability", {
        article: data.article,
        locale: data.locale,
        user_agent: navigator.userAgent,
      });
    } catch (error) {
      this.availability = { state: "closed", reason: error.code };
    }
    renderFocus(this.availability.focus);
    this.restoreDraft();
    renderAvailability(this.availability, this.form);
    if (!$("#lc-problem").value) $("#lc-problem").focus();
  }

  draftKey() {
    return `livechat.draft.${data.article || "none"}`;
  }

  saveDraft() {
    const values = formData(this.form);
    delete values.csrfmiddlewaretoken;
    store.set(this.draftKey(), values);
  }

  restoreDraft() {
    const draft = store.get(this.draftKey(), null);
    if (!draft) return;
    for (const [name, value] of Object.entries(draft)) {
      for (const field of this.form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
        if (field.type === "radio" || field.type === "checkbox") {
          field.checked = [].concat(value).includes(field.value);
        } else if (value) {
          field.value = value;
        }
      }
    }
  }

  /** Says, above the form, that another chat is still open: before anything is typed. */
  warnOpenChat(other) {
    this.openChat = other;
    const box = bind("open-chat");
    show(box, Boolean(other));
    if (!other) return;
    bind("open-chat-text").textContent = fmt(
      gettext(
        "You already have a chat open about “%(title)s”. Go back to it, or end it to start a new one. What you write here is kept.",
      ),
      { title: other.article?.title || gettext("another question") },
    );
    bind("open-chat-link").href = sessionUrl(other.id);
  }

  async endOpenChat() {
    if (!this.openChat) return;
    try {
      await api.post(`sessions/${this.openChat.id}/end`, {});
    } catch (error) {
      if (error.code !== "not_open") {
        this.error(error);
        return;
      }
    }
    store.remove(CURRENT_KEY);
    this.warnOpenChat(null);
    this.error("");
    announce(announcer, gettext("That chat has ended. You can start this one now."));
    $('[data-submit="chat"]', this.form).focus();
  }

  error(message, field = null) {
    showError(bind("form-error"), message || "");
    for (const el of this.form.querySelectorAll("[aria-invalid]")) {
      el.removeAttribute("aria-invalid");
    }
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
    }
  }

  async submit(event) {
    event.preventDefault();
    const form = this.form;
    const kind =
      event.submitter?.dataset.submit || (this.availability?.state === "open" ? "chat" : "forum");
    const values = formData(form);
    const problem = $("#lc-problem");
    if (!(values.problem || "").trim()) {
      this.error(gettext("Tell us what the problem is."), problem);
      return;
    }
    if (kind === "email" && !(values.visitor_email || "").trim()) {
      this.error(gettext("Enter the email address to follow up on."), $("#lc-email"));
      return;
    }
    for (const field of form.querySelectorAll("[data-focus-questions] [required]")) {
      const filled =
        field.type === "radio"
          ? form.querySelector(`[name="${CSS.escape(field.name)}"]:checked`)
          : field.value.trim();
      if (!filled) {
        this.error(gettext("Please answer the required questions."), field);
        return;
      }
    }
    this.error("");
    const buttons = $$("button[type=submit]", form);
    for (const button of buttons) button.disabled = true;
    try {
      const body = requestBody(values, kind === "chat" ? null : kind);
      const result = await api.post("sessions", body);
      if (["waiting", "active"].includes(result.status) && isAnotherChat(result, body)) {
        // Nothing was sent: keep what they wrote and say why.
        this.warnOpenChat(result);
        this.error(gettext("Your new question was not sent: you already have a chat open."));
        bind("open-chat-link").focus();
        return;
      }
      store.remove(this.draftKey());
      this.onRequested(result);
    } catch (error) {
      if (error instanceof ApiError && error.body?.availability) {
        this.availability = error.body.availability;
        data.mode = "";
        renderAvailability(this.availability, form);
      }
      if (error.status === 401) {
        showScreen("login");
        return;
      }
      this.error(error.detail ? error : gettext("Something went wrong. Please try again."));
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }
}

/** The server answers a request with the visitor's open chat: is it another one than this? */
function isAnotherChat(result, body) {
  const otherArticle = body.article && result.article?.id && result.article.id !== body.article;
  return otherArticle || (result.form?.problem || "") !== body.problem;
}

function requestBody(values, fallback) {
  const answers = {};
  for (const [name, value] of Object.entries(values)) {
    if (name.startsWith("answer:") && value !== "") answers[name.slice(7)] = value;
  }
  const onComputer = values.on_affected_computer;
  const body = {
    article: Number(data.article) || null,
    problem: (values.problem || "").trim(),
    locale: data.locale,
    started_when: values.started_when || "",
    frequency: values.frequency || "",
    on_affected_computer: onComputer === "yes" ? true : onComputer === "no" ? false : null,
    answers,
    user_agent: navigator.userAgent,
    name: values.visitor_name || "",
    email: values.visitor_email || "",
  };
  if (fallback) body.fallback = fallback;
  if (followUpId()) body.follow_up_of = followUpId();
  return body;
}
