// "Ban this visitor" in each chat panel of the console: for the chat's helper and supervisors,
// while the chat is open. The server ends the chat, and the console's own socket shows it.

import { Api } from "./api.js";
import { $, gettext, show } from "./dom.js";
import { eachChatPanel, toast } from "./panels.js";

const root = document.getElementById("lc-console");
const api = new Api({ root: root.dataset.api });
const bind = (name, scope) => $(`[data-bind="${name}"]`, scope);
const mayBan = root.dataset.role === "helper" || root.dataset.role === "supervisor";

function setUp(panel) {
  const id = panel.dataset.chat;
  const box = $("[data-ban-panel]", panel);
  if (!id || !box || box.dataset.ready || !mayBan) return;
  box.dataset.ready = "1";
  const form = bind("ban-form", panel);
  for (const [name, label] of [
    ["reason", "ban-reason-label"],
    ["days", "ban-days-label"],
  ]) {
    form.elements[name].id = `lc-ban-${name}-${id}`;
    bind(label, panel).setAttribute("for", form.elements[name].id);
  }
  show(box, true);
  panel.addEventListener("livechat:frame", (event) => {
    const frame = event.detail;
    if (frame.type === "status" && !["waiting", "active"].includes(frame.status)) show(box, false);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = form.elements.reason.value.trim();
    if (!reason) {
      form.elements.reason.focus();
      return;
    }
    const days = form.elements.days.value;
    try {
      await api.post(`sessions/${id}/ban`, { reason, days: days ? Number(days) : null });
    } catch (error) {
      toast(root, error.detail, { error: true });
      return;
    }
    box.open = false;
    show(box, false);
    toast(root, gettext("The visitor is banned and the chat ended."));
  });
}

eachChatPanel(setUp);
