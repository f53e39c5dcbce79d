// One conversation on screen: messages in seq order, pending sends, read marks, typing.
// Shared by the visitor window and every console tab.

import { fmt, formatClock, gettext, h, linkify } from "./dom.js";

const TYPING_SHOWN_FOR = 6000;

function roleLabel(role) {
  return (
    {
      visitor: gettext("Visitor"),
      helper: gettext("Volunteer"),
      observer: gettext("Observer"),
      system: "",
    }[role] ?? ""
  );
}

export class ChatLog {
  /**
   * @param {HTMLElement} list the <ol role="log"> that holds the messages
   * @param {object} options
   * @param {"visitor"|"staff"} options.viewer whose screen this is
   * @param {() => string} options.selfName the viewer's display name
   * @param {HTMLElement} [options.typing] where "… is typing" is shown
   * @param {{render: (attachment: object) => HTMLElement}} [options.attachments] shows files
   */
  constructor(list, { viewer, selfName = () => "", typing = null, attachments = null }) {
    this.list = list;
    this.attachments = attachments;
    this.viewer = viewer;
    this.selfName = selfName;
    this.typingEl = typing;
    this.bySeq = new Map();
    this.pendingById = new Map();
    this.mine = new Set();
    this.typers = new Map();
    this.readSeq = 0;
    // Whoever reads the newest messages keeps them in view when the log is resized (a panel
    // opening under it, the phone keyboard): only a reader scrolled up stays where they are.
    this.pinned = true;
    list.addEventListener("scroll", () => {
      this.pinned = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
    });
    if (window.ResizeObserver) {
      new ResizeObserver(() => {
        if (this.pinned) list.scrollTop = list.scrollHeight;
      }).observe(list);
    }
  }

  get lastSeq() {
    let last = 0;
    for (const seq of this.bySeq.keys()) last = Math.max(last, seq);
    return last;
  }

  /** The newest message someone else wrote: what "answered" and "read" are measured by. */
  lastFromOthers() {
    let last = null;
    for (const [seq, el] of this.bySeq) {
      if (el.dataset.mine !== "1" && el.dataset.role !== "system") {
        if (!last || seq > last.seq) last = { seq, role: el.dataset.role, kind: el.dataset.kind };
      }
    }
    return last;
  }

  lastMessage() {
    const seq = this.lastSeq;
    const el = this.bySeq.get(seq);
    return el
      ? { seq, role: el.dataset.role, kind: el.dataset.kind, mine: el.dataset.mine === "1" }
      : null;
  }

  isMine(message) {
    if (message.client_msg_id && this.mine.has(message.client_msg_id)) return true;
    if (this.viewer === "visitor") return message.role === "visitor";
    return (
      message.role !== "visitor" && message.role !== "system" && message.author === this.selfName()
    );
  }

  /** Show a confirmed message (live or replayed); a pending copy of it is replaced. */
  add(message) {
    if (this.bySeq.has(message.seq)) return null;
    const mine = this.isMine(message);
    if (mine && message.author) this.ownName = message.author;
    const el = this.render(message, { mine });
    this.bySeq.set(message.seq, el);
    const pending = message.client_msg_id && this.pendingById.get(message.client_msg_id);
    if (pending) {
      this.pendingById.delete(message.client_msg_id);
      pending.remove();
    }
    this.insertBySeq(el, message.seq);
    if (message.role !== "system") this.setTyping(message.author, false);
    if (mine && message.seq <= this.readSeq) el.classList.add("is-read");
    this.scrollDown(mine);
    return el;
  }

  /** Show a message still on its way (it stays at the bottom until the server confirms it). */
  addPending(item, { offline = false } = {}) {
    this.mine.add(item.client_msg_id);
    if (this.pendingById.has(item.client_msg_id)) return;
    const el = this.render(
      {
        ...item,
        author: this.ownName || this.selfName(),
        role: this.viewer === "visitor" ? "visitor" : "helper",
      },
      { mine: true, pending: true },
    );
    el.querySelector(".lc-msg__status").textContent = offline
      ? gettext("Waiting for the connection…")
      : gettext("Sending…");
    this.pendingById.set(item.client_msg_id, el);
    this.list.append(el);
    this.scrollDown(true);
  }

