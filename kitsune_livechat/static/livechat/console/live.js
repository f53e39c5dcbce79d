// Chats in progress that supervisors may observe and others may knock on. Owns the refresh
// timer; the list itself is fetched afresh each time.

import { fill, gettext, h, show } from "../dom.js";
import { failed } from "./alerts.js";
import { api, bind } from "./context.js";
import { chatTags } from "./queue.js";

let timer = null;

/** Fetch the list soon: several reasons to do so in a row make one request. */
export function loadLiveSoon() {
  window.clearTimeout(timer);
  timer = window.setTimeout(loadLive, 300);
}

export async function loadLive() {
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
          chatTags(item),
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
