// Who else is in a chat: inviting a helper, transferring the chat (to a helper or back to the
// queue) and handing it to one's trainee, each chosen and confirmed in one dialog; and coming
// and going: joining as a monitor, knocking, leaving, letting a knocking trainee in or not.
// ``chat`` is the chat's panel (chat-panel.js); nothing here keeps state.

import { $, confirmDialog, fill, fmt, gettext, h, show } from "../dom.js";
import { failed, toast } from "./alerts.js";
import { api, bind, data, root } from "./context.js";
import { myTrainees } from "./trainees.js";

/** Invite a helper, transfer the chat, or hand it to one's trainee: pick whom, confirm. */
export async function peopleDialog(chat, kind) {
  let options;
  if (kind === "handover") {
    options = myTrainees().map((trainee) =>
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
      await api.post(`sessions/${chat.id}/invite`, { user: value });
      toast(gettext("Invitation sent."));
    } else if (kind === "handover") {
      await api.post(`sessions/${chat.id}/handover`, {
        trainee: Number(value),
        supervised: $("[name=supervised]", dialog).checked,
      });
      toast(gettext("Handed over. You stay in the chat as the mentor."));
      chat.refreshPeople();
    } else {
      const body = type === "helper" ? { helper: value } : { queue: value || null };
      body.note = $("[name=note]", dialog).value;
      await api.post(`sessions/${chat.id}/transfer`, body);
      chat.gone(gettext("You transferred this chat."), { final: true });
    }
  } catch (error) {
    failed(error);
  }
}

/** Join as a monitor, knock, leave, or let a knocking ``user`` in or turn them away. */
export async function participate(chat, action, user = null) {
  try {
    if (action === "join") {
      await api.post(`sessions/${chat.id}/join`, {});
      toast(
        gettext("You joined as a monitor. The visitor does not see you until you write to them."),
      );
    } else if (action === "knock") {
      await api.post(`sessions/${chat.id}/knock`, {});
      chat.showKnock("knocked");
    } else if (action === "leave") {
      await api.post(`sessions/${chat.id}/leave`, {});
      chat.closeNow();
    } else if (action === "admit") {
      await api.post(`sessions/${chat.id}/admit`, { user });
    } else if (action === "turn-away") {
      await api.post(`sessions/${chat.id}/turn-away`, { user });
    }
  } catch (error) {
    failed(error);
  }
}
