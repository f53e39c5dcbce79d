// The helper's own status (online / away / offline) and capacity: the switch, the note under
// the queue, and keeping both in step with the server and the person's other consoles.
// Owns the status and the edits in flight. Auto-away lives in presence-guard.js.

import { $, $$, announce, fmt, gettext, show } from "../dom.js";
import { failed } from "./alerts.js";
import { announcer, api, bind, root } from "./context.js";

let agent = { status: "offline", capacity: Number($("[data-capacity]", root)?.value || 3) };

// Changes are sent one at a time, newest state only, so the server ends where the switch is;
// answers to requests sent before a newer change do not flip the switch back.
let edits = 0;
let pending = 0;
let quietUntil = 0;
let chain = Promise.resolve();

/** Fired after each change reached the server (or failed): the queue depends on it. */
export const presenceEvents = new EventTarget();

export function currentStatus() {
  return agent.status;
}

export function renderPresence() {
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

export function setPresence(status = agent.status) {
  const edit = ++edits;
  const capacity = Number($("[data-capacity]", root)?.value) || agent.capacity;
  agent = { status, capacity };
  renderPresence();
  pending += 1;
  chain = chain.then(async () => {
    try {
      if (edit !== edits) return; // a newer change follows with the newest state
      const result = await api.put("agent/status", { status, capacity });
      if (edit === edits) agent = { status: result.status, capacity: result.capacity };
      announce(
        announcer,
        fmt(gettext("Your status: %(status)s"), { status: statusName(result.status) }),
      );
    } catch (error) {
      failed(error);
      if (edit === edits) await loadPresence();
    } finally {
      pending -= 1;
      // The echoes of this console's own changes may still be on their way.
      quietUntil = Date.now() + 2000;
      renderPresence();
      presenceEvents.dispatchEvent(new Event("settled"));
    }
  });
}

export async function loadPresence() {
  const edit = edits;
  try {
    const status = await api.get("agent/status");
    if (edit === edits) agent = { status: status.status, capacity: status.capacity };
  } catch {
    /* shown as it was */
  }
  renderPresence();
}

/** A mark to pass to ``adoptPresence`` with what a request started now answers. */
export function presenceMark() {
  return edits;
}

/** The server's word on the status, unless the helper changed it since ``mark``. */
export function adoptPresence(mark, { status, capacity }) {
  if (mark !== edits) return;
  agent = { status, capacity };
  renderPresence();
}

/** Another console of the same person changed it. This console's own changes are echoed
 * too, possibly after a newer one: those are ignored. */
export function onPresenceFrame(frame) {
  if (pending || Date.now() < quietUntil) return;
  agent = { status: frame.status, capacity: frame.capacity };
  renderPresence();
}

function statusName(status) {
  return (
    { online: gettext("Online"), away: gettext("Away"), offline: gettext("Offline") }[status] ||
    status
  );
}
