// The visitor's chat window: question form -> waiting -> conversation -> rating, plus the
// closed-hours fallbacks (forum question, email follow-up). Reloading at any point comes back
// to the same place; what was typed and not yet sent is kept.

import { Api, ApiError } from "./api.js";
import { Attachments } from "./attachments.js";
import { ChatLog } from "./chatlog.js";
import { Composer } from "./composer.js";
import {
  $,
  $$,
  announce,
  confirmDialog,
  fill,
  fmt,
  formData,
  formatWait,
  h,
  linkify,
  show,
  store,
  gettext,
} from "./dom.js";
import { followUpId, showFollowUp } from "./follow-up.js";
import { ChatSocket } from "./socket.js";
import { wireTranscriptEmail } from "./transcript-email.js";

const root = document.getElementById("lc-visitor");
const data = root.dataset;
const NULL_ID = "00000000-0000-0000-0000-000000000000";
const TOKEN_KEY = "livechat.token";
const CURRENT_KEY = "livechat.current";

const api = new Api({ root: data.api, token: store.get(TOKEN_KEY, "") });
const bind = (name) => $(`[data-bind="${name}"]`, root);
const announcer = $("[data-announcer]", root);
const attachments = new Attachments(api);

let session = null;
let socket = null;
let log = null;
let availability = null;
let unread = 0;
const baseTitle = document.title;

// --- Screens -------------------------------------------------------------------------------

function showScreen(name, { focus = true } = {}) {
  for (const screen of $$("[data-screen]", root)) show(screen, screen.dataset.screen === name);
  root.dataset.screenShown = name;
  show($('[data-action="end"]', root), name === "chat");
  if (focus) {
    const target = $(`[data-screen="${name}"] h2`, root);
    if (target && name !== "chat") {
      target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: false });
    }
  }
}

function banner(text, kind = "") {
  const el = $("[data-banner]", root);
  if (!text) {
    show(el, false);
    return;
  }
  el.className = `lc-banner${kind ? ` lc-banner--${kind}` : ""}`;
  fill(
    el,
    kind === "ok" ? null : h("span", { class: "lc-spinner", "aria-hidden": "true" }),
    h("span", {}, text),
  );
  show(el, true);
}

function sessionUrl(id) {
  return data.sessionUrl.replace(NULL_ID, id);
}

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

// --- The question form ---------------------------------------------------------------------

const form = $('[data-form="request"]', root);
const draftKey = () => `livechat.draft.${data.article || "none"}`;

function saveDraft() {
  const values = formData(form);
  delete values.csrfmiddlewaretoken;
  store.set(draftKey(), values);
}

function restoreDraft() {
  const draft = store.get(draftKey(), null);
  if (!draft) return;
  for (const [name, value] of Object.entries(draft)) {
    for (const field of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = [].concat(value).includes(field.value);
      } else if (value) {
        field.value = value;
      }
    }
  }
}

function renderFocus(focus) {
  const box = $("[data-focus]", root);
  const questions = focus?.questions || [];
  show(box, questions.length > 0);
  if (!questions.length) return;
  bind("focus-title").textContent = focus.title || "";
  bind("focus-description").textContent = focus.description || "";
  const list = $("[data-focus-questions]", box);
  fill(
    list,
    questions.map((question, index) => {
      const id = `lc-q-${index}`;
      const name = `answer:${question.key}`;
      const required = question.required ? { required: true, "aria-required": "true" } : {};
      const optional = question.required
        ? null
        : h("span", { class: "lc-optional" }, ` ${gettext("(optional)")}`);
      if (question.type === "choice" || question.type === "yesno") {
        const choices =
          question.type === "yesno"
            ? [
                { value: "yes", label: gettext("Yes") },
                { value: "no", label: gettext("No") },
              ]
            : (question.choices || []).map((c, i) =>
                typeof c === "object"
                  ? { value: c.value, label: c.label }
                  : { value: c, label: question.choice_labels?.[i] || c },
              );
        return h(
          "fieldset",
          { class: "lc-field" },
          h("legend", {}, question.label, optional),
          h(
            "div",
            { class: "lc-choices" },
            choices.map((choice) =>
              h(
                "label",
                { class: "lc-choice" },
                h("input", { type: "radio", name, value: choice.value, ...required }),
                h("span", {}, choice.label),
              ),
            ),
          ),
        );
      }
      return h(
        "div",
        { class: "lc-field" },
        h("label", { for: id }, question.label, optional),
        h("input", { type: "text", id, name, maxlength: 1000, ...required }),
      );
    }),
  );
}

