// "Email me the transcript" on the visitor's end screen. Signed-in visitors get it at their
// account's address (the server picks it); anonymous visitors type one. The server answers
// with the address it used, which is what the visitor is told.

import { $, fmt, formData, gettext, show } from "./dom.js";

export function wireTranscriptEmail({ root, api, sessionId }) {
  const form = $('[data-form="transcript-email"]', root);
  if (!form) return;
  const error = $('[data-bind="tmail-error"]', form);
  const sent = $('[data-bind="tmail-sent"]', form);
  const button = $('button[type="submit"]', form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = sessionId();
    if (!id) return;
    const { email = "" } = formData(form);
    const field = $('input[name="email"]', form);
    error.textContent = "";
    show(sent, false);
    if (field && !email.trim()) {
      error.textContent = gettext("Enter the address to send the transcript to.");
      field.focus();
      return;
    }
    button.disabled = true;
    try {
      const answer = await api.post(`sessions/${id}/transcript/email`, { email: email.trim() });
      sent.textContent = fmt(gettext("The transcript is on its way to %(email)s."), {
        email: answer.email,
      });
      show(sent, true);
    } catch (failure) {
      error.textContent = failure.detail;
      if (field) field.focus();
    } finally {
      button.disabled = false;
    }
  });
}
