// The contributor console: presence and capacity, the live queue, several chats in tabs,
// canned responses and article links, invite / transfer / whisper / note, article feedback
// after each chat, chats in progress to observe (supervisors) or knock on (trainees), and
// opt-in sound and desktop alerts.

import { Api } from "./api.js";
import { Attachments } from "./attachments.js";
import { CannedShortcut } from "./canned-shortcut.js";
import { ChatLog } from "./chatlog.js";
import { showEarlierChats } from "./history-panel.js";
import { guardPresence } from "./presence-guard.js";
import { loadRating, showRating } from "./rating-panel.js";
import {
  $,
  $$,
  announce,
  confirmDialog,
  fill,
  fmt,
  formData,
  formatElapsed,
  h,
  show,
  store,
  gettext,
} from "./dom.js";
import { ChatSocket } from "./socket.js";

const root = document.getElementById("lc-console");
const data = root.dataset;
const NULL_ID = "00000000-0000-0000-0000-000000000000";
const PREFS_KEY = "livechat.console.prefs";
const TABS_KEY = "livechat.console.tabs";
const TYPING_IDLE = 4000;
const LIVE_REFRESH = 30_000;

const api = new Api({ root: data.api });
const attachments = new Attachments(api);
const products = JSON.parse(document.getElementById("lc-products")?.textContent || "{}");
const bind = (name, scope = root) => $(`[data-bind="${name}"]`, scope);
const announcer = $("[data-announcer]", root);
const baseTitle = document.title;
const isHelper = data.role === "helper" || data.role === "supervisor";

const chats = new Map();
let myTrainees = [];
const knockToasts = new Map();
let activeId = null;
let queue = [];
let queueFetched = 0;
let agent = { status: "offline", capacity: Number($("[data-capacity]", root)?.value || 3) };
let prefs = store.get(PREFS_KEY, { sound: false, notify: false });

const LABELS = {
  started_when: {
    today: gettext("Today"),
    this_week: gettext("This week"),
    after_update: gettext("After an update"),
    longer: gettext("Longer ago"),
  },
  frequency: {
    always: gettext("Every time"),
    often: gettext("Often"),
    sometimes: gettext("Sometimes"),
    once: gettext("It happened once"),
  },
  status: {
    waiting: gettext("Waiting"),
    active: gettext("In progress"),
    ended: gettext("Ended"),
    abandoned: gettext("Left"),
    missed: gettext("Missed"),
  },
};

// --- Alerts ----------------------------------------------------------------------------------

let audio = null;

function beep() {
  if (!prefs.sound) return;
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const now = audio.currentTime;
    for (const [offset, freq] of [
      [0, 880],
      [0.18, 1320],
    ]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.2, now + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + offset);
      osc.stop(now + offset + 0.18);
    }
  } catch {
    /* no audio: the title and the tabs still tell */
  }
}

function alertUser(title, body, onClick = null) {
  beep();
  if (!prefs.notify || !("Notification" in window) || Notification.permission !== "granted") return;
  if (document.visibilityState === "visible" && document.hasFocus()) return;
  try {
    const note = new Notification(title, { body, tag: `livechat-${title}` });
    note.onclick = () => {
      window.focus();
      onClick?.();
      note.close();
    };
  } catch {
    /* some browsers only notify from a service worker */
  }
}

function toast(text, { actions = [], error = false, timeout = 6000 } = {}) {
  const region = bind("toasts");
  const el = h(
    "div",
    { class: `lc-toast${error ? " lc-toast--error" : ""}`, role: error ? "alert" : "status" },
    h("span", {}, text),
    actions.length
      ? h(
          "span",
          { class: "lc-actions lc-flush" },
          actions.map(({ label, run, primary }) =>
            h(
              "button",
              {
                type: "button",
                class: `lc-btn lc-btn--small${primary ? " lc-btn--primary" : ""}`,
                onclick: () => {
                  el.remove();
                  run();
                },
              },
              label,
            ),
          ),
        )
      : null,
  );
  region.append(el);
  if (timeout) window.setTimeout(() => el.remove(), actions.length ? timeout * 3 : timeout);
  return el;
}

function failed(error) {
  toast(error?.detail || gettext("Something went wrong. Please try again."), { error: true });
}

function updateTitle() {
  const unanswered = [...chats.values()].filter((chat) => chat.unanswered).length;
  const waiting = queue.length + unanswered;
  document.title = waiting ? `(${waiting}) ${baseTitle}` : baseTitle;
}

// --- Presence ----------------------------------------------------------------------------------

function renderPresence() {
  for (const input of $$('[data-status-switch] input[name="status"]', root)) {
    input.checked = input.value === agent.status;
  }
  const capacity = $("[data-capacity]", root);
  if (capacity && document.activeElement !== capacity) capacity.value = agent.capacity;
  const note = bind("queue-note");
  if (note) {
    note.textContent =
      agent.status === "online"
        ? ""
        : agent.status === "away"
          ? gettext("You are away: no new chats are given to you.")
          : gettext("You are offline. Go online to take chats.");
    show(note, agent.status !== "online");
  }
}

// Changes are sent one at a time, newest state only, so the server ends where the switch is;
// answers to requests sent before a newer change do not flip the switch back.
let presenceEdits = 0;
let presencePending = 0;
let presenceQuietUntil = 0;
let presenceChain = Promise.resolve();

function setPresence(status) {
  const edit = ++presenceEdits;
  const capacity = Number($("[data-capacity]", root)?.value) || agent.capacity;
  agent = { status, capacity };
  renderPresence();
  presencePending += 1;
  presenceChain = presenceChain.then(async () => {
    try {
      if (edit !== presenceEdits) return; // a newer change follows with the newest state
      const result = await api.put("agent/status", { status, capacity });
      if (edit === presenceEdits) agent = { status: result.status, capacity: result.capacity };
      announce(
        announcer,
        fmt(gettext("Your status: %(status)s"), { status: statusName(result.status) }),
      );
    } catch (error) {
      failed(error);
      if (edit === presenceEdits) await loadPresence();
    } finally {
      presencePending -= 1;
      // The echoes of this console's own changes may still be on their way.
      presenceQuietUntil = Date.now() + 2000;
      renderPresence();
      refreshQueue();
    }
  });
}

async function loadPresence() {
  const edit = presenceEdits;
  try {
    const status = await api.get("agent/status");
    if (edit === presenceEdits) agent = { status: status.status, capacity: status.capacity };
  } catch {
    /* shown as it was */
  }
  renderPresence();
}

function statusName(status) {
  return (
    { online: gettext("Online"), away: gettext("Away"), offline: gettext("Offline") }[status] ||
    status
  );
}

// --- The queue ---------------------------------------------------------------------------------

let queueTimer = null;

function refreshQueue() {
  if (!isHelper) return;
  window.clearTimeout(queueTimer);
  queueTimer = window.setTimeout(loadQueue, 150);
}

async function loadQueue() {
  if (!isHelper) return;
  const edit = presenceEdits;
  try {
    const result = await api.get("agent/queue");
    queue = result.chats;
    queueFetched = Date.now();
    if (result.agent && edit === presenceEdits) {
      agent = { status: result.agent.status, capacity: result.agent.capacity };
      renderPresence();
    }
  } catch (error) {
    if (error.status !== 0) failed(error);
    return;
  }
  renderQueue();
}

