// "Report this helper" on the visitor's ended screen: the report goes to the supervisors'
// floor view. The chat window's own module says which chat ended (data-ended-session); its
// API client (with the token the server gave this visitor) sends the report.

import { $, gettext, show } from "./dom.js";
import { api, root } from "./visitor/context.js";

const box = $("[data-report]", root);

if (box) {
  const form = $('[data-form="report"]', box);
  const error = $('[data-bind="report-error"]', box);
  const done = $('[data-bind="reported"]', box);
  const reveal = () => {
    const id = root.dataset.endedSession;
    show(box, Boolean(id));
    if (box.dataset.session !== id) {
      box.dataset.session = id || "";
      show(form, true);
      show(done, false);
      error.textContent = "";
    }
  };
  new MutationObserver(reveal).observe(root, { attributeFilter: ["data-ended-session"] });
  reveal();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = form.elements.reason.value.trim();
    if (!reason) {
      error.textContent = gettext("Tell us what happened.");
      form.elements.reason.focus();
      return;
    }
    try {
      await api.post(`sessions/${box.dataset.session}/report`, { reason });
    } catch (failure) {
      error.textContent = failure.detail;
      return;
    }
    show(form, false);
    show(done, true);
    done.focus();
  });
}
