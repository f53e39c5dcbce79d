// A follow-up chat. "Ask a follow-up" on the visitor's list of chats opens the chat window with
// ?follow_up=<id>; the question form then says which earlier chat it continues, and the request
// links to it (the server checks it is the visitor's own finished chat), so the volunteer sees
// that chat first among the earlier ones.

import { fmt, gettext, show } from "./dom.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function followUpId() {
  const id = new URLSearchParams(window.location.search).get("follow_up") || "";
  return UUID.test(id) ? id : "";
}

/** Show which chat this one follows up on, in `note`; nothing when it is not the visitor's. */
export async function showFollowUp(api, note) {
  const id = followUpId();
  if (!id || !note) return;
  try {
    const earlier = await api.get(`sessions/${id}`);
    note.textContent = fmt(gettext("This chat follows up on your chat of %(date)s: “%(problem)s”"), {
      date: new Date(earlier.created).toLocaleDateString(document.documentElement.lang || undefined),
      problem: earlier.form?.problem || "",
    });
    show(note, true);
  } catch {
    show(note, false);
  }
}