function productName(slug) {
  return products[slug] || slug;
}

function renderQueue() {
  const list = bind("queue");
  if (!list) return;
  const focused = document.activeElement?.closest?.(".lc-qitem")?.dataset.id;
  fill(
    list,
    queue.map((item) =>
      h(
        "li",
        { class: `lc-qitem${item.long_wait ? " is-long" : ""}`, dataset: { id: item.id } },
        h(
          "div",
          { class: "lc-qitem__top" },
          h(
            "span",
            { class: "lc-qitem__wait", dataset: { waited: item.waited_seconds } },
            formatElapsed(item.waited_seconds),
          ),
          h(
            "span",
            { class: "lc-tags" },
            h("span", { class: "lc-tag lc-tag--locale" }, item.locale),
            item.product
              ? h("span", { class: "lc-tag lc-tag--product" }, productName(item.product))
              : null,
            item.preferred
              ? h("span", { class: "lc-tag lc-tag--focus" }, gettext("Asked for you"))
              : null,
          ),
        ),
        h("p", { class: "lc-qitem__problem" }, item.problem),
        h(
          "div",
          { class: "lc-qitem__article" },
          h("span", { class: "lc-sr-only" }, `${gettext("Article")}: `),
          item.article?.title || gettext("No article"),
        ),
        h(
          "div",
          { class: "lc-qitem__top" },
          h(
            "span",
            { class: "lc-hint" },
            [
              item.visitor?.display_name,
              item.browser?.browser && `${item.browser.browser} ${item.browser.version}`,
              item.browser?.os,
            ]
              .filter(Boolean)
              .join(" · "),
          ),
          h(
            "button",
            {
              type: "button",
              class: "lc-btn lc-btn--small",
              dataset: { take: item.id },
              "aria-label": fmt(gettext("Take this chat: %(problem)s"), {
                problem: item.problem.slice(0, 80),
              }),
            },
            gettext("Take this"),
          ),
        ),
      ),
    ),
  );
  bind("queue-count").textContent = String(queue.length);
  bind("queue-count").classList.toggle("lc-count--alert", queue.length > 0);
  show(bind("queue-empty"), queue.length === 0);
  $('[data-action="take-next"]', root).disabled = queue.length === 0;
  if (focused) $(`.lc-qitem[data-id="${focused}"] button`, list)?.focus();
  updateTitle();
}

function tickQueue() {
  const elapsed = (Date.now() - queueFetched) / 1000;
  for (const el of $$(".lc-qitem__wait", root)) {
    el.textContent = formatElapsed(Number(el.dataset.waited) + elapsed);
  }
}

async function take(sessionId = null) {
  try {
    const session = await api.post("agent/claim", sessionId ? { session: sessionId } : {});
    openChat(session.id, { session, select: true });
  } catch (error) {
    failed(error);
  }
  refreshQueue();
}

// --- Chats in progress (observe, knock) ----------------------------------------------------------

/** Chats of the last week still waiting for the helper's article feedback, even after a
 * closed tab or a reload: one click opens the chat with its feedback form. */
async function loadFeedbackDue() {
  let due = [];
  try {
    due = await api.get("feedback/due");
  } catch {
    return;
  }
  fill(
    bind("due"),
    due.map((chat) =>
      h(
        "li",
        { class: "lc-qitem" },
        h("p", { class: "lc-qitem__article" }, chat.article_title),
        h("p", { class: "lc-qitem__problem" }, chat.problem),
        h(
          "button",
          {
            type: "button",
            class: "lc-btn lc-btn--small",
            dataset: { due: chat.id },
            "aria-label": fmt(gettext("Give feedback on “%(title)s”"), { title: chat.article_title }),
          },
          gettext("Give feedback"),
        ),
      ),
    ),
  );
  bind("due-count").textContent = String(due.length);
  show(bind("due-box"), due.length > 0);
}

async function loadLive() {
  const list = bind("live");
  if (!list) return;
  let live = [];
  try {
    live = await api.get("console/chats");
  } catch (error) {
    if (error.status !== 0) failed(error);
    return;
  }
  fill(
    list,
    live.map((item) => {
      const label =
        item.access === "in_chat"
          ? gettext("Open")
          : item.access === "knocking"
            ? gettext("Knocking…")
            : item.access === "observer"
              ? gettext("Observe")
              : gettext("Knock");
      return h(
        "li",
        { class: "lc-qitem", dataset: { id: item.id } },
        h(
          "div",
          { class: "lc-qitem__top" },
          h("strong", {}, item.helper || gettext("Helper")),
          h(
            "span",
            { class: "lc-tags" },
            h("span", { class: "lc-tag lc-tag--locale" }, item.locale),
            item.product
              ? h("span", { class: "lc-tag lc-tag--product" }, productName(item.product))
              : null,
          ),
        ),
        item.problem ? h("p", { class: "lc-qitem__problem" }, item.problem) : null,
        h("div", { class: "lc-qitem__article" }, item.article?.title || ""),
        h(
          "div",
          { class: "lc-qitem__top" },
          h("span"),
          h(
            "button",
            {
              type: "button",
              class: "lc-btn lc-btn--small",
              dataset: {
                observe: item.id,
                access: item.access,
                helper: item.helper,
                article: item.article?.title || "",
              },
            },
            label,
          ),
        ),
      );
    }),
  );
  bind("live-count").textContent = String(live.length);
  show(bind("live-empty"), live.length === 0);
}

// --- Tabs ----------------------------------------------------------------------------------------

function saveTabs() {
  store.set(
    TABS_KEY,
    [...chats.values()]
      .filter((chat) => chat.keep())
      .map((chat) => ({ id: chat.id, mode: chat.mode })),
  );
}

