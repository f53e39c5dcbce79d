// The page title: "(n) Console" while chats wait for someone (the queue, unanswered tabs).
// Owns the counts each part of the console reports.

const baseTitle = document.title;
const waiting = new Map();

/** ``source`` (the queue, the tabs) now has ``count`` chats waiting for an answer. */
export function setWaiting(source, count) {
  waiting.set(source, count);
  const total = [...waiting.values()].reduce((sum, n) => sum + n, 0);
  document.title = total ? `(${total}) ${baseTitle}` : baseTitle;
}
