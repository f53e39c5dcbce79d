// A chat panel's pickers: canned responses and knowledge-base articles to search and insert
// into the composer at the caret. Owns no state beyond the panel it serves.

import { $, $$, fill, gettext, h, show } from "../dom.js";
import { failed } from "./alerts.js";
import { api, bind } from "./context.js";

export class Pickers {
  /** ``locale()`` is the chat's language, which the searches prefer. */
  constructor(panel, locale) {
    this.panel = panel;
    this.locale = locale;
  }

  insert(text) {
    const textarea = $("textarea[name=body]", this.panel);
    const { selectionStart: start, selectionEnd: end, value } = textarea;
    const before = value.slice(0, start);
    const glue = before && !/\s$/.test(before) ? " " : "";
    textarea.value = `${before}${glue}${text}${value.slice(end)}`;
    const caret = before.length + glue.length + text.length;
    textarea.setSelectionRange(caret, caret);
    textarea.focus();
  }

  toggle(name, open = null) {
    const picker = $(`[data-picker="${name}"]`, this.panel);
    const button = $(`[data-action="${name}"]`, this.panel);
    const opening = open ?? picker.hidden;
    for (const other of $$("[data-picker]", this.panel)) show(other, false);
    for (const other of $$('[data-action="canned"], [data-action="kb"]', this.panel))
      other.setAttribute("aria-expanded", "false");
    show(picker, opening);
    button.setAttribute("aria-expanded", String(opening));
    if (opening) {
      const input = $("input", picker);
      input.focus();
      this.search(name, input.value);
    }
  }

  async search(name, query) {
    const list = bind(`${name}-list`, this.panel);
    const locale = this.locale();
    let items;
    try {
      items =
        name === "canned"
          ? await api.get("canned", { locale, q: query })
          : query.trim()
            ? await api.get("kb/search", { q: query, locale })
            : [];
    } catch (error) {
      failed(error);
      return;
    }
    if (name === "kb" && !query.trim()) {
      fill(list, h("li", { class: "lc-hint" }, gettext("Type words from the article's title.")));
      return;
    }
    if (!items.length) {
      fill(list, h("li", { class: "lc-hint" }, gettext("Nothing found.")));
      return;
    }
    fill(
      list,
      items.map((item) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "lc-picker__item",
              dataset: { insert: name === "canned" ? item.body : articleLink(item) },
            },
            h(
              "span",
              {},
              h("strong", {}, item.title),
              item.locale !== locale
                ? h("span", { class: "lc-tag lc-tag--after" }, item.locale)
                : null,
            ),
            h("small", {}, name === "canned" ? item.body : item.url),
          ),
        ),
      ),
    );
  }
}

/** "Title: https://…" as a helper sends an article to the visitor. */
function articleLink(article) {
  return `${article.title}: ${new URL(article.url, window.location.origin)}`;
}