function openChat(id, { session = null, select = false, mode = "helper", hint = null } = {}) {
  let chat = chats.get(id);
  if (!chat) {
    chat = new ChatTab(id, mode);
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

function selectChat(id, { focus = false } = {}) {
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

function updateLayout() {
  const any = chats.size > 0;
  show(bind("tabs"), any);
  show(bind("empty"), !any);
  root.classList.toggle("has-chats", any);
}

class ChatTab {
  constructor(id, mode) {
    this.id = id;
    this.mode = mode; // helper | observer | knock
    this.session = null;
    this.socket = null;
    this.log = null;
    this.kind = "text";
    this.unanswered = false;
    this.unread = 0;
    this.people = [];
    this.feedbackDone = false;
    this.typingSent = false;
  }

  keep() {
    // Tabs worth restoring after a reload: observing, knocking, or feedback still owed
    // (a helper's open chats come back from the server anyway; a trainee's are kept here).
    if (this.feedbackDone) return false;
    return this.mode !== "helper" || this.session?.status !== "active" || !isHelper;
  }

  mount() {
    const panel = document
      .getElementById("lc-chat-template")
      .content.firstElementChild.cloneNode(true);
    panel.id = `lc-panel-${this.id}`;
    panel.setAttribute("aria-labelledby", `lc-tab-${this.id}`);
    panel.dataset.chat = this.id;
    panel.hidden = true;
    for (const radio of $$(".lc-mode input", panel)) radio.name = `kind-${this.id}`;
    const textarea = $("textarea[name=body]", panel);
    textarea.id = `lc-body-${this.id}`;
    bind("message-label", panel).setAttribute("for", textarea.id);
    for (const [search, label] of [
      ["canned", "canned-label"],
      ["kb", "kb-label"],
    ]) {
      const input = $(`[data-search="${search}"]`, panel);
      input.id = `lc-${search}-${this.id}`;
      bind(label, panel).setAttribute("for", input.id);
    }
    const solvedQuery = bind("solved-query", panel);
    solvedQuery.id = `lc-solved-query-${this.id}`;
    bind("solved-query-label", panel).setAttribute("for", solvedQuery.id);
    for (const [name, label] of [
      ["solved_by", "solved-label"],
      ["missing", "missing-label"],
      ["suggested_change", "change-label"],
      ["tags", "tags-label"],
    ]) {
      const field = $(`[data-bind="feedback"] [name="${name}"]`, panel);
      field.id = `lc-${name}-${this.id}`;
      bind(label, panel).setAttribute("for", field.id);
    }
    for (const picker of $$("[data-picker]", panel))
      picker.id = `lc-${picker.dataset.picker}-picker-${this.id}`;
    $('[data-action="canned"]', panel).setAttribute("aria-controls", `lc-canned-picker-${this.id}`);
    $('[data-action="kb"]', panel).setAttribute("aria-controls", `lc-kb-picker-${this.id}`);
    this.panel = panel;
    show(bind("compose", panel), false); // until the chat is loaded
    $("#lc-main").append(panel);

    this.tab = h(
      "button",
      {
        type: "button",
        role: "tab",
        class: "lc-tab",
        id: `lc-tab-${this.id}`,
        "aria-controls": panel.id,
        "aria-selected": "false",
        tabindex: "-1",
        dataset: { chat: this.id },
      },
      h("span", { class: "lc-tab__label" }, gettext("Loading…")),
      h("span", { class: "lc-tab__badge", hidden: true, "aria-hidden": "true" }),
      // Read with the tab's visible text (no aria-label, so the name matches what is seen).
      h("span", { class: "lc-sr-only", dataset: { tabState: "" } }),
    );
    bind("tabs").append(this.tab);

    this.log = new ChatLog(bind("log", panel), {
      viewer: "staff",
      selfName: () => data.me,
      typing: bind("typing", panel),
      attachments,
    });
    this.shortcut = new CannedShortcut({
      api,
      form: bind("composer", panel),
      textarea: $("textarea[name=body]", panel),
      locale: () => this.session?.locale || data.locale,
    });
    attachments.wire($("[data-attach-button]", panel), $("[data-attach-input]", panel), {
      sessionId: () => this.id,
      onSent: (message) => {
        bind("attach-error", panel).textContent = "";
        this.log.add(message);
      },
      onError: (error) => {
        bind("attach-error", panel).textContent = error.detail;
      },
    });
    this.wire();
  }

  async load(session = null) {
    if (!session) {
      try {
        session = await api.get(`sessions/${this.id}`);
      } catch (error) {
        if (error.status === 404 && data.role !== "supervisor") {
          this.mode = "knock";
          this.render();
          return;
        }
        failed(error);
        closeChat(this.id);
        return;
      }
    }
    this.setSession(session);
  }

  setSession(session) {
    this.session = session;
    if (session.role && session.role !== "helper" && this.mode === "helper") this.mode = "observer";
    if (session.role === "helper") this.mode = "helper";
    if (this.mode === "knock") this.mode = session.role === "helper" ? "helper" : "observer";
    this.render();
    saveTabs();
    this.connect();
    showEarlierChats(api, bind("history", this.panel), session);
  }

  get isOwner() {
    const assigned = this.people.find((person) => person.role === "assigned");
    if (assigned) return assigned.username === data.username;
    return this.mode === "helper" && (this.session?.helpers?.[0]?.display_name || "") === data.me;
  }

  get isMentor() {
    return this.people.some(
      (person) => person.username === data.username && person.role === "mentor",
    );
  }

  get isParticipant() {
    return this.people.some(
      (person) => person.username === data.username && person.role !== "assigned",
    );
  }

  render() {
    const panel = this.panel;
    const session = this.session;
    const knocking = this.mode === "knock";
    show(bind("knock-panel", panel), knocking);
    for (const part of ["log", "typing"]) show(bind(part, panel), !knocking);
    show($(".lc-side", panel), !knocking);
    panel.classList.toggle("lc-tabpanel--knock", knocking);
    const hint = this.hint || {};
    const label = knocking
      ? hint.helper
        ? fmt(gettext("%(name)s's chat"), { name: hint.helper })
        : gettext("Knock to observe")
      : session?.visitor?.display_name || gettext("Visitor");
    const detail = knocking
      ? ""
      : (session?.form?.problem || session?.article?.title || "").slice(0, 60);
    fill(
      this.tab.querySelector(".lc-tab__label"),
      h("strong", {}, label),
      detail ? " " : null,
      detail ? h("small", {}, detail) : null,
    );
    this.tab.title = [session?.article?.title, session?.form?.problem].filter(Boolean).join(" — ");
    bind("heading", panel).textContent = knocking
      ? hint.article || gettext("A chat in progress")
      : fmt(gettext("%(name)s · %(article)s"), {
          name: session?.visitor?.display_name || gettext("Visitor"),
          article: session?.article?.title || gettext("No article"),
        });
    const status = session?.status || "";
    const stateTag = bind("state", panel);
    stateTag.textContent = knocking
      ? ""
      : this.mode === "observer"
        ? `${LABELS.status[status] || status} · ${gettext("observing")}`
        : LABELS.status[status] || status;
    show(stateTag, Boolean(stateTag.textContent));
    const ended = status && status !== "active" && status !== "waiting";
    this.tab.classList.toggle("is-ended", Boolean(ended));

    const visible = {
      helper: this.mode === "helper" && !ended && this.isOwner,
      mentor: this.mode === "helper" && !ended && this.isOwner && myTrainees.length > 0,
      supervisor:
        this.mode === "observer" && data.role === "supervisor" && !ended && !this.isParticipant,
      knock: knocking,
      participant: !ended && this.isParticipant,
      owner: !ended && (this.isOwner || (data.role === "supervisor" && this.mode !== "knock")),
      closed: ended || knocking || this.mode === "observer",
    };
    for (const button of $$("[data-for]", panel)) show(button, visible[button.dataset.for]);

    const canWrite = !ended && !knocking && Boolean(session);
    show(bind("compose", panel), canWrite);
    const kinds = this.allowedKinds();
    for (const label of $$(".lc-mode label", panel))
      show(label, kinds.includes(label.dataset.kind));
    // Observers start on whispers: writing to the visitor is a deliberate choice.
    if (this.kindFor !== this.mode || !kinds.includes(this.kind)) this.setKind(kinds[0]);
    this.kindFor = this.mode;

    if (session) this.renderSide();
    if (ended) this.onEnded();
    if (ended && this.mode !== "knock") loadRating(api, panel, this.id);
    this.updateUnanswered();
  }

  allowedKinds() {
    if (this.mode === "helper") return ["text", "whisper", "note"];
    if (data.role === "supervisor") return ["whisper", "note", "text"];
    return ["whisper", "note"];
  }

  setKind(kind) {
    this.kind = kind;
    for (const radio of $$(".lc-mode input", this.panel)) radio.checked = radio.value === kind;
    const composer = bind("composer", this.panel);
    composer.className = `lc-composer lc-composer--${kind}`;
    const textarea = $("textarea", composer);
    textarea.placeholder =
      kind === "whisper"
        ? gettext("Whisper to the helpers (the visitor never sees it)…")
        : kind === "note"
          ? gettext("Note for the chat's record (the visitor never sees it)…")
          : gettext("Write to the visitor…");
  }

  renderSide() {
    const panel = this.panel;
    const session = this.session;
    const form = session.form || {};
    bind("problem", panel).textContent = form.problem || "";
    const facts = [];
    if (form.started_when)
      facts.push([gettext("Started"), LABELS.started_when[form.started_when] || form.started_when]);
    if (form.frequency)
      facts.push([gettext("How often"), LABELS.frequency[form.frequency] || form.frequency]);
    if (form.on_affected_computer !== null && form.on_affected_computer !== undefined) {
      facts.push([
        gettext("On that computer"),
        form.on_affected_computer ? gettext("Yes") : gettext("No"),
      ]);
    }
    const answers =
      form.answers_shown ||
      Object.entries(form.answers || {}).map(([key, value]) => ({ label: key, value }));
    for (const { label, value } of answers) {
      const shown =
        value === true ? gettext("Yes") : value === false ? gettext("No") : String(value);
      facts.push([label, shown]);
    }
    if (session.focus) facts.push([gettext("Focus"), session.focus_title || session.focus]);
    fillFacts(bind("form-facts", panel), facts);

    const link = bind("article", panel);
    link.textContent = session.article?.title || gettext("No article");
    if (session.article?.url) link.href = session.article.url;
    else link.removeAttribute("href");
    fillFacts(bind("article-facts", panel), [
      [gettext("Product"), session.product ? productName(session.product) : "–"],
      [gettext("Language"), session.locale],
      [gettext("Revision"), session.article?.revision_id ? `#${session.article.revision_id}` : "–"],
    ]);
    const browser = session.browser || {};
    fillFacts(
      bind("browser-facts", panel),
      [
        [gettext("Browser"), [browser.browser, browser.version].filter(Boolean).join(" ") || "–"],
        [gettext("System"), browser.os || "–"],
        form.user_agent ? [gettext("User agent"), form.user_agent] : null,
      ].filter(Boolean),
    );
    this.renderPeople();
    const transcript = bind("transcript", panel);
    transcript.href = data.transcriptUrl.replace(NULL_ID, this.id);
  }

  renderPeople() {
    const list = bind("people", this.panel);
    const people = this.people.length
      ? this.people
      : (this.session?.helpers || []).map((person) => ({ ...person, state: "active" }));
    const roleNames = {
      assigned: gettext("Helper in charge"),
      helper: gettext("Invited helper"),
      monitor: gettext("Monitor"),
      trainee: gettext("Trainee"),
      mentor: gettext("Mentor"),
    };
    const stateNames = { invited: gettext("invited"), knocking: gettext("knocking"), active: "" };
    fill(
      list,
      people.map((person) =>
        h(
          "li",
          { class: "lc-suggestion" },
          h(
            "span",
            {},
            h("strong", {}, person.display_name),
            " ",
            h(
              "span",
              { class: "lc-hint" },
              [
                roleNames[person.role] || person.role,
                stateNames[person.state] || "",
                person.visible === false ? gettext("hidden from the visitor") : "",
              ]
                .filter(Boolean)
                .join(" · "),
            ),
          ),
          person.state === "knocking" && this.isOwner
            ? h(
                "span",
                { class: "lc-actions lc-flush" },
                h(
                  "button",
                  {
                    type: "button",
                    class: "lc-btn lc-btn--small lc-btn--primary",
                    dataset: { admit: person.username },
                  },
                  gettext("Let in"),
                ),
                h(
                  "button",
                  {
                    type: "button",
                    class: "lc-btn lc-btn--small",
                    dataset: { turnAway: person.username },
                  },
                  gettext("Turn away"),
                ),
              )
            : null,
        ),
      ),
    );
  }

  connect() {
    if (this.socket || !this.session) return;
    const status = this.session.status;
    if (status !== "active" && status !== "waiting") {
      this.loadHistory();
      return;
    }
    const url = `${data.ws.replace(/\/?$/, "/")}session/${this.id}/`;
    this.socket = new ChatSocket({ url, outboxKey: `livechat.console.outbox.${this.id}` });
    for (const item of this.socket.pending()) this.log.addPending(item, { offline: true });
    this.socket.addEventListener("message", (event) => this.onMessage(event.detail));
    this.socket.addEventListener("resumed", () => {
      bind("log", this.panel).removeAttribute("aria-busy");
      this.markRead();
      this.updateUnanswered();
    });
    this.socket.addEventListener("frame", (event) => this.onFrame(event.detail));
    this.socket.addEventListener("failed", (event) =>
      this.log.markFailed(event.detail.item.client_msg_id, event.detail.detail),
    );
    this.socket.addEventListener("error", (event) => toast(event.detail.detail, { error: true }));
    this.socket.addEventListener("refused", () =>
      this.gone(gettext("You are no longer in this chat.")),
    );
    this.socket.addEventListener("state", (event) => {
      const state = event.detail.state;
      const banner = bind("banner", this.panel);
      if (state === "reconnecting" || state === "offline") {
        banner.className = "lc-banner";
        banner.textContent =
          state === "offline"
            ? gettext("You are offline. Messages will be sent when you are back.")
            : gettext("Connection lost. Reconnecting…");
        show(banner, true);
        this.log.setPendingState(true);
      } else if (state === "open") {
        show(banner, false);
        this.log.setPendingState(false);
      }
    });
    bind("log", this.panel).setAttribute("aria-busy", "true");
    this.socket.start();
  }

  async loadHistory() {
    try {
      const messages = await api.get(`sessions/${this.id}/messages`, { after_seq: 0 });
      for (const message of messages) this.log.add(message);
    } catch {
      /* the transcript link still works */
    }
  }

  onMessage(message) {
    const el = this.log.add(message);
    if (el && message.kind === "draft") this.decorateDraft(el, message.seq);
    // History says which draft a message published or turned down: show each text once.
    if (el && message.draft_seq) {
      if (message.kind === "text") this.markApproved(message.draft_seq);
      else this.markRejected(message.draft_seq);
    }
    const fromVisitor = message.role === "visitor";
    if (fromVisitor && this.socket?.resumed) {
      const watching =
        activeId === this.id && document.visibilityState === "visible" && document.hasFocus();
      if (!watching) {
        this.unread += 1;
        alertUser(
          fmt(gettext("%(name)s wrote"), { name: message.author || gettext("Visitor") }),
          message.body.slice(0, 120),
          () => selectChat(this.id, { focus: true }),
        );
      }
    }
    this.markRead();
    this.updateUnanswered();
  }

  onFrame(frame) {
    // Screens beside the console (tags...) follow the chat's frames through its panel.
    this.panel.dispatchEvent(new CustomEvent("livechat:frame", { detail: frame }));
    if (frame.type === "status") {
      const was = this.session.status;
      this.session.status = frame.status;
      if (frame.helpers) this.session.helpers = frame.helpers;
      // Who is in charge may have changed (a transfer): ask who is in the chat now.
      if (["transferred", "participants", "handed_over"].includes(frame.change))
        this.refreshPeople();
      if (frame.status !== was) {
        if (frame.status !== "active" && frame.status !== "waiting") {
          this.socket?.stop();
          this.socket = null;
        }
        this.render();
        if (frame.status === "ended")
          announce(
            announcer,
            fmt(gettext("The chat with %(name)s ended."), {
              name: this.session.visitor?.display_name || gettext("Visitor"),
            }),
          );
      } else {
        this.renderPeople();
      }
    } else if (frame.type === "draft.approved") {
      this.markApproved(frame.draft_seq);
    } else if (frame.type === "draft.rejected") {
      this.markRejected(frame.draft_seq);
    } else if (frame.type === "participants") {
      this.people = frame.participants || [];
      for (const [seq, el] of this.log.bySeq) {
        if (el.dataset.kind === "draft") this.decorateDraft(el, seq);
      }
      if (!this.people.some((person) => person.state === "knocking")) {
        knockToasts.get(this.id)?.remove();
        knockToasts.delete(this.id);
      }
      this.render();
    } else if (frame.type === "typing") {
      if (frame.author !== data.me) this.log.setTyping(frame.author, frame.active);
    } else if (frame.type === "read") {
      if (frame.role === "visitor") this.log.markRead(frame.seq);
    }
  }

  /** A trainee's draft: its mentor sends it as written, edits it first, or turns it down. */
  decorateDraft(el, seq) {
    if (!this.isMentor || el.classList.contains("is-approved") || el.classList.contains("is-rejected"))
      return;
    if ($(".lc-draft-actions", el)) return;
    const button = (label, data, primary = false) =>
      h(
        "button",
        {
          type: "button",
          class: `lc-btn lc-btn--small${primary ? " lc-btn--primary lc-msg__approve" : ""}`,
          dataset: data,
        },
        label,
      );
    el.append(
      h(
        "div",
        { class: "lc-draft-actions" },
        button(gettext("Approve and send"), { approve: seq }, true),
        button(gettext("Edit"), { draftEdit: seq }),
        button(gettext("Reject"), { draftReject: seq }),
      ),
    );
  }

  /** The edit or reject form in place of the draft's buttons. */
  openDraftForm(seq, mode) {
    const el = this.log.bySeq.get(Number(seq));
    if (!el) return;
    $(".lc-draft-form", el)?.remove();
    show($(".lc-draft-actions", el), false);
    const id = `lc-draft-${this.id}-${seq}-${mode}`;
    const field = h("textarea", { id, rows: 2, required: true, maxlength: 2000 });
    field.value = mode === "edit" ? $(".lc-msg__body", el).textContent : "";
    const form = h(
      "form",
      { class: "lc-draft-form" },
      h(
        "label",
        { for: id, class: "lc-label" },
        mode === "edit"
          ? gettext("Edit before sending")
          : gettext("Why not send it? Only your trainee and the helpers see this."),
      ),
      field,
      h(
        "div",
        { class: "lc-actions" },
        h(
          "button",
          { type: "submit", class: `lc-btn lc-btn--small lc-btn--${mode === "edit" ? "primary" : "danger"}` },
          mode === "edit" ? gettext("Send edited") : gettext("Reject draft"),
        ),
        h("button", { type: "button", class: "lc-btn lc-btn--small", dataset: { draftCancel: seq } }, gettext("Cancel")),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = field.value.trim();
      if (!text) return field.focus();
      if (mode === "edit") this.approve(seq, text);
      else this.reject(seq, text);
    });
    el.append(form);
    field.focus();
  }

  closeDraftForm(seq) {
    const el = this.log.bySeq.get(Number(seq));
    if (!el) return;
    $(".lc-draft-form", el)?.remove();
    show($(".lc-draft-actions", el), true);
  }

  /** Sent: the published message shows it, so the draft leaves the log. */
  markApproved(draftSeq) {
    const el = this.log.bySeq.get(Number(draftSeq));
    if (!el) return;
    el.classList.add("is-approved");
    $(".lc-draft-actions", el)?.remove();
    $(".lc-draft-form", el)?.remove();
    $(".lc-msg__status", el).textContent = gettext("Approved and sent");
    el.hidden = true;
  }

  /** Turned down: the draft stays, marked as not sent; the mentor's word follows it. */
  markRejected(draftSeq) {
    const el = this.log.bySeq.get(Number(draftSeq));
    if (!el) return;
    el.classList.add("is-rejected");
    $(".lc-draft-actions", el)?.remove();
    $(".lc-draft-form", el)?.remove();
    $(".lc-msg__status", el).textContent = gettext("Not sent: your mentor turned it down");
  }

  async approve(seq, body = null) {
    try {
      await api.post(`sessions/${this.id}/drafts/${seq}/approve`, body === null ? {} : { body });
      this.markApproved(seq);
    } catch (error) {
      failed(error);
    }
  }

  async reject(seq, reason) {
    try {
      await api.post(`sessions/${this.id}/drafts/${seq}/reject`, { reason });
      this.markRejected(seq);
    } catch (error) {
      failed(error);
    }
  }

  async refreshPeople() {
    try {
      this.people = await api.get(`sessions/${this.id}/participants`);
    } catch {
      return; // no longer ours: the socket says so
    }
    this.render();
  }

  updateUnanswered() {
    let unanswered = false;
    if (this.mode === "helper" && this.session?.status === "active") {
      let last = null;
      for (const el of this.log.bySeq.values()) {
        const { role, kind, seq } = el.dataset;
        if (kind !== "text" || (role !== "visitor" && role !== "helper")) continue;
        if (!last || Number(seq) > last.seq) last = { seq: Number(seq), role };
      }
      unanswered = this.fresh || !last || last.role === "visitor";
    }
    const changed = unanswered !== this.unanswered;
    this.unanswered = unanswered;
    this.tab.classList.toggle("is-unanswered", unanswered);
    const badge = this.tab.querySelector(".lc-tab__badge");
    const showBadge = this.unread > 0 && activeId !== this.id;
    badge.textContent = showBadge ? String(this.unread) : "";
    show(badge, showBadge);
    const state = [
      unanswered ? gettext("waiting for your answer") : "",
      this.tab.classList.contains("is-ended") ? gettext("ended") : "",
      showBadge ? fmt(gettext("%(n)s new"), { n: this.unread }) : "",
    ].filter(Boolean);
    this.tab.querySelector("[data-tab-state]").textContent = state.length
      ? `, ${state.join(", ")}`
      : "";
    if (changed) updateTitle();
  }

  markRead() {
    if (
      !this.socket ||
      activeId !== this.id ||
      document.visibilityState !== "visible" ||
      !document.hasFocus()
    )
      return;
    this.unread = 0;
    const last = this.log.lastFromOthers();
    if (
      last &&
      last.seq > (this.readSent || 0) &&
      this.socket.send({ type: "read", seq: last.seq })
    ) {
      this.readSent = last.seq;
    }
    this.updateUnanswered();
  }

  setSelected(selected) {
    this.tab.setAttribute("aria-selected", selected ? "true" : "false");
    this.tab.tabIndex = selected ? 0 : -1;
    this.panel.hidden = !selected;
    if (selected) this.markRead();
    this.updateUnanswered();
  }

  focusComposer() {
    const textarea = $("textarea[name=body]", this.panel);
    if (textarea && !textarea.closest("[hidden]")) textarea.focus();
    else this.panel.focus();
  }

  /** The chat ended in this helper's hands and its article still waits for their verdict. */
  owesFeedback() {
    return Boolean(
      this.mode === "helper" &&
        this.session?.status === "ended" &&
        !this.feedbackDone &&
        this.session.article?.id,
    );
  }

  onEnded() {
    show(bind("compose", this.panel), false);
    const owed = this.owesFeedback();
    const form = bind("feedback", this.panel);
    if (owed && form.hidden) {
      show(form, true);
      if (activeId === this.id) $("h3", form).focus();
    }
    saveTabs();
  }

  /** The caller is out of the chat. ``final`` words (from their own action) win over the
   * generic ones that the socket or the console hear in any order. */
  gone(text, { final = false } = {}) {
    this.socket?.stop();
    this.socket = null;
    if (this.goneFinal && !final) return;
    this.goneFinal = this.goneFinal || final;
    const banner = bind("banner", this.panel);
    banner.className = "lc-banner";
    banner.textContent = text;
    show(banner, true);
    show(bind("compose", this.panel), false);
    this.mode = this.mode === "helper" ? "observer" : this.mode;
    for (const button of $$("[data-for]", this.panel))
      show(button, button.dataset.for === "closed");
    this.unanswered = false;
    this.updateUnanswered();
    updateTitle();
  }

  // --- composing ---

  send(event) {
    event?.preventDefault();
    const textarea = $("textarea[name=body]", this.panel);
    const body = textarea.value.trim();
    if (!body || !this.socket) return;
    const item = this.socket.sendMessage({ body, kind: this.kind });
    if (this.kind === "text") this.fresh = false;
    this.log.addPending(item, { offline: !this.socket.isReady() });
    textarea.value = "";
    this.stopTyping();
    // A whisper or note is one message: the next one goes back to the default audience.
    this.setKind(this.allowedKinds()[0]);
    textarea.focus();
  }

  onInput() {
    const textarea = $("textarea[name=body]", this.panel);
    if (!this.socket) return;
    if (!textarea.value.trim()) {
      this.stopTyping();
      return;
    }
    if (!this.typingSent)
      this.typingSent = this.socket.send({ type: "typing", active: true, kind: this.kind });
    window.clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => this.stopTyping(), TYPING_IDLE);
  }

  stopTyping() {
    window.clearTimeout(this.typingTimer);
    if (this.typingSent && this.socket)
      this.socket.send({ type: "typing", active: false, kind: this.kind });
    this.typingSent = false;
  }

  insert(text) {
    const textarea = $("textarea[name=body]", this.panel);
    const { selectionStart: start, selectionEnd: end, value } = textarea;
    const before = value.slice(0, start);
    const glue = before && !/\s$/.test(before) ? " " : "";
    textarea.value = `${before}${glue}${text}${value.slice(end)}`;
    const caret = before.length + glue.length + text.length;
    textarea.setSelectionRange(caret, caret);
    textarea.focus();
  }

  togglePicker(name, open = null) {
    const picker = $(`[data-picker="${name}"]`, this.panel);
    const button = $(`[data-action="${name}"]`, this.panel);
    const opening = open ?? picker.hidden;
    for (const other of $$("[data-picker]", this.panel)) show(other, false);
    for (const other of $$('[data-action="canned"], [data-action="kb"]', this.panel))
      other.setAttribute("aria-expanded", "false");
    show(picker, opening);
    button.setAttribute("aria-expanded", String(opening));
    if (opening) {
      const input = $("input", picker);
      input.focus();
      this.search(name, input.value);
    }
  }

  async search(name, query) {
    const list = bind(`${name}-list`, this.panel);
    const locale = this.session?.locale || data.locale;
    let items;
    try {
      items =
        name === "canned"
          ? await api.get("canned", { locale, q: query })
          : query.trim()
            ? await api.get("kb/search", { q: query, locale })
            : [];
    } catch (error) {
      failed(error);
      return;
    }
    if (name === "kb" && !query.trim()) {
      fill(list, h("li", { class: "lc-hint" }, gettext("Type words from the article's title.")));
      return;
    }
    if (!items.length) {
      fill(list, h("li", { class: "lc-hint" }, gettext("Nothing found.")));
      return;
    }
    fill(
      list,
      items.map((item) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "lc-picker__item",
              dataset: { insert: name === "canned" ? item.body : articleLink(item) },
            },
            h(
              "span",
              {},
              h("strong", {}, item.title),
              item.locale !== locale
                ? h("span", { class: "lc-tag lc-tag--after" }, item.locale)
                : null,
            ),
            h("small", {}, name === "canned" ? item.body : item.url),
          ),
        ),
      ),
    );
  }

  // --- actions ---

  async end() {
    if (!(await confirmDialog($('[data-dialog="end"]', root)))) return;
    try {
      const session = await api.post(`sessions/${this.id}/end`, {});
      this.socket?.stop();
      this.socket = null;
      this.setSession(session);
    } catch (error) {
      failed(error);
    }
  }

  /** Invite a helper, transfer the chat, or hand it to one's trainee: pick whom, confirm. */
  async peopleDialog(kind) {
    let options;
    if (kind === "handover") {
      options = myTrainees.map((trainee) =>
        h("option", { value: `trainee:${trainee.id}` }, trainee.display_name),
      );
    } else {
      let helpers;
      try {
        helpers = await api.get("agent/helpers");
      } catch (error) {
        failed(error);
        return;
      }
      options = helpers
        .filter((helper) => helper.username !== data.username)
        .map((helper) =>
          h(
            "option",
            { value: `helper:${helper.username}` },
            fmt(gettext("%(name)s (%(free)s free of %(capacity)s)"), {
              name: helper.display_name,
              free: helper.free,
              capacity: helper.capacity,
            }),
          ),
        );
      if (kind === "transfer") {
        options.push(
          h("option", { value: "queue:" }, gettext("Back to the queue (the next helper)")),
        );
      }
    }
    if (!options.length) {
      toast(gettext("No other helper is online right now."), { error: true });
      return;
    }
    const dialog = $('[data-dialog="people"]', root);
    const select = $("select", dialog);
    fill(select, options);
    const words = {
      invite: [
        gettext("Invite a helper"),
        gettext("They join the chat beside you; the visitor sees them."),
        gettext("Invite"),
      ],
      transfer: [
        gettext("Transfer the chat"),
        gettext("The chat, its history and the question move to them. You leave the chat."),
        gettext("Transfer"),
      ],
      handover: [
        gettext("Hand the chat to your trainee"),
        gettext("Your trainee answers the visitor; you stay in the chat as their mentor."),
        gettext("Hand over"),
      ],
    }[kind];
    bind("people-title", dialog).textContent = words[0];
    bind("people-text", dialog).textContent = words[1];
    bind("people-submit", dialog).textContent = words[2];
    show(bind("people-note", dialog), kind === "transfer");
    show(bind("people-supervised", dialog), kind === "handover");
    $("[name=note]", dialog).value = "";
    $("[name=supervised]", dialog).checked = true;
    if (!(await confirmDialog(dialog))) return;
    const [type, value] = select.value.split(":");
    try {
      if (kind === "invite") {
        await api.post(`sessions/${this.id}/invite`, { user: value });
        toast(gettext("Invitation sent."));
      } else if (kind === "handover") {
        await api.post(`sessions/${this.id}/handover`, {
          trainee: Number(value),
          supervised: $("[name=supervised]", dialog).checked,
        });
        toast(gettext("Handed over. You stay in the chat as the mentor."));
        this.refreshPeople();
      } else {
        const body = type === "helper" ? { helper: value } : { queue: value || null };
        body.note = $("[name=note]", dialog).value;
        await api.post(`sessions/${this.id}/transfer`, body);
        this.gone(gettext("You transferred this chat."), { final: true });
      }
    } catch (error) {
      failed(error);
    }
  }

  async act(action, target) {
    try {
      if (action === "join") {
        await api.post(`sessions/${this.id}/join`, {});
        toast(
          gettext("You joined as a monitor. The visitor does not see you until you write to them."),
        );
      } else if (action === "knock") {
        await api.post(`sessions/${this.id}/knock`, {});
        bind("knock-text", this.panel).textContent = gettext(
          "You knocked. Waiting for the helper to let you in…",
        );
        $('[data-action="knock"]', this.panel).disabled = true;
      } else if (action === "leave") {
        await api.post(`sessions/${this.id}/leave`, {});
        closeChat(this.id);
      } else if (action === "admit") {
        await api.post(`sessions/${this.id}/admit`, { user: target });
      } else if (action === "turn-away") {
        await api.post(`sessions/${this.id}/turn-away`, { user: target });
      }
    } catch (error) {
      failed(error);
    }
  }

  /** Offer KB articles matching ``query`` as "the article that solved it". */
  async findSolvedBy(query) {
    const select = $('[name="solved_by"]', this.panel);
    const chosen = select.value;
    let items = [];
    if (query.trim()) {
      try {
        items = await api.get("kb/search", {
          q: query,
          locale: this.session?.locale || data.locale,
        });
      } catch (error) {
        failed(error);
        return;
      }
    }
    const started = String(this.session?.article?.id ?? "");
    const options = items
      .filter((item) => String(item.id) !== started)
      .map((item) => h("option", { value: String(item.id) }, item.title));
    const kept = chosen && !options.some((option) => option.value === chosen);
    fill(select, [select.options[0], ...(kept ? [select.selectedOptions[0]] : []), ...options]);
    select.value = chosen;
    if (!chosen && options.length) select.value = options[0].value;
  }

  async submitFeedback(event) {
    event.preventDefault();
    const form = event.target;
    const values = formData(form);
    const error = bind("feedback-error", this.panel);
    if (!values.outcome) {
      error.textContent = gettext("Choose an outcome.");
      $("input[name=outcome]", form).focus();
      return;
    }
    error.textContent = "";
    try {
      await api.post(`sessions/${this.id}/feedback`, {
        outcome: values.outcome,
        solved_by: values.solved_by ? Number(values.solved_by) : null,
        missing: values.missing || "",
        suggested_change: values.suggested_change || "",
        tags: (values.tags || "")
          .split(",")
          .map((tag) => tag.trim())
          .filter(Boolean),
      });
    } catch (failure) {
      if (failure.code !== "feedback_exists") {
        error.textContent = failure.detail;
        return;
      }
    }
    this.feedbackDone = true;
    show(form, false);
    const done = bind("feedback-done", this.panel);
    show(done, true);
    done.focus();
    saveTabs();
    loadFeedbackDue();
  }

  /** Closing a tab whose feedback is owed asks first (and the chat stays on the due list). */
  async close() {
    if (this.owesFeedback()) {
      if (!(await confirmDialog($('[data-dialog="close-owed"]', root)))) {
        $("h3", bind("feedback", this.panel))?.focus();
        return;
      }
      loadFeedbackDue();
    }
    closeChat(this.id);
  }

  wire() {
    const panel = this.panel;
    this.tab.addEventListener("click", () => selectChat(this.id, { focus: true }));
    bind("composer", panel).addEventListener("submit", (event) => this.send(event));
    const textarea = $("textarea[name=body]", panel);
    textarea.addEventListener("input", () => this.onInput());
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) this.send(event);
      if (event.key === "Escape") this.togglePicker("canned", false);
    });
    for (const radio of $$(".lc-mode input", panel)) {
      radio.addEventListener("change", () => {
        this.setKind(radio.value);
        textarea.focus();
      });
    }
    let searchTimer = null;
    for (const input of $$("[data-search]", panel)) {
      input.addEventListener("input", () => {
        window.clearTimeout(searchTimer);
        searchTimer = window.setTimeout(() => this.search(input.dataset.search, input.value), 200);
      });
      input.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          this.togglePicker(input.dataset.search, false);
          textarea.focus();
        }
      });
    }
    const solvedQuery = bind("solved-query", panel);
    solvedQuery.addEventListener("input", () => {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(() => this.findSolvedBy(solvedQuery.value), 200);
    });
    bind("feedback", panel).addEventListener("submit", (event) => this.submitFeedback(event));
    panel.addEventListener("click", (event) => {
      const target = event.target.closest(
        "[data-action], [data-insert], [data-admit], [data-turn-away], [data-approve], [data-draft-edit], [data-draft-reject], [data-draft-cancel]",
      );
      if (!target) return;
      if (target.dataset.approve) return this.approve(target.dataset.approve);
      if (target.dataset.draftEdit) return this.openDraftForm(target.dataset.draftEdit, "edit");
      if (target.dataset.draftReject) return this.openDraftForm(target.dataset.draftReject, "reject");
      if (target.dataset.draftCancel) return this.closeDraftForm(target.dataset.draftCancel);
      if (target.dataset.insert !== undefined) {
        this.insert(target.dataset.insert);
        for (const picker of $$("[data-picker]", panel)) show(picker, false);
        return;
      }
      if (target.dataset.admit) return this.act("admit", target.dataset.admit);
      if (target.dataset.turnAway) return this.act("turn-away", target.dataset.turnAway);
      const action = target.dataset.action;
      if (action === "canned" || action === "kb") this.togglePicker(action);
      else if (action === "end") this.end();
      else if (action === "invite" || action === "transfer" || action === "handover") {
        this.peopleDialog(action);
      } else if (action === "close") this.close();
      else this.act(action);
    });
  }

  destroy() {
    this.socket?.stop();
    this.socket = null;
    this.tab.remove();
    this.panel.remove();
  }
}

