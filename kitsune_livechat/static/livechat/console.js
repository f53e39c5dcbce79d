// The contributor console: presence and capacity, the live queue, several chats in tabs,
// canned responses and article links, invite / transfer / whisper / note, article feedback
// after each chat, chats in progress to observe (supervisors) or knock on (trainees), and
// opt-in sound and desktop alerts. This entry module starts the parts in console/ and routes
// the clicks and changes outside the chat panels to them.

import { $, $$, gettext } from "./dom.js";
import { guardPresence } from "./presence-guard.js";
import { connectAgent } from "./console/agent-feed.js";
import { beep, failed, pref, setPref, toast } from "./console/alerts.js";
import { api, data, isHelper, root } from "./console/context.js";
import { loadFeedbackDue } from "./console/feedback.js";
import { loadLive } from "./console/live.js";
import { currentStatus, loadPresence, presenceEvents, setPresence } from "./console/presence.js";
import { loadQueue, refreshQueue, take, tickQueue } from "./console/queue.js";
import {
  allChats,
  markActiveRead,
  openChat,
  restoreTabs,
  updateLayout,
  wireTabKeys,
} from "./console/tabs.js";
import { loadTrainees } from "./console/trainees.js";

const LIVE_REFRESH = 30_000;

async function start() {
  updateLayout();
  for (const input of $$("[data-pref]", root)) input.checked = pref(input.dataset.pref);
  if (isHelper) {
    await loadPresence();
    if (data.role === "supervisor") {
      // Mentors are supervisors: their chats may be handed to a trainee.
      loadTrainees().then(() => {
        for (const chat of allChats()) chat.render();
      });
    }
    try {
      for (const session of await api.get("agent/chats")) openChat(session.id, { session });
    } catch (error) {
      failed(error);
    }
  }
  restoreTabs();
  if (data.observe) {
    openChat(data.observe, {
      mode: data.role === "supervisor" ? "observer" : "knock",
      select: true,
    });
  }
  connectAgent();
  loadQueue();
  loadLive();
  loadFeedbackDue();
  window.setInterval(tickQueue, 1000);
  window.setInterval(() => document.visibilityState === "visible" && loadLive(), LIVE_REFRESH);
}

function takeChat(sessionId = null) {
  take(sessionId, (session) => openChat(session.id, { session, select: true }));
}

guardPresence({
  root,
  dialog: $('[data-dialog="offline"]', root),
  openChats: () =>
    allChats().filter((chat) => chat.mode === "helper" && chat.session?.status === "active").length,
  autoAwaySeconds: Number(data.autoAway) || 0,
  tell: (text) => toast(text),
});

presenceEvents.addEventListener("settled", refreshQueue);

root.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches('[data-status-switch] input[name="status"]')) setPresence(target.value);
  else if (target.matches("[data-capacity]")) setPresence(currentStatus());
  else if (target.matches("[data-pref]")) {
    setPref(target.dataset.pref, target.checked);
    if (target.dataset.pref === "notify" && target.checked && "Notification" in window) {
      Notification.requestPermission().then((permission) => {
        if (permission !== "granted") {
          target.checked = false;
          setPref("notify", false);
          toast(gettext("The browser does not allow notifications for this site."), {
            error: true,
          });
        }
      });
    }
    if (target.dataset.pref === "sound" && target.checked) beep();
  }
});

root.addEventListener("click", (event) => {
  const target = event.target.closest("[data-take], [data-observe], [data-action], [data-due]");
  if (!target || target.closest(".lc-tabpanel")) return;
  if (target.dataset.due) openChat(target.dataset.due, { mode: "helper", select: true });
  else if (target.dataset.take) takeChat(target.dataset.take);
  else if (target.dataset.observe) {
    const access = target.dataset.access;
    openChat(target.dataset.observe, {
      mode: access === "in_chat" ? "helper" : access === "observer" ? "observer" : "knock",
      select: true,
      hint: { helper: target.dataset.helper, article: target.dataset.article },
    });
  } else if (target.dataset.action === "take-next") takeChat();
  else if (target.dataset.action === "refresh-live") loadLive();
});

// Leaving the console with article feedback owed asks first: it is easy to forget.
window.addEventListener("beforeunload", (event) => {
  if (allChats().some((chat) => chat.owesFeedback())) event.preventDefault();
});

wireTabKeys();
window.addEventListener("focus", markActiveRead);
document.addEventListener("visibilitychange", markActiveRead);

start();
