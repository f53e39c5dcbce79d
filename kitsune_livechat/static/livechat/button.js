// The chat button on a KB article: asks whether chat is open, full or closed and offers the
// chat, or the fallbacks (the forum, or an email follow-up) with the same question form.

import { Api } from "./api.js";
import { $, fill, fmt, gettext, h, ngettext, show } from "./dom.js";

const REFRESH_EVERY = 60_000;

function describe(availability) {
  const { state, wait_seconds: wait, online, reason } = availability;
  if (state === "open") {
    const who = online
      ? fmt(ngettext("%(n)s volunteer online", "%(n)s volunteers online", online), { n: online })
      : gettext("Volunteers are online");
    const minutes = Math.max(1, Math.round((wait || 0) / 60));
    const eta =
      wait > 30
        ? fmt(ngettext("about %(n)s minute wait", "about %(n)s minutes wait", minutes), {
            n: minutes,
          })
        : gettext("no wait right now");
    return [
      h("span", { class: "lc-dot lc-dot--open", "aria-hidden": "true" }),
      h("strong", {}, who),
      ` · ${eta}`,
    ];
  }
  if (state === "full") {
    return [
      h("span", { class: "lc-dot lc-dot--full", "aria-hidden": "true" }),
      h("strong", {}, gettext("All volunteers are busy.")),
      " ",
      gettext("Try again in a few minutes, or ask in the forum."),
    ];
  }
  const why =
    reason === "after_hours"
      ? gettext("Live chat is closed at this hour.")
      : gettext("No volunteers are online right now.");
  return [
    h("span", { class: "lc-dot lc-dot--closed", "aria-hidden": "true" }),
    h("strong", {}, why),
    " ",
    gettext("Ask in the forum, or leave your email and a volunteer will get back to you."),
  ];
}

/** A focus campaign this visitor matches invites them in its own words. */
function showInvitation(root, focus) {
  let box = $("[data-focus-invitation]", root);
  if (!focus) {
    box?.remove();
    return;
  }
  if (!box) {
    box = h("p", { class: "lc-cta__focus", dataset: { focusInvitation: "" } });
    $(".lc-cta__text", root).append(box);
  }
  fill(box, h("strong", {}, focus.title), focus.description ? ` ${focus.description}` : "");
}

function openWindow(event) {
  // A small window beside the article; without a popup (blocked, or a phone) the link opens a tab.
  const link = event.currentTarget;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  if (window.matchMedia("(max-width: 40rem)").matches) return;
  const popup = window.open(link.href, link.target, "popup,width=480,height=720");
  if (popup) {
    event.preventDefault();
    popup.focus();
  }
}

async function refresh(root, api) {
  const status = $("[data-status]", root);
  let availability;
  try {
    availability = await api.get("availability", { article: root.dataset.article });
  } catch {
    availability = { state: "closed", reason: "error" };
  }
  root.dataset.state = availability.state;
  fill(status, describe(availability));
  showInvitation(root, availability.state === "open" ? availability.focus : null);
  show($("[data-open]", root), availability.state === "open");
  for (const link of root.querySelectorAll("[data-fallback]")) {
    show(link, availability.state !== "open");
  }
}

function setUp(root) {
  const api = new Api({ root: root.dataset.api });
  for (const link of root.querySelectorAll("a[target]")) link.addEventListener("click", openWindow);
  refresh(root, api);
  window.setInterval(() => {
    if (document.visibilityState === "visible") refresh(root, api);
  }, REFRESH_EVERY);
}

for (const root of document.querySelectorAll("[data-livechat-button]")) {
  if (!root.dataset.ready) {
    root.dataset.ready = "1";
    setUp(root);
  }
}
