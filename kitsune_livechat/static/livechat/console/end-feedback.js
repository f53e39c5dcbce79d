// The end of one chat in its panel: the article feedback form, shown once the chat ended in
// this helper's hands, with its search for the article that solved it; and the question asked
// before a tab whose feedback is owed is closed. Owns whether this chat's feedback is filed.

import { $, confirmDialog, show } from "../dom.js";
import { bind, data, root } from "./context.js";
import { findSolvedBy, loadFeedbackDue, submitFeedback } from "./feedback.js";

const SEARCH_DELAY = 200;

export class EndFeedback {
  /**
   * For chat ``id`` in ``panel``: ``mode()`` is how the console holds it, ``session()`` its
   * session, ``shown()`` whether its tab is the one on screen; ``onFiled()`` runs once the
   * feedback is on record.
   */
  constructor(id, panel, { mode, session, shown, onFiled }) {
    this.id = id;
    this.panel = panel;
    this.mode = mode;
    this.session = session;
    this.shown = shown;
    this.done = false;
    this.form = bind("feedback", panel);
    const query = bind("solved-query", panel);
    query.id = `lc-solved-query-${id}`;
    bind("solved-query-label", panel).setAttribute("for", query.id);
    for (const [name, label] of [
      ["solved_by", "solved-label"],
      ["missing", "missing-label"],
      ["suggested_change", "change-label"],
      ["tags", "tags-label"],
    ]) {
      const field = $(`[name="${name}"]`, this.form);
      field.id = `lc-${name}-${id}`;
      bind(label, panel).setAttribute("for", field.id);
    }
    let timer = null;
    query.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        const current = this.session();
        findSolvedBy(panel, current, current?.locale || data.locale, query.value);
      }, SEARCH_DELAY);
    });
    this.form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!(await submitFeedback(panel, id, event.target))) return;
      this.done = true;
      onFiled();
    });
  }

  /** The chat ended in this helper's hands and its article still waits for their verdict. */
  owed() {
    const session = this.session();
    return Boolean(
      this.mode() === "helper" && session?.status === "ended" && !this.done && session.article?.id,
    );
  }

  /** Show the form when it is owed (once), with the focus on it when the tab is shown. */
  offer() {
    if (this.owed() && this.form.hidden) {
      show(this.form, true);
      if (this.shown()) $("h3", this.form).focus();
    }
  }

  /** Whether the tab may close: with feedback owed, only once the helper says so (the chat
   * then stays on the list of feedback due). */
  async mayClose() {
    if (!this.owed()) return true;
    if (!(await confirmDialog($('[data-dialog="close-owed"]', root)))) {
      $("h3", this.form)?.focus();
      return false;
    }
    loadFeedbackDue();
    return true;
  }
}
