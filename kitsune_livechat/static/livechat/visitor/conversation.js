// The conversation in the chat window: the visitor's question heading the log, the volunteers
// helping, messages over the chat socket (with its connection followed by reconnect.js), the
// composer with its draft kept per chat, typing and read marks (typing-read.js) with unseen
// messages counted in the page title, and the log kept readable after the end.
// Owns the log, the socket and the page's own title.

import { ChatLog } from "../chatlog.js";
import { Composer } from "../composer.js";
import { $, announce, gettext, h, show, store } from "../dom.js";
import { ChatSocket } from "../socket.js";
import { TypingAndRead } from "../typing-read.js";
import { CURRENT_KEY, announcer, api, attachments, bind, data, root } from "./context.js";
import { followConnection } from "./reconnect.js";
import { banner, showScreen } from "./screens.js";

const COMPOSER_MAX_HEIGHT = 160;

export class Conversation {
  /** ``session()`` is the chat; ``onStatus(frame)`` follows its status frames. */
  constructor({ session, onStatus }) {
    this.session = session;
    this.onStatus = onStatus;
    this.log = null;
    this.socket = null;
    this.baseTitle = document.title;
    this.field = $("#lc-message");
    this.marks = new TypingAndRead({
      log: () => this.log,
      socket: () => this.socket,
      typingFromOthers: (frame) => frame.role !== "visitor",
      readFromOthers: (frame) => frame.role !== "visitor",
      storedFromOthers: (read) => read.staff,
    });
    this.composer = new Composer({
      form: $('[data-form="composer"]', root),
      textarea: this.field,
      socket: () => this.socket,
      onInput: () => this.keepDraft(),
      onSend: (body) => {
        const item = this.socket.sendMessage({ body });
        this.log.addPending(item, { offline: !this.socket.isReady() });
      },
      afterSend: () => {
        store.remove(this.draftKey());
        this.composer.changed();
      },
    });
    attachments.wire($("[data-attach-button]", root), $("[data-attach-input]", root), {
      sessionId: () => this.session()?.id,
      onSent: (message) => {
        bind("attach-error").textContent = "";
        this.ensureLog().add(message);
      },
      onError: (error) => {
        bind("attach-error").textContent = error.detail;
      },
    });
  }

  draftKey() {
    return `livechat.composer.${this.session()?.id}`;
  }

  /** The draft of each chat survives a reload; the box grows with what is typed. */
  keepDraft() {
    const field = this.field;
    store.set(this.draftKey(), field.value);
    field.style.height = "auto";
    field.style.height = `${Math.min(field.scrollHeight, COMPOSER_MAX_HEIGHT)}px`;
  }

  ensureLog() {
    if (this.log) return this.log;
    this.log = new ChatLog($("[data-log]", root), {
      viewer: "visitor",
      selfName: () => $("#lc-name").value.trim() || gettext("You"),
      typing: bind("typing"),
      attachments,
    });
    return this.log;
  }

  /** The chat screen once a volunteer joined: who helps, the question, the draft kept. */
  show() {
    const session = this.session();
    this.setHelpers(session.helpers);
    this.showQuestion();
    showScreen("chat", { focus: false });
    this.field.value = this.field.value || store.get(this.draftKey(), "");
    this.field.focus();
    announce(announcer, gettext("A volunteer joined the chat."));
  }

  /** The visitor's own question heads the conversation, as the volunteer saw it. */
  showQuestion() {
    const list = $("[data-log]", root);
    const problem = this.session().form?.problem;
    if (!problem || $(".lc-msg--question", list)) return;
    list.prepend(
      h(
        "div",
        { class: "lc-msg lc-msg--question", dataset: { seq: "" } },
        h("p", { class: "lc-msg__label" }, gettext("Your question")),
        h("div", { class: "lc-msg__body" }, problem),
      ),
    );
  }

  setHelpers(helpers) {
    const names = (helpers || []).map((person) => person.display_name).filter(Boolean);
    if (!names.length) return;
    bind("title").textContent = names.join(", ");
    bind("subtitle").textContent =
      names.length > 1 ? gettext("Volunteers helping you") : gettext("Volunteer helping you");
    const avatar = bind("avatar");
    avatar.className = "lc-avatar";
    avatar.textContent = names[0].slice(0, 1).toUpperCase();
  }

  /** What the volunteers wrote counts as read once the visitor sees the page. */
  markRead() {
    if (this.marks.markRead()) document.title = this.baseTitle;
  }

  /** The chat's socket, once: it resumes after every reconnection. */
  connect() {
    if (this.socket) return;
    const session = this.session();
    const url = new URL(
      `${data.ws.replace(/\/?$/, "/")}session/${session.id}/`,
      window.location.href,
    );
    // The token goes in the first frame, not the URL, so it stays out of access logs.
    const socket = new ChatSocket({
      url: url.toString(),
      outboxKey: `livechat.outbox.${session.id}`,
      token: data.authenticated === "1" ? "" : api.token,
    });
    this.socket = socket;
    const log = this.ensureLog();
    for (const item of socket.pending()) log.addPending(item, { offline: true });

    socket.addEventListener("message", (event) => {
      const message = event.detail;
      log.add(message);
      if (message.role !== "visitor" && message.role !== "system") {
        if (this.marks.countUnseen()) document.title = `(${this.marks.unseen}) ${this.baseTitle}`;
        this.markRead();
      }
    });
    socket.addEventListener("resumed", () => {
      $("[data-log]", root).removeAttribute("aria-busy");
      this.markRead();
    });
    socket.addEventListener("frame", (event) => {
      const frame = event.detail;
      if (!this.marks.onFrame(frame) && frame.type === "status") this.onStatus(frame);
    });
    socket.addEventListener("failed", (event) => {
      log.markFailed(event.detail.item.client_msg_id, event.detail.detail);
    });
    socket.addEventListener("error", (event) => announce(announcer, event.detail.detail));
    socket.addEventListener("refused", () => {
      banner(gettext("This chat is no longer available."));
      store.remove(CURRENT_KEY);
    });
    followConnection(socket, log);
    $("[data-log]", root).setAttribute("aria-busy", "true");
    socket.start();
  }

  stop() {
    if (this.socket) {
      this.socket.stop();
      this.socket = null;
    }
  }

  /** The ended chat stays readable above the rating, also after a reload. */
  keepReadable() {
    const screen = $('[data-screen="chat"]', root);
    screen.classList.add("lc-chat--ended");
    show(screen, true);
    const log = this.ensureLog();
    this.showQuestion();
    api
      .get(`sessions/${this.session().id}/messages`, { after_seq: log.lastSeq })
      .then((found) => {
        for (const message of found) log.add(message);
      })
      .catch(() => {});
  }
}