/** "Title: https://…" as a helper sends an article to the visitor. */
function articleLink(article) {
  return `${article.title}: ${new URL(article.url, window.location.origin)}`;
}

function fillFacts(list, rows) {
  fill(
    list,
    rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
  );
}

/** A mentor's trainees in training: whom they may hand a chat to. */
async function loadTrainees() {
  try {
    const trainees = await api.get("trainees");
    myTrainees = trainees.filter(
      (trainee) => trainee.mentor === data.me && ["training", "proposed"].includes(trainee.stage),
    );
  } catch {
    myTrainees = []; // not a mentor
  }
  for (const chat of chats.values()) chat.render();
}

// --- The console socket ------------------------------------------------------------------------

function onAgentFrame(frame) {
  if (frame.type === "queue") {
    refreshQueue();
    if (frame.notify && agent.status === "online" && frame.session) {
      const title =
        frame.change === "waiting_long"
          ? gettext("A visitor has been waiting a while")
          : gettext("New chat waiting");
      alertUser(title, frame.session.problem || "");
      if (frame.change === "new") announce(announcer, gettext("A new chat is waiting."));
    }
    if (data.role !== "helper") loadLiveSoon();
  } else if (frame.type === "chat") {
    const id = frame.session?.id;
    if (!id) return;
    if (["assigned", "transferred_in", "joined"].includes(frame.change)) {
      const chat = openChat(id, { mode: frame.change === "joined" ? "observer" : "helper" });
      // New to this helper (given, handed over or transferred) until they write.
      if (frame.change !== "joined") {
        chat.fresh = true;
        chat.updateUnanswered();
        chat.refreshPeople();
      }
      if (frame.change !== "joined") {
        alertUser(gettext("A chat was given to you"), frame.session.problem || "", () =>
          selectChat(id, { focus: true }),
        );
        announce(announcer, gettext("A chat was given to you."));
      }
      if (chat.mode === "knock") chat.load();
    } else if (frame.change === "transferred_out") {
      chats.get(id)?.gone(gettext("This chat was transferred."));
    } else if (frame.change === "left") {
      chats.get(id)?.gone(gettext("You left this chat."));
    }
    refreshQueue();
    if (data.role !== "helper") loadLiveSoon();
  } else if (frame.type === "rating") {
    showRating(chats.get(frame.session)?.panel, frame);
  } else if (frame.type === "presence") {
    // Another console of the same person changed it. This console's own changes are echoed
    // too, possibly after a newer one: those are ignored.
    if (presencePending || Date.now() < presenceQuietUntil) return;
    agent = { status: frame.status, capacity: frame.capacity };
    renderPresence();
  } else if (frame.type === "invitation") {
    const session = frame.session || {};
    if (frame.change === "invited") {
      alertUser(gettext("You are invited to a chat"), session.problem || "");
      toast(
        fmt(gettext("%(name)s invites you to a chat: %(problem)s"), {
          name: frame.by,
          problem: (session.problem || "").slice(0, 80),
        }),
        {
          timeout: 0,
          actions: [
            {
              label: gettext("Join"),
              primary: true,
              run: async () => {
                try {
                  await api.post(`invitations/${session.id}/accept`, {});
                  openChat(session.id, { select: true });
                } catch (error) {
                  failed(error);
                }
              },
            },
            {
              label: gettext("Decline"),
              run: () => api.post(`invitations/${session.id}/decline`, {}).catch(failed),
            },
          ],
        },
      );
    } else if (frame.change === "declined") {
      toast(fmt(gettext("%(name)s declined your invitation."), { name: frame.by }));
    } else if (frame.change === "accepted") {
      toast(fmt(gettext("%(name)s joined your chat."), { name: frame.by }));
    }
  } else if (frame.type === "knock") {
    const session = frame.session || {};
    if (frame.change === "knocking") {
      alertUser(
        gettext("Someone asks to observe"),
        fmt(gettext("%(name)s knocks on your chat."), { name: frame.by }),
      );
      const reveal = () => {
        selectChat(session.id);
        const chat = chats.get(session.id);
        $("[data-admit]", chat?.panel || root)?.focus();
      };
      knockToasts.get(session.id)?.remove();
      knockToasts.set(
        session.id,
        toast(fmt(gettext("%(name)s asks to observe your chat."), { name: frame.by }), {
          actions: [{ label: gettext("Show"), primary: true, run: reveal }],
        }),
      );
    } else if (frame.change === "admitted") {
      toast(fmt(gettext("%(name)s let you in."), { name: frame.by }));
      const chat = chats.get(session.id) || openChat(session.id, { mode: "knock", select: true });
      chat.mode = "observer";
      chat.load();
    } else if (frame.change === "turned_away") {
      const chat = chats.get(session.id);
      if (chat) {
        bind("knock-text", chat.panel).textContent = gettext(
          "The helper did not let you in this time.",
        );
        $('[data-action="knock"]', chat.panel).disabled = false;
      }
    }
    if (data.role !== "helper") loadLiveSoon();
  }
}

