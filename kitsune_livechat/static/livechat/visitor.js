// The visitor's chat window: question form -> waiting -> conversation -> rating, plus the
// closed-hours fallbacks (forum question, email follow-up). Reloading at any point comes back
// to the same place; what was typed and not yet sent is kept. This entry module owns the chat
// (its session), sends it to the screen its status calls for and routes the window's clicks;
// the parts in visitor/ own each screen: the question form (request-form.js), waiting
// (waiting.js), the conversation (conversation.js, reconnect.js), the end (ended.js) and the
// follow-ups (handoff.js, done.js).

import { $, fill, gettext, show, store } from "./dom.js";
import { showFollowUp } from "./follow-up.js";
import {
  CURRENT_KEY,
  TOKEN_KEY,
  api,
  bind,
  data,
  loginUrl,
  root,
  sessionUrl,
} from "./visitor/context.js";
import { Conversation } from "./visitor/conversation.js";
import { showDone } from "./visitor/done.js";
import { Ending } from "./visitor/ended.js";
import { Handoff } from "./visitor/handoff.js";
import { RequestForm } from "./visitor/request-form.js";
import { showScreen } from "./visitor/screens.js";
import { Waiting } from "./visitor/waiting.js";

let session = null;
const current = () => session;
const setSession = (next) => {
  session = next;
};

const conversation = new Conversation({ session: current, onStatus });
const form = new RequestForm((requested) => {
  session = requested;
  rememberSession(requested);
  route();
});
const waiting = new Waiting({
  session: current,
  onSolved: (solved) => {
    session = solved;
    finish("solved");
  },
});
const ending = new Ending({ session: current, setSession, onEnded: route, conversation });
const handoff = new Handoff({ session: current, setSession, onHandedOff: finish });

function rememberSession(s) {
  // A chat opened by its address (an anonymous visitor's reload) learns its article here.
  if (s.article?.title && bind("article-card").hidden) {
    const link = bind("article-link");
    link.textContent = s.article.title;
    if (s.article.url) link.href = s.article.url;
    show(bind("article-card"), true);
  }
  if (s.token) {
    api.token = s.token;
    store.set(TOKEN_KEY, s.token);
  }
  store.set(CURRENT_KEY, s.id);
  if (window.location.pathname !== sessionUrl(s.id)) {
    window.history.replaceState({}, "", sessionUrl(s.id));
  }
}

function onStatus(frame) {
  const changed = frame.status !== session.status;
  session.status = frame.status;
  if (frame.helpers) {
    session.helpers = frame.helpers;
    conversation.setHelpers(frame.helpers);
  }
  if (frame.status === "waiting") {
    waiting.renderPosition(frame);
    if (changed) route();
  } else if (changed) {
    route();
  }
}

/** A chat that did not end in a conversation: the done screen, worded for ``reason``. */
function finish(reason) {
  conversation.stop();
  showDone(reason, session);
}

/** The screen the chat's status calls for. */
function route() {
  if (!session) return;
  const status = session.status;
  if (status === "waiting" || status === "active") {
    store.set(CURRENT_KEY, session.id);
    conversation.connect();
    if (status === "waiting") waiting.show();
    else conversation.show();
    return;
  }
  if (status === "ended") {
    if (session.end_reason === "solved_by_suggestion") finish("solved");
    else ending.show();
    return;
  }
  if (session.handoff?.url) finish("forum");
  else if (session.handoff?.followup_email) finish("email");
  else finish(status === "missed" ? "missed" : "left");
}

async function start() {
  if (data.authenticated !== "1" && data.allowAnonymous !== "1") {
    $('[data-link="login"]', root).href = loginUrl();
    showScreen("login");
    return;
  }
  const id = data.sessionId || store.get(CURRENT_KEY, "");
  if (id) {
    try {
      const found = await api.get(`sessions/${id}`);
      const open = found.status === "waiting" || found.status === "active";
      const elsewhere = found.article?.id && data.article && found.article.id !== Number(data.article);
      if (!data.sessionId && open && elsewhere) {
        // A new question on another article: the form, with the open chat named above it.
        form.show(found);
        return;
      }
      if (data.sessionId || open) {
        session = found;
        rememberSession(found);
        route();
        return;
      }
    } catch (error) {
      if (data.sessionId) {
        fill(
          bind("done-title"),
          error.status === 404
            ? gettext("This chat does not exist")
            : gettext("Could not load the chat"),
        );
        bind("done-text").textContent = error.detail;
        showScreen("done");
        return;
      }
      store.remove(CURRENT_KEY);
    }
  }
  form.show();
}

root.addEventListener("click", (event) => {
  const target = event.target.closest("[data-action], [data-solved], [data-link]");
  if (!target) return;
  const action = target.dataset.action;
  if (target.dataset.solved) waiting.solvedBy(target.dataset.solved);
  else if (action === "end" || action === "leave") ending.confirmEnd();
  else if (action === "handoff") handoff.toForum();
  else if (action === "end-open-chat") form.endOpenChat();
  else if (action === "done-forum") handoff.instead("forum");
  else if (target.dataset.link === "transcript" && ending.downloadTranscript(target)) {
    event.preventDefault();
  }
});
showFollowUp(api, bind("follow-up"));
window.addEventListener("focus", () => conversation.markRead());
document.addEventListener("visibilitychange", () => conversation.markRead());

start();
