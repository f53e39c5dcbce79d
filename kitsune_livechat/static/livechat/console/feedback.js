// Article feedback after a chat: sending an ended chat's form (outcome, the article that
// solved it, what was missing), finding that article, and the list of chats whose feedback is
// still owed. Each panel's form is shown and kept by end-feedback.js.

import { $, fill, fmt, formData, gettext, h, show } from "../dom.js";
import { failed } from "./alerts.js";
import { api, bind } from "./context.js";

/** Chats of the last week still waiting for the helper's article feedback, even after a
 * closed tab or a reload: one click opens the chat with its feedback form. */
export async function loadFeedbackDue() {
  let due = [];
  try {
    due = await api.get("feedback/due");
  } catch {
    return;
  }
  fill(
    bind("due"),
    due.map((chat) =>
      h(
        "li",
        { class: "lc-qitem" },
        h("p", { class: "lc-qitem__article" }, chat.article_title),
        h("p", { class: "lc-qitem__problem" }, chat.problem),
        h(
          "button",
          {
            type: "button",
            class: "lc-btn lc-btn--small",
            dataset: { due: chat.id },
            "aria-label": fmt(gettext("Give feedback on “%(title)s”"), {
              title: chat.article_title,
            }),
          },
          gettext("Give feedback"),
        ),
      ),
    ),
  );
  bind("due-count").textContent = String(due.length);
  show(bind("due-box"), due.length > 0);
}

/** Offer KB articles matching ``query`` as "the article that solved it" in ``panel``. */
export async function findSolvedBy(panel, session, locale, query) {
  const select = $('[name="solved_by"]', panel);
  const chosen = select.value;
  let items = [];
  if (query.trim()) {
    try {
      items = await api.get("kb/search", { q: query, locale });
    } catch (error) {
      failed(error);
      return;
    }
  }
  const started = String(session?.article?.id ?? "");
  const options = items
    .filter((item) => String(item.id) !== started)
    .map((item) => h("option", { value: String(item.id) }, item.title));
  const kept = chosen && !options.some((option) => option.value === chosen);
  fill(select, [select.options[0], ...(kept ? [select.selectedOptions[0]] : []), ...options]);
  select.value = chosen;
  if (!chosen && options.length) select.value = options[0].value;
}

/** Send the feedback form of chat ``id``; true once the chat's feedback is on record. */
export async function submitFeedback(panel, id, form) {
  const values = formData(form);
  const error = bind("feedback-error", panel);
  if (!values.outcome) {
    error.textContent = gettext("Choose an outcome.");
    $("input[name=outcome]", form).focus();
    return false;
  }
  error.textContent = "";
  try {
    await api.post(`sessions/${id}/feedback`, {
      outcome: values.outcome,
      solved_by: values.solved_by ? Number(values.solved_by) : null,
      missing: values.missing || "",
      suggested_change: values.suggested_change || "",
      tags: (values.tags || "")
        .split(",")
        .map((tag) => tag.trim())
        .filter(Boolean),
    });
  } catch (failure) {
    if (failure.code !== "feedback_exists") {
      error.textContent = failure.detail;
      return false;
    }
  }
  show(form, false);
  const done = bind("feedback-done", panel);
  show(done, true);
  done.focus();
  loadFeedbackDue();
  return true;
}