  /** Relabel pending messages when the connection comes and goes. */
  setPendingState(offline) {
    for (const el of this.pendingById.values()) {
      el.querySelector(".lc-msg__status").textContent = offline
        ? gettext("Waiting for the connection…")
        : gettext("Sending…");
    }
  }

  markFailed(clientMsgId, detail) {
    const el = this.pendingById.get(clientMsgId);
    if (!el) return;
    this.pendingById.delete(clientMsgId);
    el.classList.remove("is-pending");
    el.classList.add("is-failed");
    el.querySelector(".lc-msg__status").textContent = fmt(gettext("Not sent: %(reason)s"), {
      reason: detail,
    });
  }

  /** The other side has read up to `seq`: tick our messages up to there. */
  markRead(seq) {
    if (seq <= this.readSeq) return;
    this.readSeq = seq;
    for (const [msgSeq, el] of this.bySeq) {
      if (msgSeq <= seq && el.dataset.mine === "1") el.classList.add("is-read");
    }
    const lastRead = [...this.bySeq.entries()]
      .filter(([msgSeq, el]) => msgSeq <= seq && el.dataset.mine === "1")
      .sort((a, b) => b[0] - a[0])[0];
    for (const el of this.list.querySelectorAll(".lc-msg__read")) el.hidden = true;
    if (lastRead) lastRead[1].querySelector(".lc-msg__read").hidden = false;
  }

  setTyping(name, active) {
    if (!name) return;
    window.clearTimeout(this.typers.get(name));
    if (active) {
      this.typers.set(
        name,
        window.setTimeout(() => this.setTyping(name, false), TYPING_SHOWN_FOR),
      );
    } else {
      this.typers.delete(name);
    }
    if (!this.typingEl) return;
    const names = [...this.typers.keys()];
    this.typingEl.textContent = names.length
      ? fmt(gettext("%(name)s is typing…"), { name: names.join(", ") })
      : "";
  }

  render(message, { mine, pending = false }) {
    const kind = message.kind || "text";
    const role = message.role || "system";
    const classes = ["lc-msg", `lc-msg--${role}`, `lc-msg--${kind}`];
    if (mine) classes.push("lc-msg--mine");
    if (pending) classes.push("is-pending");
    if (role === "system" || kind === "system") {
      return h(
        "div",
        {
          class: "lc-msg lc-msg--system",
          dataset: { seq: message.seq ?? "", role: "system", kind },
        },
        h("span", { class: "lc-msg__body" }, message.body),
        h(
          "time",
          { class: "lc-msg__time", datetime: message.created },
          formatClock(message.created),
        ),
      );
    }
    const staffLabel =
      kind === "whisper"
        ? gettext("Whisper: only helpers see this")
        : kind === "note"
          ? gettext("Note: only helpers see this")
          : kind === "draft"
            ? gettext("Draft awaiting approval")
            : "";
    return h(
      "div",
      {
        class: classes.join(" "),
        dataset: {
          seq: message.seq ?? "",
          role,
          kind,
          mine: mine ? "1" : "0",
          clientMsgId: message.client_msg_id || "",
        },
      },
      h(
        "div",
        { class: "lc-msg__meta" },
        h("span", { class: "lc-msg__author" }, message.author || roleLabel(role)),
        role !== "visitor" && roleLabel(role)
          ? h("span", { class: "lc-msg__role" }, roleLabel(role))
          : null,
        h(
          "time",
          { class: "lc-msg__time", datetime: message.created },
          formatClock(message.created),
        ),
      ),
      staffLabel ? h("p", { class: "lc-msg__label" }, staffLabel) : null,
      message.attachment && this.attachments
        ? this.attachments.render(message.attachment)
        : h("div", { class: "lc-msg__body" }, linkify(message.body || "")),
      h("p", { class: "lc-msg__status", "aria-live": "off" }),
      h("p", { class: "lc-msg__read", hidden: true }, gettext("Read")),
    );
  }

  insertBySeq(el, seq) {
    const pendingFirst = this.list.querySelector(".is-pending, .is-failed");
    let before = null;
    for (const child of this.list.children) {
      const childSeq = Number(child.dataset.seq);
      if (child.dataset.seq !== "" && childSeq > seq) {
        before = child;
        break;
      }
    }
    this.list.insertBefore(el, before || pendingFirst);
  }

  scrollDown(force) {
    const scroller = this.list;
    const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
    if (force || nearBottom) scroller.scrollTop = scroller.scrollHeight;
  }
}
