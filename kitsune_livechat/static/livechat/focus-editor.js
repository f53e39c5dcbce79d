// The focus campaign form: "Add a question" adds one more question block (the formset's empty
// form, numbered), and the "So far" counts follow the campaign while the page is open.

import { Api } from "./api.js";
import { $, $$ } from "./dom.js";

const REFRESH_EVERY = 10_000;

const addButton = $("[data-add-question]");
const template = $("[data-question-template]");
const total = $("#id_q-TOTAL_FORMS");
if (addButton && template && total) {
  addButton.addEventListener("click", () => {
    const index = Number(total.value);
    const html = template.innerHTML.replaceAll("__prefix__", String(index));
    const holder = document.createElement("div");
    holder.innerHTML = html; // the server's own template, no user text
    const block = holder.firstElementChild;
    $("[data-questions]").append(block);
    total.value = String(index + 1);
    $("input, select, textarea", block)?.focus();
  });
}

const counts = $("[data-focus-counts]");
if (counts) {
  const api = new Api({ root: counts.dataset.api });
  const refresh = async () => {
    if (document.visibilityState !== "visible") return;
    try {
      const focus = await api.get(`focuses/${counts.dataset.focus}`);
      for (const cell of $$("[data-count]", counts)) {
        cell.textContent = String(focus[cell.dataset.count] ?? cell.textContent);
      }
    } catch {
      /* the figures stay as they were; the next refresh tries again */
    }
  };
  window.setInterval(refresh, REFRESH_EVERY);
}
