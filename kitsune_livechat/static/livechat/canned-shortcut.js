// Canned responses by shortcut, keyboard only: typing "/" or "#" at the start of a word in the
// composer opens a list of canned responses filtered by what follows ("/cache"); arrow keys
// move, Enter (or Tab) puts the chosen text in place of the shortcut, Escape closes. Its keys
// are taken on the way down (capture on the form), so Enter picks instead of sending while the
// list is open. The choice is announced through a status region, since a textarea cannot own
// a listbox in ARIA.

import { fill, fmt, gettext, h, ngettext, show } from "./dom.js";

const TRIGGER = /(^|\s)([/#])([^\s/#]*)$/;
const DEBOUNCE = 150;
const MAX_ITEMS = 8;

let instances = 0;

export class CannedShortcut {
  /**
   * @param {object} options
   * @param {import("./api.js").Api} options.api
   * @param {HTMLFormElement} options.form the composer
   * @param {HTMLTextAreaElement} options.textarea
   * @param {() => string} options.locale the chat's language, for the responses' language
   */
  constructor({ api, form, textarea, locale }) {
    this.api = api;
    this.textarea = textarea;
    this.locale = locale;
    this.items = [];
    this.active = -1;
    this.token = null;
    this.timer = null;
    this.asked = 0;
    const id = `lc-shortcut-${++instances}`;
    this.list = h("ul", {
      class: "lc-shortcut",
      id,
      role: "listbox",
      "aria-label": gettext("Canned responses"),
      hidden: true,
    });
    this.status = h("p", { class: "lc-sr-only", role: "status" });
    form.before(this.list);
    form.append(this.status);
    const hint = h(
      "span",
      { class: "lc-sr-only", id: `${id}-hint` },
      gettext('Type "/" and a word for canned responses.'),
    );
    form.append(hint);
    textarea.setAttribute(
      "aria-describedby",
      [textarea.getAttribute("aria-describedby"), hint.id].filter(Boolean).join(" "),
    );
    textarea.addEventListener("input", () => this.onInput());
    textarea.addEventListener("blur", () => window.setTimeout(() => this.close(), 150));
    form.addEventListener("keydown", (event) => this.onKey(event), { capture: true });
    this.list.addEventListener("mousedown", (event) => event.preventDefault());
    this.list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.choose(Number(option.dataset.index));
    });
  }

  get isOpen() {
    return !this.list.hidden;
  }

  onInput() {
    const { value, selectionStart } = this.textarea;
    const match = TRIGGER.exec(value.slice(0, selectionStart));
    if (!match) {
      this.close();
      return;
    }
    this.token = { start: selectionStart - match[2].length - match[3].length, end: selectionStart };
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.search(match[3]), DEBOUNCE);
  }

  async search(query) {
    const asked = ++this.asked;
    let items;
    try {
      items = await this.api.get("canned", { locale: this.locale(), q: query });
    } catch {
      items = [];
    }
    if (asked !== this.asked || !this.token) return; // a newer search, or closed meanwhile
    this.items = items.slice(0, MAX_ITEMS);
    this.active = this.items.length ? 0 : -1;
    this.render();
    this.status.textContent = this.items.length
      ? fmt(
          ngettext(
            "%(n)s canned response. Arrow keys choose, Enter inserts, Escape closes.",
            "%(n)s canned responses. Arrow keys choose, Enter inserts, Escape closes.",
            this.items.length,
          ),
          { n: this.items.length },
        )
      : gettext("No canned response matches.");
  }

  render() {
    fill(
      this.list,
      ...(this.items.length
        ? this.items.map((item, index) =>
            h(
              "li",
              {
                role: "option",
                id: `${this.list.id}-${index}`,
                class: "lc-shortcut__item",
                "aria-selected": index === this.active ? "true" : "false",
                dataset: { index },
              },
              h("strong", {}, item.title),
              h("small", {}, item.body),
            ),
          )
        : [h("li", { class: "lc-hint" }, gettext("No canned response matches."))]),
    );
    show(this.list, true);
    this.list.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
  }

  move(step) {
    if (!this.items.length) return;
    this.active = (this.active + step + this.items.length) % this.items.length;
    this.render();
    this.status.textContent = this.items[this.active].title;
  }

  onKey(event) {
    if (!this.isOpen || event.isComposing) return;
    const keys = {
      ArrowDown: () => this.move(1),
      ArrowUp: () => this.move(-1),
      Enter: () => this.choose(this.active),
      Tab: () => this.choose(this.active),
      Escape: () => this.close(),
    };
    const action = keys[event.key];
    if (!action || event.shiftKey) return;
    if (this.active < 0 && (event.key === "Enter" || event.key === "Tab")) {
      this.close(); // nothing to pick (say, a typed path like "/en-US/kb"): Enter sends as usual
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    action();
  }

  choose(index) {
    const item = this.items[index];
    if (!item || !this.token) {
      this.close();
      return;
    }
    const { value } = this.textarea;
    const { start, end } = this.token;
    this.textarea.value = value.slice(0, start) + item.body + value.slice(end);
    const caret = start + item.body.length;
    this.textarea.setSelectionRange(caret, caret);
    this.close();
    this.status.textContent = fmt(gettext("Inserted: %(title)s"), { title: item.title });
    this.textarea.focus();
    this.textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  close() {
    window.clearTimeout(this.timer);
    this.asked += 1;
    this.token = null;
    this.items = [];
    this.active = -1;
    show(this.list, false);
  }
}
