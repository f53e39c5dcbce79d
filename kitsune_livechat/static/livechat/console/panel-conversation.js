// The conversation of one chat's panel: its message log, the chat socket with the connection
// banner, the history of a chat that is over, alerts for what the visitor writes while the
// helper looks elsewhere, typing and read marks (typing-read.js), and whether the visitor waits
// for an answer. Owns the log, the socket and whether the chat is new to this helper.

import { ChatLog } from "../chatlog.js";
import { fmt, gettext, show } from "../dom.js";
import { ChatSocket } from "../socket.js";
import { TypingAndRead } from "../typing-read.js";
import { alertUser, toast } from "./alerts.js";
import { api, attachments, bind, data, socketUrl } from "./context.js";

export class PanelConversation {
  /**
   * For chat ``id`` in ``panel``: ``shown()`` says whether its tab is the one on screen and
   * ``select()`` brings it there; ``onMessage(el, message)`` follows each message shown,
   * ``onFrame(frame)`` each other frame, ``onResumed()`` a (re)connection caught up and
   * ``onRefused()`` a socket the server turned away.
   */
  constructor(id, panel, { shown, select, onMessage, onFrame, onResumed, onRefused }) {
    this.id = id;
    this.panel = panel;
    this.select = select;
    this.onMessage = onMessage;
    this.onFrame = onFrame;
    this.onResumed = onResumed;
    this.onRefused = onRefused;
    this.socket = null;
    this.fresh = false; // given to this helper, who has not written yet
    this.log = new ChatLog(bind("log", panel), {
      viewer: "staff",
      selfName: () => data.me,
      typing: bind("typing", panel),
      attachments,
    });
    this.marks = new TypingAndRead({
      log: () => this.log,
      socket: () => this.socket,
      typingFromOthers: (frame) => frame.author !== data.me,
      readFromOthers: (frame) => frame.role === "visitor",
      storedFromOthers: (read) => read.visitor,
      shown,
    });
  }

  /** Given to this helper (assigned, handed over, transferred): new to them until they write. */
  markGiven() {
    this.fresh = true;
  }

  /** The helper wrote to the visitor. */
  markAnswered() {
    this.fresh = false;
  }

  /** Messages from the visitor not seen yet (the tab's badge). */
  get unseen() {
    return this.marks.unseen;
  }

  /** Live over the socket while the chat is open; read once from the API when it is over. */
  connect(session) {
    if (this.socket || !session) return;
    const status = session.status;
    if (status !== "active" && status !== "waiting") {
      this.loadHistory();
      return;
    }
    const log = this.log;
    const socket = new ChatSocket({
      url: socketUrl(`session/${this.id}/`),
      outboxKey: `livechat.console.outbox.${this.id}`,
    });
    this.socket = socket;
    for (const item of socket.pending()) log.addPending(item, { offline: true });
    socket.addEventListener("message", (event) => this.received(event.detail));
    socket.addEventListener("resumed", () => {
      bind("log", this.panel).removeAttribute("aria-busy");
      this.onResumed();
    });
    socket.addEventListener("frame", (event) => {
      const frame = event.detail;
      // Screens beside the console (tags...) follow the chat's frames through its panel.
      this.panel.dispatchEvent(new CustomEvent("livechat:frame", { detail: frame }));
      if (!this.marks.onFrame(frame)) this.onFrame(frame);
    });
    socket.addEventListener("failed", (event) =>
      log.markFailed(event.detail.item.client_msg_id, event.detail.detail),
    );
    socket.addEventListener("error", (event) => toast(event.detail.detail, { error: true }));
    socket.addEventListener("refused", () => this.onRefused());
    socket.addEventListener("state", (event) => {
      const state = event.detail.state;
      const banner = bind("banner", this.panel);
      if (state === "reconnecting" || state === "offline") {
        banner.className = "lc-banner";
        banner.textContent =
          state === "offline"
            ? gettext("You are offline. Messages will be sent when you are back.")
            : gettext("Connection lost. Reconnecting…");
        show(banner, true);
        log.setPendingState(true);
      } else if (state === "open") {
        show(banner, false);
        log.setPendingState(false);
      }
    });
    bind("log", this.panel).setAttribute("aria-busy", "true");
    socket.start();
  }

  stop() {
    this.socket?.stop();
    this.socket = null;
  }

  async loadHistory() {
    try {
      const messages = await api.get(`sessions/${this.id}/messages`, { after_seq: 0 });
      for (const message of messages) this.log.add(message);
    } catch {
      /* the transcript link still works */
    }
  }

  /** A message from the socket: shown, and the helper alerted when the visitor wrote it
   * while they look elsewhere (not for the replay of a reconnection). */
  received(message) {
    const el = this.log.add(message);
    if (message.role === "visitor" && this.socket?.resumed && this.marks.countUnseen()) {
      alertUser(
        fmt(gettext("%(name)s wrote"), { name: message.author || gettext("Visitor") }),
        message.body.slice(0, 120),
        this.select,
      );
    }
    this.onMessage(el, message);
  }

  /** Mark what the visitor wrote read if the helper sees it; true when they do. */
  markRead() {
    return this.marks.markRead();
  }

  /** The visitor waits for an answer: the chat is new to this helper, or they wrote last. */
  awaitsAnswer() {
    let last = null;
    for (const el of this.log.bySeq.values()) {
      const { role, kind, seq } = el.dataset;
      if (kind !== "text" || (role !== "visitor" && role !== "helper")) continue;
      if (!last || Number(seq) > last.seq) last = { seq: Number(seq), role };
    }
    return this.fresh || !last || last.role === "visitor";
  }
}
