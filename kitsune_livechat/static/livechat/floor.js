// The live floor: one socket (/ws/livechat/floor/) pushes a `floor` snapshot after every change
// and on a timer; this module draws it and keeps ages ticking locally in between. Actions go
// through the HTTP API the console uses: join as monitor, reassign to a helper, end a chat.

import { Api } from "./api.js";
import { $, fill, fmt, formatElapsed, gettext, h, show } from "./dom.js";

const root = document.getElementById("lc-floor");
const data = root.dataset;
const api = new Api({ root: data.api });
const bind = (name) => $(`[data-bind="${name}"]`, root);
const NULL_ID = "00000000-0000-0000-0000-000000000000";

let snapshot = null;
let receivedAt = 0;
let backoff = 1000;

const since = (seconds) =>
  seconds === null || seconds === undefined
    ? "–"
    : formatElapsed(seconds + (Date.now() - receivedAt) / 1000);
const ticking = (seconds) => h("span", { dataset: { age: seconds ?? "" } }, since(seconds));

const percentFormat = new Intl.NumberFormat(document.documentElement.lang || undefined, {
  style: "percent",
});

function percent(level) {
  if (level.share === null) return gettext("no chats yet");
  return fmt(gettext("%(percent)s (%(in_time)s of %(chats)s)"), {
    percent: percentFormat.format(level.share),
    in_time: level.in_time,
    chats: level.chats,
  });
}

function actionsFor(chat) {
  const seatFree = (snapshot.helpers || []).filter(
    (helper) =>
      helper.status === "online" &&
      helper.active < helper.capacity &&
      helper.username !== chat.helper_username,
  );
  const id = `lc-reassign-${chat.id}`;
  return h(
    "div",
    { class: "lc-actions", dataset: { chat: chat.id } },
    h(
      "button",
      { type: "button", class: "lc-btn lc-btn--small", dataset: { act: "join" } },
      gettext("Join as monitor"),
    ),
    h("label", { for: id, class: "lc-sr-only" }, gettext("Reassign to")),
    h(
      "select",
      { id, class: "lc-input lc-floor__select" },
      h("option", { value: "" }, gettext("Reassign to…")),
      seatFree.map((helper) =>
        h("option", { value: helper.username }, helper.name || helper.username),
      ),
    ),
    h(
      "button",
      { type: "button", class: "lc-btn lc-btn--small", dataset: { act: "reassign" } },
      gettext("Reassign"),
    ),
    h(
      "button",
      { type: "button", class: "lc-btn lc-btn--small lc-btn--danger", dataset: { act: "end" } },
      gettext("End chat"),
    ),
  );
}

function render() {
  const floor = snapshot;
  bind("sl-today").textContent = percent(floor.service_level.today);
  bind("sl-hour").textContent = percent(floor.service_level.last_hour);
  bind("waiting-count").textContent = String(floor.waiting.chats.length);
  fill(
    bind("waiting-groups"),
    floor.waiting.groups.length
      ? floor.waiting.groups.map((group) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, group.queue_name),
            h("td", {}, group.locale),
            h("td", { class: "lc-num" }, String(group.count)),
            h("td", { class: "lc-num" }, ticking(group.oldest_seconds)),
          ),
        )
      : h("tr", {}, h("td", { colspan: "4" }, gettext("Nobody is waiting."))),
  );
  fill(
    bind("waiting-chats"),
    floor.waiting.chats.map((chat) =>
      h(
        "li",
        { class: "lc-floor__item" },
        h("strong", {}, chat.problem),
        h(
          "span",
          { class: "lc-hint" },
          ` · ${chat.queue} · ${chat.locale} · `,
          ticking(chat.waited_seconds),
        ),
        h(
          "div",
          { class: "lc-actions", dataset: { chat: chat.id } },
          h(
            "button",
            {
              type: "button",
              class: "lc-btn lc-btn--small lc-btn--danger",
              dataset: { act: "end" },
            },
            gettext("End chat"),
          ),
        ),
      ),
    ),
  );
  const statusNames = { online: gettext("Online"), away: gettext("Away") };
  fill(
    bind("helpers"),
    floor.helpers.length
      ? floor.helpers.map((helper) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, helper.name || helper.username),
            h("td", {}, statusNames[helper.status] || helper.status),
            h("td", { class: "lc-num" }, `${helper.active} / ${helper.capacity}`),
            h("td", { class: "lc-num" }, ticking(helper.idle_seconds)),
          ),
        )
      : h("tr", {}, h("td", { colspan: "4" }, gettext("No helper is online."))),
  );
  show(bind("attention-empty"), floor.attention.length === 0);
  const reasonNames = {
    long: gettext("running long"),
    unanswered: gettext("waiting for a reply"),
  };
  fill(
    bind("attention"),
    floor.attention.map((chat) =>
      h(
        "li",
        { class: "lc-floor__item" },
        h("strong", {}, chat.problem),
        h(
          "span",
          { class: "lc-hint" },
          ` · ${chat.helper} · `,
          chat.reasons.map((reason) => reasonNames[reason] || reason).join(", "),
          " · ",
          ticking(chat.unanswered_seconds ?? chat.running_seconds),
        ),
        actionsFor(chat),
      ),
    ),
  );
}

const dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
  dateStyle: "medium",
  timeStyle: "short",
});

let knownReports = null;

function renderModeration() {
  const { reports = [], bans = [] } = snapshot;
  // A report that arrives while the floor is open is announced, not only listed.
  const fresh = knownReports ? reports.filter((report) => !knownReports.has(report.id)) : [];
  knownReports = new Set(reports.map((report) => report.id));
  if (fresh.length) say(gettext("A visitor reported a helper."));
  document.title = reports.length
    ? `(${reports.length}) ${document.title.replace(/^\(\d+\) /, "")}`
    : document.title.replace(/^\(\d+\) /, "");
  bind("reports-count").textContent = String(reports.length);
  show(bind("reports-empty"), reports.length === 0);
  fill(
    bind("reports"),
    reports.map((report) =>
      h(
        "li",
        { class: "lc-floor__item", dataset: { report: report.id } },
        h("strong", {}, report.helper || gettext("A helper")),
        h("span", { class: "lc-hint" }, ` · ${dateFormat.format(new Date(report.created))}`),
        h("p", { class: "lc-floor__reason" }, report.reason),
        h(
          "button",
          { type: "button", class: "lc-btn lc-btn--small", dataset: { resolve: report.id } },
          gettext("Mark as dealt with"),
        ),
      ),
    ),
  );
  show(bind("bans-empty"), bans.length === 0);
  fill(
    bind("bans"),
    bans.map((ban) =>
      h(
        "li",
        { class: "lc-floor__item" },
        h("strong", {}, ban.account || ban.visitor || gettext("Anonymous visitor")),
        h(
          "span",
          { class: "lc-hint" },
          " · ",
          ban.expires
            ? fmt(gettext("until %(date)s"), { date: dateFormat.format(new Date(ban.expires)) })
            : gettext("until lifted"),
        ),
        h("p", { class: "lc-floor__reason" }, ban.reason),
        h(
          "button",
          { type: "button", class: "lc-btn lc-btn--small", dataset: { lift: ban.id } },
          gettext("Lift the ban"),
        ),
      ),
    ),
  );
}

async function moderate(event) {
  const button = event.target.closest("[data-resolve], [data-lift]");
  if (!button) return;
  button.disabled = true;
  try {
    if (button.dataset.resolve) await api.post(`reports/${button.dataset.resolve}/resolve`);
    else await api.post(`bans/${button.dataset.lift}/lift`);
  } catch (error) {
    say(error.detail);
    button.disabled = false;
  }
}

function tick() {
  for (const el of root.querySelectorAll("[data-age]")) {
    if (el.dataset.age !== "") el.textContent = since(Number(el.dataset.age));
  }
}

function say(text) {
  bind("connection").textContent = text;
}

async function act(event) {
  const button = event.target.closest("[data-act]");
  if (!button) return;
  const id = button.closest("[data-chat]").dataset.chat;
  button.disabled = true;
  try {
    if (button.dataset.act === "join") {
      await api.post(`sessions/${id}/join`);
      window.open(data.observeUrl.replace(NULL_ID, id), `livechat-observe-${id}`);
    } else if (button.dataset.act === "reassign") {
      const helper = button.parentElement.querySelector("select").value;
      if (!helper) return;
      await api.post(`sessions/${id}/transfer`, { helper });
      say(gettext("Chat reassigned."));
    } else if (button.dataset.act === "end") {
      await api.post(`sessions/${id}/end`, { reason: "ended_from_floor" });
      say(gettext("Chat ended."));
    }
  } catch (error) {
    say(error.detail);
  } finally {
    button.disabled = false;
  }
}

function connect() {
  const base = data.ws.startsWith("ws")
    ? data.ws
    : `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${data.ws}`;
  const socket = new WebSocket(`${base.replace(/\/?$/, "/")}floor/`);
  socket.addEventListener("open", () => {
    backoff = 1000;
    say(gettext("Live"));
  });
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type !== "floor") return;
    snapshot = frame;
    receivedAt = Date.now();
    render();
    renderModeration();
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4403) {
      say(gettext("Only supervisors see the floor."));
      return;
    }
    say(gettext("Connection lost. Reconnecting…"));
    window.setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 30_000);
  });
}

root.addEventListener("click", act);
root.addEventListener("click", moderate);
window.setInterval(tick, 1000);
connect();
