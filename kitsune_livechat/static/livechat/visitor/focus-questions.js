// A focus campaign's extra questions in the question form: a choice, yes or no, or a line of
// text each, required or optional as the campaign says. Built from the availability answer;
// the form's own fields keep what is typed.

import { $, fill, gettext, h, show } from "../dom.js";
import { bind, root } from "./context.js";

/** Show the questions of ``focus`` (none: the box stays hidden). */
export function renderFocus(focus) {
  const box = $("[data-focus]", root);
  const questions = focus?.questions || [];
  show(box, questions.length > 0);
  if (!questions.length) return;
  bind("focus-title").textContent = focus.title || "";
  bind("focus-description").textContent = focus.description || "";
  fill($("[data-focus-questions]", box), questions.map(questionField));
}

function questionField(question, index) {
  const id = `lc-q-${index}`;
  const name = `answer:${question.key}`;
  const required = question.required ? { required: true, "aria-required": "true" } : {};
  const optional = question.required
    ? null
    : h("span", { class: "lc-optional" }, ` ${gettext("(optional)")}`);
  if (question.type === "choice" || question.type === "yesno") {
    const choices =
      question.type === "yesno"
        ? [
            { value: "yes", label: gettext("Yes") },
            { value: "no", label: gettext("No") },
          ]
        : (question.choices || []).map((c, i) =>
            typeof c === "object"
              ? { value: c.value, label: c.label }
              : { value: c, label: question.choice_labels?.[i] || c },
          );
    return h(
      "fieldset",
      { class: "lc-field" },
      h("legend", {}, question.label, optional),
      h(
        "div",
        { class: "lc-choices" },
        choices.map((choice) =>
          h(
            "label",
            { class: "lc-choice" },
            h("input", { type: "radio", name, value: choice.value, ...required }),
            h("span", {}, choice.label),
          ),
        ),
      ),
    );
  }
  return h(
    "div",
    { class: "lc-field" },
    h("label", { for: id }, question.label, optional),
    h("input", { type: "text", id, name, maxlength: 1000, ...required }),
  );
}