let liveTimer = null;
function loadLiveSoon() {
  window.clearTimeout(liveTimer);
  liveTimer = window.setTimeout(loadLive, 300);
}

function connectAgent() {
  const socket = new ChatSocket({ url: `${data.ws.replace(/\/?$/, "/")}agent/`, resume: false });
  socket.addEventListener("frame", (event) => onAgentFrame(event.detail));
  socket.addEventListener("state", (event) => {
    if (event.detail.state === "open") {
      refreshQueue();
      if (data.role !== "helper") loadLiveSoon();
    }
  });
  socket.addEventListener("refused", () =>
    toast(gettext("The console lost its connection. Reload the page."), {
      error: true,
      timeout: 0,
    }),
  );
  socket.start();
}

// --- Start ------------------------------------------------------------------------------------

async function start() {
  updateLayout();
  for (const input of $$("[data-pref]", root)) input.checked = Boolean(prefs[input.dataset.pref]);
  if (isHelper) {
    await loadPresence();
    if (data.role === "supervisor") loadTrainees(); // mentors are supervisors
    try {
      for (const session of await api.get("agent/chats")) openChat(session.id, { session });
    } catch (error) {
      failed(error);
    }
  }
  for (const saved of store.get(TABS_KEY, [])) {
    if (!chats.has(saved.id))
      openChat(saved.id, { mode: saved.mode === "helper" ? "helper" : saved.mode });
  }
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

guardPresence({
  root,
  dialog: $('[data-dialog="offline"]', root),
  openChats: () =>
    [...chats.values()].filter((chat) => chat.mode === "helper" && chat.session?.status === "active")
      .length,
  autoAwaySeconds: Number(data.autoAway) || 0,
  tell: (text) => toast(text),
});

root.addEventListener("change", (event) => {
  const target = event.target;
  if (target.matches('[data-status-switch] input[name="status"]')) setPresence(target.value);
  else if (target.matches("[data-capacity]")) setPresence(agent.status);
  else if (target.matches("[data-pref]")) {
    prefs = { ...prefs, [target.dataset.pref]: target.checked };
    store.set(PREFS_KEY, prefs);
    if (target.dataset.pref === "notify" && target.checked && "Notification" in window) {
      Notification.requestPermission().then((permission) => {
        if (permission !== "granted") {
          target.checked = false;
          prefs = { ...prefs, notify: false };
          store.set(PREFS_KEY, prefs);
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
  else if (target.dataset.take) take(target.dataset.take);
  else if (target.dataset.observe) {
    const access = target.dataset.access;
    openChat(target.dataset.observe, {
      mode: access === "in_chat" ? "helper" : access === "observer" ? "observer" : "knock",
      select: true,
      hint: { helper: target.dataset.helper, article: target.dataset.article },
    });
  } else if (target.dataset.action === "take-next") take();
  else if (target.dataset.action === "refresh-live") loadLive();
});

// Leaving the console with article feedback owed asks first: it is easy to forget.
window.addEventListener("beforeunload", (event) => {
  if ([...chats.values()].some((chat) => chat.owesFeedback())) event.preventDefault();
});

// Arrow keys move between tabs (the tab pattern of the ARIA practices).
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
    chats.get(next).tab.focus();
  }
});

window.addEventListener("focus", () => chats.get(activeId)?.markRead());
document.addEventListener("visibilitychange", () => chats.get(activeId)?.markRead());

start();