function renderAvailability() {
  const line = bind("availability");
  const state = availability?.state || "closed";
  line.className = `lc-availability lc-availability--${state}`;
  let text;
  if (state === "open") {
    const wait = availability.wait_seconds;
    text =
      wait > 30
        ? fmt(gettext("Volunteers are online. Expected wait: %(wait)s."), {
            wait: formatWait(wait),
          })
        : gettext("Volunteers are online. You should be helped right away.");
  } else if (state === "full") {
    text = gettext("All volunteers are busy right now. Ask in the forum, or leave your email.");
  } else {
    text =
      availability?.reason === "banned"
        ? gettext("Live chat is closed to you. You can still ask in the support forum.")
        : availability?.reason === "after_hours"
          ? gettext("Live chat is closed at this hour. Ask in the forum, or leave your email.")
          : gettext("No volunteers are online right now. Ask in the forum, or leave your email.");
  }
  fill(
    line,
    h("span", { class: `lc-dot lc-dot--${state}`, "aria-hidden": "true" }),
    h("span", {}, text),
  );

  // chat: open, chat first; fallback: not open, forum or email; forum/email: asked for one.
  const mode = data.mode || (state === "open" ? "chat" : "fallback");
  const buttons = {
    chat: $('[data-submit="chat"]', form),
    forum: $('[data-submit="forum"]', form),
    email: $('[data-submit="email"]', form),
  };
  show(buttons.chat, mode === "chat");
  show(buttons.forum, mode !== "email");
  const banned = availability?.reason === "banned";
  show(buttons.email, !banned && (mode === "email" || mode === "fallback"));
  buttons.forum.className = `lc-btn${mode === "chat" ? "" : " lc-btn--primary"}`;
  buttons.forum.textContent =
    mode === "chat" ? gettext("Ask in the forum instead") : gettext("Post to the forum");
  buttons.email.className = `lc-btn${mode === "email" ? " lc-btn--primary" : ""}`;
  if (data.mode === "forum") {
    bind("form-title").textContent = gettext("Ask in the forum");
    bind("form-lead").textContent = gettext(
      "Your question goes to the support forum, where volunteers answer when they can.",
    );
  } else if (data.mode === "email") {
    bind("form-title").textContent = gettext("Leave your email");
    bind("form-lead").textContent = gettext(
      "Describe the problem and a volunteer will get back to you by email.",
    );
  }
  bind("email-optional").hidden = data.mode === "email";
  $("#lc-email").required = data.mode === "email";
}

// --- One chat at a time ----------------------------------------------------------------------

let openChat = null;

/** Says, above the form, that another chat is still open: before anything is typed. */
function warnOpenChat(other) {
  openChat = other;
  const box = bind("open-chat");
  show(box, Boolean(other));
  if (!other) return;
  bind("open-chat-text").textContent = fmt(
    gettext(
      "You already have a chat open about “%(title)s”. Go back to it, or end it to start a new one. What you write here is kept.",
    ),
    { title: other.article?.title || gettext("another question") },
  );
  bind("open-chat-link").href = sessionUrl(other.id);
}

/** The server answers a request with the visitor's open chat: is it another one than this? */
function isAnotherChat(result, body) {
  const otherArticle = body.article && result.article?.id && result.article.id !== body.article;
  return otherArticle || (result.form?.problem || "") !== body.problem;
}

