// "Earlier chats" beside a chat in the console: the same visitor's other chats, how each ended,
// the rating they gave and the article feedback, so a helper knows at once that this is the
// third chat about the same crash. Loaded once per tab; the server decides who may see it.

import { fill, fmt, gettext, h, show } from "./dom.js";

function when(iso) {
  return new Date(iso).toLocaleDateString(document.documentElement.lang || undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
  });
}

function item(chat, currentFollowUp) {
  const facts = [h("dt", {}, gettext("Status")), h("dd", {}, chat.status_label)];
  if (chat.rating) {
    const rating = fmt(gettext("%(score)s of 5"), { score: chat.rating.score });
    facts.push(
      h("dt", {}, gettext("Rating")),
      h("dd", {}, chat.rating.comment ? `${rating}: “${chat.rating.comment}”` : rating),
    );
  }
  if (chat.feedback) {
    facts.push(h("dt", {}, gettext("Article feedback")), h("dd", {}, chat.feedback.label));
  }
  return h(
    "li",
    { class: "lc-history__item", dataset: { chat: chat.id } },
    h(
      "p",
      { class: "lc-history__head" },
      h("time", { datetime: chat.created }, when(chat.created)),
      chat.id === currentFollowUp
        ? h("span", { class: "lc-tag" }, gettext("Followed up here"))
        : null,
    ),
    h("p", { class: "lc-history__problem" }, chat.problem),
    chat.article?.title ? h("p", { class: "lc-hint" }, chat.article.title) : null,
    h("dl", { class: "lc-facts" }, ...facts),
  );
}

/** Fill `list` with the visitor's earlier chats for chat `session` (once per list). */
export async function showEarlierChats(api, list, session) {
  if (!list || list.dataset.loadedFor === session.id) return;
  list.dataset.loadedFor = session.id;
  let chats;
  try {
    chats = await api.get(`sessions/${session.id}/history`);
  } catch {
    delete list.dataset.loadedFor;
    return;
  }
  fill(
    list,
    ...(chats.length
      ? chats.map((chat) => item(chat, session.follow_up_of))
      : [h("li", { class: "lc-hint" }, gettext("No earlier chats."))]),
  );
  show(list, true);
}
