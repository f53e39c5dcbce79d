// Typing and read marks in one chat, for the visitor window and every console tab alike: the
// other side's "typing" and "read" frames shown in the log, our own read mark sent once the
// newest message from the others is in front of us, and the count of messages that arrived
// while it was not. A status frame's stored marks show the others' reading again after a
// reload. (Our own typing frames go out from the composer, composer.js.)
// Owns the seq last marked read and the count of unseen messages.

export class TypingAndRead {
  /**
   * ``log()`` is the chat's ChatLog and ``socket()`` its ChatSocket (either may be null);
   * ``typingFromOthers(frame)`` and ``readFromOthers(frame)`` say whether a typing or read
   * frame is the other side's, and ``storedFromOthers(read)`` which of a status frame's stored
   * marks (``{visitor, staff}``) is; ``shown()`` whether the chat is the one on screen (a
   * console tab may be behind another).
   */
  constructor({
    log,
    socket,
    typingFromOthers,
    readFromOthers,
    storedFromOthers,
    shown = () => true,
  }) {
    this.log = log;
    this.socket = socket;
    this.typingFromOthers = typingFromOthers;
    this.readFromOthers = readFromOthers;
    this.storedFromOthers = storedFromOthers;
    this.shown = shown;
    this.sent = 0;
    this.unseen = 0;
  }

  /** The reader sees this chat now: it is shown, and the page is visible and focused. */
  watched() {
    return this.shown() && document.visibilityState === "visible" && document.hasFocus();
  }

  /** Show a typing or read frame from the others in the log; false for any other frame (a
   * status frame's stored read mark is shown, and the frame is left to its owner). */
  onFrame(frame) {
    const log = this.log();
    if (frame.type === "status") {
      // Sent after the replay on every (re)connection: the messages it marks are in the log.
      const seq = frame.read ? this.storedFromOthers(frame.read) : 0;
      if (log && seq) log.markRead(seq);
      return false;
    }
    if (frame.type === "typing") {
      if (log && this.typingFromOthers(frame)) log.setTyping(frame.author, frame.active);
      return true;
    }
    if (frame.type === "read") {
      if (log && this.readFromOthers(frame)) log.markRead(frame.seq);
      return true;
    }
    return false;
  }

  /** A message from the others arrived: counted when the reader does not see it (true then). */
  countUnseen() {
    if (this.watched()) return false;
    this.unseen += 1;
    return true;
  }

  /** Mark the others' newest message read if the reader sees the chat; true when they do. */
  markRead() {
    const socket = this.socket();
    const log = this.log();
    if (!socket || !log || !this.watched()) return false;
    this.unseen = 0;
    const last = log.lastFromOthers();
    if (last && last.seq > this.sent && socket.send({ type: "read", seq: last.seq })) {
      this.sent = last.seq;
    }
    return true;
  }
}
