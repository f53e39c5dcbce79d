// Tags on the chats open in the console: each chat panel's "Tags" box lists the chat's tags,
// adds one (suggesting the tags already in use, so helpers keep one spelling) and removes one.
// The console's own module owns the panels and their sockets; this one watches panels appear
// and listens for the `tags` frames the console re-dispatches on each panel, so another
// helper's or a supervisor's change shows at once without polling.

import { Api } from "./api.js";
import { $, fill, fmt, gettext, h, show } from "./dom.js";
import { eachChatPanel, toast } from "./panels.js";

const root = document.getElementById("lc-console");
const api = new Api({ root: root.dataset.api });
const bind = (name, scope) => $(`[data-bind="${name}"]`, scope);

function render(panel, tags, canTag) {
  const list = bind("chat-tags", panel);
  fill(
    list,
    tags.map((tag) =>
      h(
        "li",
        { class: "lc-tag" },
        tag,
        canTag
          ? h(
              "button",
              {
                type: "button",
                dataset: { removeTag: tag },
                "aria-label": fmt(gettext("Remove the tag %(tag)s"), { tag }),
              },
              "×",
            )
          : null,
      ),
    ),
  );
  if (!tags.length) list.append(h("li", { class: "lc-hint" }, gettext("No tags yet.")));
}

async function suggest(panel, prefix) {
  try {
    const rows = await api.get("tags", { q: prefix });
    fill(
      bind("tag-options", panel),
      rows.map((row) => h("option", { value: row.tag })),
    );
  } catch {
    /* suggestions are a help, not a requirement */
  }
}

async function setUp(panel) {
  const id = panel.dataset.chat;
  const box = $("[data-tags-panel]", panel);
  if (!id || !box || box.dataset.ready) return;
  box.dataset.ready = "1";
  const input = bind("tag-input", panel);
  input.id = `lc-tag-input-${id}`;
  bind("tag-label", panel).setAttribute("for", input.id);
  const options = bind("tag-options", panel);
  options.id = `lc-tag-options-${id}`;
  input.setAttribute("list", options.id);
  let tags;
  try {
    ({ tags } = await api.get(`sessions/${id}/tags`));
  } catch {
    return; // not on the chat's staff side (a knocking trainee): no tags box
  }
  let canTag = root.dataset.role === "helper" || root.dataset.role === "supervisor";
  render(panel, tags, canTag);
  show(box, true);
  show(bind("tag-form", panel), canTag);

  panel.addEventListener("livechat:frame", (event) => {
    if (event.detail.type === "tags") render(panel, event.detail.tags, canTag);
  });
  input.addEventListener("input", () => suggest(panel, input.value));
  input.addEventListener("focus", () => suggest(panel, input.value), { once: true });
  bind("tag-form", panel).addEventListener("submit", async (event) => {
    event.preventDefault();
    const tag = input.value.trim();
    if (!tag) return;
    try {
      const result = await api.post(`sessions/${id}/tags`, { tag });
      render(panel, result.tags, canTag);
      input.value = "";
    } catch (error) {
      if (error.code === "not_a_tagger") {
        canTag = false;
        show(bind("tag-form", panel), false);
      }
      toast(root, error.detail, { error: true });
    }
  });
  bind("chat-tags", panel).addEventListener("click", async (event) => {
    const button = event.target.closest("[data-remove-tag]");
    if (!button) return;
    try {
      const path = `sessions/${id}/tags/${encodeURIComponent(button.dataset.removeTag)}`;
      const result = await api.request("DELETE", path);
      render(panel, result.tags, canTag);
      input.focus();
    } catch (error) {
      toast(root, error.detail, { error: true });
    }
  });
}

eachChatPanel(setUp);