async function endOpenChat() {
  if (!openChat) return;
  try {
    await api.post(`sessions/${openChat.id}/end`, {});
  } catch (error) {
    if (error.code !== "not_open") {
      formError(error);
      return;
    }
  }
  store.remove(CURRENT_KEY);
  warnOpenChat(null);
  formError("");
  announce(announcer, gettext("That chat has ended. You can start this one now."));
  $('[data-submit="chat"]', form).focus();
}

function requestBody(values, fallback) {
  const answers = {};
  for (const [name, value] of Object.entries(values)) {
    if (name.startsWith("answer:") && value !== "") answers[name.slice(7)] = value;
  }
  const onComputer = values.on_affected_computer;
  const body = {
    article: Number(data.article) || null,
    problem: (values.problem || "").trim(),
    locale: data.locale,
    started_when: values.started_when || "",
    frequency: values.frequency || "",
    on_affected_computer: onComputer === "yes" ? true : onComputer === "no" ? false : null,
    answers,
    user_agent: navigator.userAgent,
    name: values.visitor_name || "",
    email: values.visitor_email || "",
  };
  if (fallback) body.fallback = fallback;
  if (followUpId()) body.follow_up_of = followUpId();
  return body;
}

/** An error in `el`; one that needs an account says so with a link to sign in and return. */
function showError(el, error) {
  const detail = typeof error === "string" ? error : error?.detail || "";
  const needsLogin = error?.code === "login_required" || error?.status === 401;
  fill(
    el,
    detail,
    needsLogin ? " " : null,
    needsLogin
      ? h("a", { class: "lc-btn lc-btn--primary lc-btn--small", href: loginUrl() }, gettext("Sign in"))
      : null,
  );
}

function loginUrl() {
  const login = $('[data-link="login"]', root).getAttribute("href").split("?")[0];
  const back = window.location.pathname + window.location.search;
  return `${login}?next=${encodeURIComponent(back)}`;
}

function formError(message, field = null) {
  showError(bind("form-error"), message || "");
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.focus();
  }
}

