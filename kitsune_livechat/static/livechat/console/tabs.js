// The console's chats as tabs: opening, selecting (also with the arrow keys), closing, and
// the tabs kept across a reload. Owns the open chats and which one is shown.

import { $, show, store } from "../dom.js";
import { ChatPanel } from "./chat-panel.js";
import { bind, root } from "./context.js";
import { setWaiting } from "./title.js";

const TABS_KEY = "livechat.console.tabs";

const chats = new Map();
let activeId = null;

// What a chat's panel may ask of the tab strip.
const strip = {
  select: selectChat,
  close: closeChat,
  save: saveTabs,
  activeId: () => activeId,
  updateTitle,
};

export function getChat(id) {
  return chats.get(id);
}

export function allChats() {
  return [...chats.values()];
}

function saveTabs() {
  store.set(
    TABS_KEY,
    allChats()
      .filter((chat) => chat.keep())
      .map((chat) => ({ id: chat.id, mode: chat.mode })),
  );
}

/** Reopen the tabs kept before a reload that are not open yet. */
export function restoreTabs() {
  for (const saved of store.get(TABS_KEY, [])) {
    if (!chats.has(saved.id))
      openChat(saved.id, { mode: saved.mode === "helper" ? "helper" : saved.mode });
  }
}

export function openChat(
  id,
  { session = null, select = false, mode = "helper", hint = null } = {},
) {
  let chat = chats.get(id);
  if (!chat) {
    chat = new ChatPanel(id, mode, strip);
    chat.hint = hint;
    chats.set(id, chat);
    chat.mount();
    chat.load(session);
    saveTabs();
  } else if (session) {
    chat.setSession(session);
  }
  if (select || !activeId) selectChat(id, { focus: select });
  return chat;
}

export function selectChat(id, { focus = false } = {}) {
  activeId = id;
  for (const chat of chats.values()) chat.setSelected(chat.id === id);
  const chat = chats.get(id);
  if (chat && focus) chat.focusComposer();
  updateLayout();
  // On a phone the chat fills the screen below the queue: bring all of it into view.
  if (chat && focus && window.matchMedia("(max-width: 44rem)").matches) {
    $(".lc-conv", chat.panel)?.scrollIntoView({ block: "start" });
  }
}

function closeChat(id) {
  const chat = chats.get(id);
  if (!chat) return;
  const order = [...chats.keys()];
  const index = order.indexOf(id);
  chat.destroy();
  chats.delete(id);
  saveTabs();
  if (activeId === id) {
    const next = order[index + 1] || order[index - 1];
    activeId = null;
    if (next && chats.has(next)) selectChat(next, { focus: true });
  }
  updateLayout();
  updateTitle();
}

export function updateLayout() {
  const any = chats.size > 0;
  show(bind("tabs"), any);
  show(bind("empty"), !any);
  root.classList.toggle("has-chats", any);
}

function updateTitle() {
  setWaiting("tabs", allChats().filter((chat) => chat.unanswered).length);
}

/** The shown chat's messages count as read when the console has the focus again. */
export function markActiveRead() {
  chats.get(activeId)?.markRead();
}

// Arrow keys move between tabs (the tab pattern of the ARIA practices).
export function wireTabKeys() {
  bind("tabs").addEventListener("keydown", (event) => {
    const ids = [...chats.keys()];
    const index = ids.indexOf(activeId);
    let next = null;
    if (event.key === "ArrowRight") next = ids[(index + 1) % ids.length];
    else if (event.key === "ArrowLeft") next = ids[(index - 1 + ids.length) % ids.length];
    else if (event.key === "Home") next = ids[0];
    else if (event.key === "End") next = ids[ids.length - 1];
    if (next) {
      event.preventDefault();
      selectChat(next);
      chats.get(next).focusTab();
    }
  });
}
