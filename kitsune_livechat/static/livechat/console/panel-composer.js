// The composer of one chat's panel, wired to the shared composer (composer.js): its audience
// (text to the visitor, whisper to the helpers, note for the record, as the caller's place in
// the chat allows), canned responses by shortcut, the canned and KB pickers with their
// searches, and files attached. Owns the audience chosen and the field ids of its panel.

import { CannedShortcut } from "../canned-shortcut.js";
import { Composer } from "../composer.js";
import { $, $$, gettext, show } from "../dom.js";
import { api, attachments, bind, data } from "./context.js";
import { Pickers } from "./pickers.js";

const SEARCH_DELAY = 200;

const PLACEHOLDERS = {
  whisper: gettext("Whisper to the helpers (the visitor never sees it)…"),
  note: gettext("Note for the chat's record (the visitor never sees it)…"),
  text: gettext("Write to the visitor…"),
};

/** The audiences open to someone holding a chat as ``mode``, the default first. */
function allowedKinds(mode) {
  if (mode === "helper") return ["text", "whisper", "note"];
  if (data.role === "supervisor") return ["whisper", "note", "text"];
  return ["whisper", "note"];
}

export class PanelComposer {
  /**
   * For chat ``id`` in ``panel``: ``mode()`` is how the console holds it, ``locale()`` its
   * language, ``socket()`` its socket (or null); ``log`` shows what is sent; ``onText()``
   * runs when a message to the visitor goes out.
   */
  constructor(id, panel, { mode, locale, socket, log, onText }) {
    this.panel = panel;
    this.mode = mode;
    this.kind = "text";
    this.kindFor = null;
    this.form = bind("composer", panel);
    this.textarea = $("textarea[name=body]", panel);
    this.textarea.id = `lc-body-${id}`;
    bind("message-label", panel).setAttribute("for", this.textarea.id);
    for (const radio of $$(".lc-mode input", panel)) radio.name = `kind-${id}`;
    for (const [search, label] of [
      ["canned", "canned-label"],
      ["kb", "kb-label"],
    ]) {
      const input = $(`[data-search="${search}"]`, panel);
      input.id = `lc-${search}-${id}`;
      bind(label, panel).setAttribute("for", input.id);
    }
    for (const picker of $$("[data-picker]", panel))
      picker.id = `lc-${picker.dataset.picker}-picker-${id}`;
    $('[data-action="canned"]', panel).setAttribute("aria-controls", `lc-canned-picker-${id}`);
    $('[data-action="kb"]', panel).setAttribute("aria-controls", `lc-kb-picker-${id}`);
    this.show(false); // until the chat is loaded

    this.shortcut = new CannedShortcut({ api, form: this.form, textarea: this.textarea, locale });
    attachments.wire($("[data-attach-button]", panel), $("[data-attach-input]", panel), {
      sessionId: () => id,
      onSent: (message) => {
        bind("attach-error", panel).textContent = "";
        log.add(message);
      },
      onError: (error) => {
        bind("attach-error", panel).textContent = error.detail;
      },
    });
    this.pickers = new Pickers(panel, locale);
    this.composer = new Composer({
      form: this.form,
      textarea: this.textarea,
      socket,
      onSend: (body, chatSocket) => {
        const item = chatSocket.sendMessage({ body, kind: this.kind });
        if (this.kind === "text") onText();
        log.addPending(item, { offline: !chatSocket.isReady() });
      },
      // A whisper or note is one message: the next one goes back to the default audience.
      afterSend: () => this.setKind(allowedKinds(this.mode())[0]),
    });
    this.wire();
  }

  show(visible) {
    show(bind("compose", this.panel), visible);
  }

  /** The audiences the caller's place in the chat allows; a new place starts on its default
   * (observers start on whispers: writing to the visitor is a deliberate choice). */
  offer() {
    const mode = this.mode();
    const kinds = allowedKinds(mode);
    for (const label of $$(".lc-mode label", this.panel))
      show(label, kinds.includes(label.dataset.kind));
    if (this.kindFor !== mode || !kinds.includes(this.kind)) this.setKind(kinds[0]);
    this.kindFor = mode;
  }

  setKind(kind) {
    this.kind = kind;
    this.composer.kind = kind;
    for (const radio of $$(".lc-mode input", this.panel)) radio.checked = radio.value === kind;
    this.form.className = `lc-composer lc-composer--${kind}`;
    $("textarea", this.form).placeholder = PLACEHOLDERS[kind] || PLACEHOLDERS.text;
  }

  /** The message box, or the panel itself while there is nothing to write in. */
  focus() {
    if (!this.textarea.closest("[hidden]")) this.textarea.focus();
    else this.panel.focus();
  }

  /** A click on a picker's button or one of its items; false when ``target`` is neither. */
  onClick(target) {
    if (target.dataset.insert !== undefined) {
      this.pickers.insert(target.dataset.insert);
      for (const picker of $$("[data-picker]", this.panel)) show(picker, false);
      return true;
    }
    const action = target.dataset.action;
    if (action !== "canned" && action !== "kb") return false;
    this.pickers.toggle(action);
    return true;
  }

  wire() {
    const textarea = this.textarea;
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.pickers.toggle("canned", false);
    });
    for (const radio of $$(".lc-mode input", this.panel)) {
      radio.addEventListener("change", () => {
        this.setKind(radio.value);
        textarea.focus();
      });
    }
    let timer = null;
    for (const input of $$("[data-search]", this.panel)) {
      input.addEventListener("input", () => {
        window.clearTimeout(timer);
        timer = window.setTimeout(
          () => this.pickers.search(input.dataset.search, input.value),
          SEARCH_DELAY,
        );
      });
      input.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          this.pickers.toggle(input.dataset.search, false);
          textarea.focus();
        }
      });
    }
  }
}
