// The live queue: the chats waiting for a helper, their waiting times ticking, "Take this" and
// "Take next". Owns the list as last fetched.

import { $, $$, fill, fmt, formatElapsed, gettext, h, show } from "../dom.js";
import { failed } from "./alerts.js";
import { api, bind, isHelper, productName, root } from "./context.js";
import { adoptPresence, presenceMark } from "./presence.js";
import { setWaiting } from "./title.js";

let queue = [];
let fetched = 0;
let timer = null;

/** Fetch the queue soon: several reasons to do so in a row make one request. */
export function refreshQueue() {
  if (!isHelper) return;
  window.clearTimeout(timer);
  timer = window.setTimeout(loadQueue, 150);
}

export async function loadQueue() {
  if (!isHelper) return;
  const mark = presenceMark();
  try {
    const result = await api.get("agent/queue");
    queue = result.chats;
    fetched = Date.now();
    if (result.agent) adoptPresence(mark, result.agent);
  } catch (error) {
    if (error.status !== 0) failed(error);
    return;
  }
  renderQueue();
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
          chatTags(
            item,
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
  setWaiting("queue", queue.length);
}

/** A chat's language and product as tags (then ``extra`` ones), in the queue and elsewhere. */
export function chatTags(item, ...extra) {
  return h(
    "span",
    { class: "lc-tags" },
    h("span", { class: "lc-tag lc-tag--locale" }, item.locale),
    item.product ? h("span", { class: "lc-tag lc-tag--product" }, productName(item.product)) : null,
    ...extra,
  );
}

/** Waiting times count up between fetches. */
export function tickQueue() {
  const elapsed = (Date.now() - fetched) / 1000;
  for (const el of $$(".lc-qitem__wait", root)) {
    el.textContent = formatElapsed(Number(el.dataset.waited) + elapsed);
  }
}

/** Claim a chat (the next one without ``sessionId``); hands the claimed chat to ``open``. */
export async function take(sessionId, open) {
  try {
    const session = await api.post("agent/claim", sessionId ? { session: sessionId } : {});
    open(session);
  } catch (error) {
    failed(error);
  }
  refreshQueue();
}
