// The chat socket client with resume (docs/websocket-protocol.md).
//
// - Reconnects with exponential backoff and jitter; waits for the network when the browser says
//   it is offline, and comes back at once when it is online again.
// - Every (re)connection asks for `?after_seq=<last seq we have>`: the server joins us to the
//   chat's groups first, then replays `seq > after_seq` from the database and answers
//   `resumed`, so nothing falls in the gap. Seqs we already have are dropped.
// - Messages typed while disconnected wait in an outbox kept in localStorage with their
//   `client_msg_id`; after `resumed` they are sent (again). The server stores a repeated id only
//   once, so nothing typed is lost or duplicated, even across a reload. A send the server
//   failed (`server_error`, which names its `client_msg_id`) stays in the outbox and is retried.
// - The heartbeat `ping` carries our last seq; the server replays anything this socket missed.

import { randomId, store } from "./dom.js";

const PING_EVERY = 25_000;
const SILENCE_LIMIT = 60_000;
const RESUME_GRACE = 5_000;
const MAX_BACKOFF = 30_000;
const REFUSED = new Set([4401, 4403, 4404]);
// A send the server failed to store (`server_error`) is tried this many times in all.
const MAX_TRIES = 5;

export class ChatSocket extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.url WebSocket URL (ws: or wss:, or a path on this site).
   * @param {string} [options.outboxKey] localStorage key for unsent messages (none: memory).
   * @param {boolean} [options.resume] replay from `after_seq` and wait for `resumed` (chat
   *   sockets); the console socket has no history and is ready once open.
   * @param {string} [options.token] an anonymous visitor's token, sent as the first frame
   *   (`auth`) rather than in the URL, which access logs keep.
   */
  constructor({ url, outboxKey = "", resume = true, token = "" }) {
    super();
    this.url = toWebSocketUrl(url);
    this.token = token;
    this.outboxKey = outboxKey;
    this.resume = resume;
    this.lastSeq = 0;
    this.seen = new Set();
    this.state = "idle";
    this.ws = null;
    this.attempt = 0;
    this.resumed = false;
    this.stopped = false;
    this.timers = {};
    this.outbox = new Map();
    for (const item of outboxKey ? store.get(outboxKey, []) : []) {
      this.outbox.set(item.client_msg_id, item);
    }
    this.onOnline = () => this.reconnectNow();
    this.onOffline = () => this.dropConnection("offline");
  }

  start() {
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    this.clearTimers();
    if (this.ws) this.ws.close(1000);
    this.ws = null;
    this.setState("closed");
  }

  /** Messages still waiting for the server's echo, oldest first. */
  pending() {
    return Array.from(this.outbox.values());
  }

  /** Queue a chat message; it is sent now if connected, else as soon as we are back. */
  sendMessage({ body, kind = "text" }) {
    const item = { client_msg_id: randomId(), body, kind, created: new Date().toISOString() };
    this.outbox.set(item.client_msg_id, item);
    this.saveOutbox();
    if (this.isReady()) this.transmit(item);
    return item;
  }

  /** Forget an unsent message (the server refused it for good). */
  discard(clientMsgId) {
    if (this.outbox.delete(clientMsgId)) this.saveOutbox();
  }

  /** Send a transient frame (typing, read); dropped when not connected, as they may be. */
  send(frame) {
    if (!this.isReady()) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  isReady() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN && this.resumed;
  }

  // --- connection ------------------------------------------------------------------------

  connect() {
    if (this.stopped) return;
    this.clearTimers();
    if (navigator.onLine === false) {
      this.setState("offline");
      return;
    }
    this.setState(this.attempt === 0 && this.state === "idle" ? "connecting" : "reconnecting");
    let ws;
    try {
      ws = new WebSocket(this.connectUrl());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.resumed = false;
    ws.addEventListener("open", () => this.onOpen(ws));
    ws.addEventListener("message", (event) => this.onFrame(ws, event));
    ws.addEventListener("close", (event) => this.onClose(ws, event));
  }

  onOpen(ws) {
    if (ws !== this.ws) return;
    if (this.token) ws.send(JSON.stringify({ type: "auth", token: this.token }));
    this.attempt = 0;
    this.heard = Date.now();
    this.timers.ping = window.setInterval(() => this.heartbeat(), PING_EVERY);
    if (this.resume) {
      // The server replays after_seq and answers `resumed`; one that never does must not
      // hold the outbox forever.
      this.timers.grace = window.setTimeout(() => this.onResumed(), RESUME_GRACE);
    } else {
      this.onResumed();
    }
  }

  onResumed() {
    window.clearTimeout(this.timers.grace);
    if (this.resumed) return;
    this.resumed = true;
    this.setState("open");
    for (const item of this.outbox.values()) this.transmit(item);
  }

  onFrame(ws, event) {
    if (ws !== this.ws) return;
    this.heard = Date.now();
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    switch (frame.type) {
      case "message":
        this.onMessage(frame);
        break;
      case "resumed":
        this.onResumed();
        this.emit("resumed", frame);
        break;
      case "ack":
        this.confirm(frame.client_msg_id);
        break;
      case "pong":
        break;
      case "error":
        this.onError(frame);
        break;
      default:
        this.emit("frame", frame);
    }
  }

  /** The server stored this send: it leaves the outbox. */
  confirm(clientMsgId) {
    if (clientMsgId && this.outbox.delete(clientMsgId)) this.saveOutbox();
  }

  onMessage(frame) {
    this.confirm(frame.client_msg_id);
    if (typeof frame.seq === "number") {
      if (this.seen.has(frame.seq)) return;
      this.seen.add(frame.seq);
      this.lastSeq = Math.max(this.lastSeq, frame.seq);
    }
    this.emit("message", frame);
  }

  onError(frame) {
    const id = frame.client_msg_id;
    if (id && this.outbox.has(id)) {
      const item = this.outbox.get(id);
      item.tries = (item.tries || 0) + 1;
      const retry = frame.code === "server_error" && item.tries < MAX_TRIES;
      if (frame.code === "rate_limited" || retry) {
        // Kept: sent again after a pause (the server stores one id once, however often).
        window.setTimeout(() => {
          if (this.isReady() && this.outbox.has(id)) this.transmit(item);
        }, 3000);
      } else {
        this.discard(id);
        this.emit("failed", { ...frame, item });
        return;
      }
    }
    this.emit("error", frame);
  }

  onClose(ws, event) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.resumed = false;
    this.clearTimers();
    if (this.stopped) return;
    if (REFUSED.has(event.code)) {
      this.stopped = true;
      this.setState("refused");
      this.emit("refused", { code: event.code });
      return;
    }
    if (this.state === "offline") return;
    this.scheduleReconnect();
  }

  heartbeat() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.heard > SILENCE_LIMIT) {
      this.dropConnection("reconnecting");
      this.scheduleReconnect();
      return;
    }
    // The server answers by sending whatever this socket missed (say, while its channel layer
    // was down), so an open socket never stays behind.
    const ping = this.resume ? { type: "ping", last_seq: this.lastSeq } : { type: "ping" };
    this.ws.send(JSON.stringify(ping));
  }

  dropConnection(state) {
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    this.resumed = false;
    if (ws) ws.close(4000);
    if (!this.stopped) this.setState(state);
  }

  scheduleReconnect() {
    if (this.stopped) return;
    this.setState(navigator.onLine === false ? "offline" : "reconnecting");
    if (this.state === "offline") return;
    const base = Math.min(MAX_BACKOFF, 500 * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt += 1;
    this.timers.retry = window.setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.stopped) return;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    this.attempt = 0;
    this.connect();
  }

  connectUrl() {
    if (!this.resume) return this.url;
    const url = new URL(this.url);
    url.searchParams.set("after_seq", String(this.lastSeq));
    return url.toString();
  }

  transmit(item) {
    this.ws.send(
      JSON.stringify({
        type: "message.send",
        body: item.body,
        kind: item.kind,
        client_msg_id: item.client_msg_id,
      }),
    );
  }

  saveOutbox() {
    if (!this.outboxKey) return;
    if (this.outbox.size) store.set(this.outboxKey, this.pending());
    else store.remove(this.outboxKey);
  }

  clearTimers() {
    window.clearInterval(this.timers.ping);
    window.clearTimeout(this.timers.grace);
    window.clearTimeout(this.timers.retry);
    this.timers = {};
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit("state", { state });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** A path like /ws/livechat/agent/ on this site becomes ws(s)://host/ws/livechat/agent/. */
export function toWebSocketUrl(url) {
  if (/^wss?:\/\//.test(url)) return url;
  const base = new URL(url, window.location.href);
  base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
  return base.toString();
}
