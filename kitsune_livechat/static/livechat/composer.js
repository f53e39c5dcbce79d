// The message box of a chat, for the visitor and the console alike: Enter sends,
// Shift+Enter starts a new line, and "typing" start/stop frames go out while someone writes.
// Owns the textarea's send and typing state; the caller sends the message itself.

const TYPING_IDLE = 4000;

export class Composer {
  /**
   * ``socket()`` is the chat's socket (or null while there is none); ``onSend(body, socket)``
   * sends a message and shows it; ``afterSend()`` runs once the box is empty again;
   * ``onInput()`` runs on each change of the text (drafts, sizing).
   */
  constructor({ form, textarea, socket, onSend, afterSend = null, onInput = null }) {
    this.textarea = textarea;
    this.socket = socket;
    this.onSend = onSend;
    this.afterSend = afterSend;
    this.onInput = onInput;
    this.kind = null; // the console's audience: text, whisper or note
    this.typingSent = false;
    this.typingTimer = null;
    form.addEventListener("submit", (event) => this.send(event));
    textarea.addEventListener("input", () => this.changed());
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) this.send(event);
    });
  }

  send(event) {
    event?.preventDefault();
    const body = this.textarea.value.trim();
    const socket = this.socket();
    if (!body || !socket) return;
    this.onSend(body, socket);
    this.textarea.value = "";
    this.stopTyping();
    this.afterSend?.();
    this.textarea.focus();
  }

  /** The text changed: typing starts, or stops when the box is empty again. */
  changed() {
    this.onInput?.();
    const socket = this.socket();
    if (!socket) return;
    if (!this.textarea.value.trim()) {
      this.stopTyping();
      return;
    }
    if (!this.typingSent) this.typingSent = socket.send(this.typingFrame(true));
    window.clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => this.stopTyping(), TYPING_IDLE);
  }

  stopTyping() {
    window.clearTimeout(this.typingTimer);
    const socket = this.socket();
    if (this.typingSent && socket) socket.send(this.typingFrame(false));
    this.typingSent = false;
  }

  typingFrame(active) {
    return this.kind ? { type: "typing", active, kind: this.kind } : { type: "typing", active };
  }
}