async function submitRequest(event) {
  event.preventDefault();
  const kind =
    event.submitter?.dataset.submit || (availability?.state === "open" ? "chat" : "forum");
  const values = formData(form);
  const problem = $("#lc-problem");
  if (!(values.problem || "").trim()) {
    formError(gettext("Tell us what the problem is."), problem);
    return;
  }
  if (kind === "email" && !(values.visitor_email || "").trim()) {
    formError(gettext("Enter the email address to follow up on."), $("#lc-email"));
    return;
  }
  for (const field of form.querySelectorAll("[data-focus-questions] [required]")) {
    const filled =
      field.type === "radio"
        ? form.querySelector(`[name="${CSS.escape(field.name)}"]:checked`)
        : field.value.trim();
    if (!filled) {
      formError(gettext("Please answer the required questions."), field);
      return;
    }
  }
  formError("");
  const buttons = $$("button[type=submit]", form);
  for (const button of buttons) button.disabled = true;
  try {
    const body = requestBody(values, kind === "chat" ? null : kind);
    const result = await api.post("sessions", body);
    if (["waiting", "active"].includes(result.status) && isAnotherChat(result, body)) {
      // Nothing was sent: keep what they wrote and say why.
      warnOpenChat(result);
      formError(gettext("Your new question was not sent: you already have a chat open."));
      bind("open-chat-link").focus();
      return;
    }
    store.remove(draftKey());
    session = result;
    rememberSession(result);
    route();
  } catch (error) {
    if (error instanceof ApiError && error.body?.availability) {
      availability = error.body.availability;
      data.mode = "";
      renderAvailability();
    }
    if (error.status === 401) {
      showScreen("login");
      return;
    }
    formError(error.detail ? error : gettext("Something went wrong. Please try again."));
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

async function showForm(other = null) {
  showScreen("form", { focus: false });
  warnOpenChat(other);
  restoreDraft();
  try {
    availability = await api.get("availability", {
      article: data.article,
      locale: data.locale,
      user_agent: navigator.userAgent,
    });
  } catch (error) {
    availability = { state: "closed", reason: error.code };
  }
  renderFocus(availability.focus);
  restoreDraft();
  renderAvailability();
  if (!$("#lc-problem").value) $("#lc-problem").focus();
}

// --- Waiting ---------------------------------------------------------------------------------

function renderPosition(status) {
  const position = status.position;
  bind("position").textContent = position ? String(position) : "–";
  bind("position-label").textContent =
    position === 1 ? gettext("You are next in line") : gettext("Your place in line");
  bind("eta").textContent =
    status.wait_seconds !== null && status.wait_seconds !== undefined
      ? fmt(gettext("Estimated wait: %(wait)s"), { wait: formatWait(status.wait_seconds) })
      : "";
}

async function loadSuggestions() {
  let articles = [];
  try {
    articles = await api.get(`sessions/${session.id}/suggestions`);
  } catch {
    articles = [];
  }
  const box = $("[data-suggestions]", root);
  show(box, articles.length > 0);
  fill(
    bind("suggestions"),
    articles.map((article) =>
      h(
        "li",
        { class: "lc-suggestion" },
        h("a", { href: article.url, target: "_blank", rel: "noopener" }, article.title),
        h(
          "button",
          {
            type: "button",
            class: "lc-btn lc-btn--small",
            dataset: { solved: article.id },
            "aria-label": fmt(gettext("“%(title)s” solved my problem"), { title: article.title }),
          },
          gettext("This solved it"),
        ),
      ),
    ),
  );
}

async function solvedBy(articleId) {
  try {
    session = await api.post(`sessions/${session.id}/solved`, { article: Number(articleId) });
  } catch (error) {
    announce(announcer, error.detail);
    return;
  }
  finish("solved");
}

// --- The conversation ------------------------------------------------------------------------

function ensureLog() {
  if (log) return log;
  log = new ChatLog($("[data-log]", root), {
    viewer: "visitor",
    selfName: () => $("#lc-name").value.trim() || gettext("You"),
    typing: bind("typing"),
    attachments,
  });
  return log;
}

/** The visitor's own question heads the conversation, as the volunteer saw it. */
function showQuestion() {
  const list = $("[data-log]", root);
  const problem = session.form?.problem;
  if (!problem || $(".lc-msg--question", list)) return;
  list.prepend(
    h(
      "div",
      { class: "lc-msg lc-msg--question", dataset: { seq: "" } },
      h("p", { class: "lc-msg__label" }, gettext("Your question")),
      h("div", { class: "lc-msg__body" }, problem),
    ),
  );
}

function setHelpers(helpers) {
  const names = (helpers || []).map((person) => person.display_name).filter(Boolean);
  if (!names.length) return;
  bind("title").textContent = names.join(", ");
  bind("subtitle").textContent =
    names.length > 1 ? gettext("Volunteers helping you") : gettext("Volunteer helping you");
  const avatar = bind("avatar");
  avatar.className = "lc-avatar";
  avatar.textContent = names[0].slice(0, 1).toUpperCase();
}

function markRead() {
  if (!socket || !log || document.visibilityState !== "visible" || !document.hasFocus()) return;
  const last = log.lastFromOthers();
  if (last && last.seq > (markRead.sent || 0)) {
    if (socket.send({ type: "read", seq: last.seq })) markRead.sent = last.seq;
  }
  unread = 0;
  document.title = baseTitle;
}

function connect() {
  if (socket) return;
  const url = new URL(
    `${data.ws.replace(/\/?$/, "/")}session/${session.id}/`,
    window.location.href,
  );
  // The token goes in the first frame, not the URL, so it stays out of access logs.
  socket = new ChatSocket({
    url: url.toString(),
    outboxKey: `livechat.outbox.${session.id}`,
    token: data.authenticated === "1" ? "" : api.token,
  });
  ensureLog();
  for (const item of socket.pending()) log.addPending(item, { offline: true });

  socket.addEventListener("message", (event) => {
    const message = event.detail;
    log.add(message);
    if (message.role !== "visitor" && message.role !== "system") {
      if (document.visibilityState !== "visible" || !document.hasFocus()) {
        unread += 1;
        document.title = `(${unread}) ${baseTitle}`;
      }
      markRead();
    }
  });
  socket.addEventListener("resumed", () => {
    $("[data-log]", root).removeAttribute("aria-busy");
    markRead();
  });
  socket.addEventListener("frame", (event) => onFrame(event.detail));
  socket.addEventListener("failed", (event) => {
    log.markFailed(event.detail.item.client_msg_id, event.detail.detail);
  });
  socket.addEventListener("error", (event) => announce(announcer, event.detail.detail));
  socket.addEventListener("refused", () => {
    banner(gettext("This chat is no longer available."));
    store.remove(CURRENT_KEY);
  });
  let wasDown = false;
  socket.addEventListener("state", (event) => {
    const state = event.detail.state;
    if (state === "offline") {
      wasDown = true;
      banner(gettext("You are offline. Your messages will be sent when the connection is back."));
      log.setPendingState(true);
    } else if (state === "reconnecting") {
      wasDown = true;
      banner(gettext("Connection lost. Reconnecting…"));
      log.setPendingState(true);
    } else if (state === "open") {
      log.setPendingState(false);
      if (wasDown) {
        banner(gettext("Reconnected."), "ok");
        window.setTimeout(() => {
          if (socket?.state === "open") banner("");
        }, 2500);
      } else {
        banner("");
      }
      wasDown = false;
    }
  });
  $("[data-log]", root).setAttribute("aria-busy", "true");
  socket.start();
}

function onFrame(frame) {
  if (frame.type === "status") {
    const changed = frame.status !== session.status;
    session.status = frame.status;
    if (frame.helpers) {
      session.helpers = frame.helpers;
      setHelpers(frame.helpers);
    }
    if (frame.status === "waiting") {
      renderPosition(frame);
      if (changed) route();
    } else if (changed) {
      route();
    }
  } else if (frame.type === "typing") {
    if (frame.role !== "visitor") log.setTyping(frame.author, frame.active);
  } else if (frame.type === "read") {
    if (frame.role !== "visitor") log.markRead(frame.seq);
  }
}

const messageField = $("#lc-message");

/** The draft of each chat survives a reload; the box grows with what is typed. */
function onComposerInput() {
  store.set(`livechat.composer.${session?.id}`, messageField.value);
  messageField.style.height = "auto";
  messageField.style.height = `${Math.min(messageField.scrollHeight, 160)}px`;
}

const composer = new Composer({
  form: $('[data-form="composer"]', root),
  textarea: messageField,
  socket: () => socket,
  onInput: onComposerInput,
  onSend: (body) => {
    const item = socket.sendMessage({ body });
    log.addPending(item, { offline: !socket.isReady() });
  },
  afterSend: () => {
    store.remove(`livechat.composer.${session.id}`);
    composer.changed();
  },
});

// --- Ending and after ------------------------------------------------------------------------

async function endChat() {
  const leaving = session.status === "waiting";
  const dialog = $(`[data-dialog="${leaving ? "leave" : "end"}"]`, root);
  if (!(await confirmDialog(dialog))) return;
  try {
    session = await api.post(`sessions/${session.id}/end`, {});
  } catch (error) {
    if (error.code !== "not_open") {
      announce(announcer, error.detail);
      return;
    }
    session = await api.get(`sessions/${session.id}`);
  }
  route();
}

function finish(reason) {
  banner("");
  if (socket) {
    socket.stop();
    socket = null;
  }
  store.remove(CURRENT_KEY);
  const title = bind("done-title");
  const text = bind("done-text");
  const link = bind("done-link");
  show(link, false);
  // A missed or left chat can still go to the forum or wait for an email.
  const offer = (reason === "missed" || reason === "left") && (session.fallback || []).length > 0;
  show(bind("done-handoff"), offer);
  if (offer) {
    show($('[data-action="done-forum"]', root), session.fallback.includes("forum"));
    show($('[data-form="done-email"]', root), session.fallback.includes("email"));
  }
  if (reason === "solved") {
    title.textContent = gettext("Glad that article solved it!");
    text.textContent = gettext(
      "You left the line. Thanks for letting us know which article helped.",
    );
  } else if (reason === "forum") {
    title.textContent = gettext("Your question is in the forum");
    text.textContent = gettext(
      "Volunteers answer forum questions when they can. You'll be notified of answers.",
    );
    if (session.handoff?.url) {
      link.href = session.handoff.url;
      link.textContent = gettext("Open your question");
      show(link, true);
    }
  } else if (reason === "email") {
    title.textContent = gettext("We'll get back to you");
    text.textContent = fmt(gettext("A volunteer will write to %(email)s."), {
      email: session.handoff?.followup_email || gettext("your email address"),
    });
  } else if (reason === "missed") {
    title.textContent = gettext("Sorry, no volunteer could take your chat");
    text.textContent = gettext("All volunteers were busy this time.");
  } else {
    title.textContent = gettext("You left the line");
    text.textContent = gettext("Come back any time. What you wrote is kept for the next time.");
  }
  showScreen("done");
}

function showEnded() {
  banner("");
  if (socket) {
    socket.stop();
    socket = null;
  }
  store.remove(CURRENT_KEY);
  root.dataset.endedSession = session.id; // for the screens beside this one (report a helper)
  const transcript = $('[data-link="transcript"]', root);
  transcript.href = data.transcriptUrl.replace(NULL_ID, session.id);
  show($('[data-field="article-helped"]', root), Boolean(session.article?.id));
  if (session.handoff?.url) showHandoff(session.handoff.url);
  const rated = store.get(`livechat.rated.${session.id}`, false);
  show($('[data-form="rating"]', root), !rated);
  show(bind("rated"), rated);
  showScreen("ended");
  keepConversation();
}

/** The ended chat stays readable above the rating, also after a reload. */
function keepConversation() {
  const screen = $('[data-screen="chat"]', root);
  screen.classList.add("lc-chat--ended");
  show(screen, true);
  ensureLog();
  showQuestion();
  api
    .get(`sessions/${session.id}/messages`, { after_seq: log.lastSeq })
    .then((found) => {
      for (const message of found) log.add(message);
    })
    .catch(() => {});
}

async function submitRating(event) {
  event.preventDefault();
  const values = formData(event.target);
  if (!values.score) {
    bind("rating-error").textContent = gettext("Choose from 1 to 5 stars.");
    $("#lc-score-5").focus();
    return;
  }
  bind("rating-error").textContent = "";
  const helped = values.article_helped;
  try {
    await api.post(`sessions/${session.id}/rating`, {
      score: Number(values.score),
      comment: values.comment || "",
      article_helped: helped === "yes" ? true : helped === "no" ? false : null,
    });
  } catch (error) {
    if (error.code !== "already_rated") {
      bind("rating-error").textContent = error.detail;
      return;
    }
  }
  store.set(`livechat.rated.${session.id}`, true);
  show(event.target, false);
  show(bind("rated"), true);
  bind("rated").focus();
}

function showHandoff(url) {
  const link = bind("handoff-link");
  link.href = url;
  show(link, true);
  show($('[data-action="handoff"]', root), false);
}

/** The forum question as it will be published; the visitor may change the title. Returns
 * the title to publish with, or null when they cancel (or the preview fails). */
async function previewForum(errorEl) {
  let preview;
  try {
    preview = await api.get(`sessions/${session.id}/handoff/preview`);
  } catch (error) {
    showError(errorEl, error);
    return null;
  }
  const titleField = $("#lc-preview-title-input");
  titleField.value = preview.title;
  fill(bind("preview-content"), linkify(preview.content));
  if (!(await confirmDialog($('[data-dialog="forum-preview"]', root)))) return null;
  return titleField.value.trim();
}

async function handOffInstead(to, email = "") {
  bind("done-error").textContent = "";
  const title = to === "forum" ? await previewForum(bind("done-error")) : "";
  if (title === null) return;
  try {
    session = await api.post(`sessions/${session.id}/handoff`, { to, email, title });
  } catch (error) {
    showError(bind("done-error"), error);
    return;
  }
  finish(to);
}

async function handOff() {
  bind("handoff-error").textContent = "";
  const title = await previewForum(bind("handoff-error"));
  if (title === null) return;
  try {
    session = await api.post(`sessions/${session.id}/handoff`, { to: "forum", title });
  } catch (error) {
    showError(bind("handoff-error"), error);
    return;
  }
  if (session.handoff?.url) {
    showHandoff(session.handoff.url);
    bind("handoff-link").focus();
  }
}

// --- Routing by the chat's status ----------------------------------------------------------

function route() {
  if (!session) return;
  const status = session.status;
  if (status === "waiting" || status === "active") {
    store.set(CURRENT_KEY, session.id);
    connect();
    if (status === "waiting") {
      renderPosition(session);
      showScreen("waiting", { focus: root.dataset.screenShown !== "waiting" });
      if (!loadSuggestions.done) {
        loadSuggestions.done = true;
        loadSuggestions();
      }
    } else {
      setHelpers(session.helpers);
      showQuestion();
      showScreen("chat", { focus: false });
      messageField.value = messageField.value || store.get(`livechat.composer.${session.id}`, "");
      messageField.focus();
      announce(announcer, gettext("A volunteer joined the chat."));
    }
    return;
  }
  if (status === "ended") {
    if (session.end_reason === "solved_by_suggestion") finish("solved");
    else showEnded();
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
        showForm(found);
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
  showForm();
}

// --- Wiring --------------------------------------------------------------------------------

form.addEventListener("submit", submitRequest);
form.addEventListener("input", saveDraft);
form.addEventListener("change", saveDraft);
$('[data-form="rating"]', root).addEventListener("submit", submitRating);
$('[data-form="done-email"]', root).addEventListener("submit", (event) => {
  event.preventDefault();
  const email = $("#lc-done-email").value.trim();
  if (!email) {
    bind("done-error").textContent = gettext("Enter the email address to follow up on.");
    $("#lc-done-email").focus();
    return;
  }
  handOffInstead("email", email);
});
root.addEventListener("click", (event) => {
  const target = event.target.closest("[data-action], [data-solved], [data-link]");
  if (!target) return;
  if (target.dataset.solved) solvedBy(target.dataset.solved);
  else if (target.dataset.action === "end" || target.dataset.action === "leave") endChat();
  else if (target.dataset.action === "handoff") handOff();
  else if (target.dataset.action === "end-open-chat") endOpenChat();
  else if (target.dataset.action === "done-forum") handOffInstead("forum");
  else if (target.dataset.link === "transcript" && api.token && data.authenticated !== "1") {
    // Anonymous visitors prove themselves with a header a plain link cannot send.
    event.preventDefault();
    api.download(target.getAttribute("href"), `livechat-${session.id.slice(0, 8)}.txt`);
  }
});
wireTranscriptEmail({ root, api, sessionId: () => session?.id });
showFollowUp(api, bind("follow-up"));
attachments.wire($("[data-attach-button]", root), $("[data-attach-input]", root), {
  sessionId: () => session?.id,
  onSent: (message) => {
    bind("attach-error").textContent = "";
    ensureLog().add(message);
  },
  onError: (error) => {
    bind("attach-error").textContent = error.detail;
  },
});
window.addEventListener("focus", markRead);
document.addEventListener("visibilitychange", markRead);

start();
