// The console's own socket: news for this contributor (the queue moved, a chat was given to
// them or taken away, invitations, knocks, ratings, their status changed elsewhere) turned
// into alerts and updates of the queue, the tabs and the chats in progress.

import { announce, fmt, gettext } from "../dom.js";
import { showRating } from "../rating-panel.js";
import { ChatSocket } from "../socket.js";
import { alertUser, failed, keyedToast, toast } from "./alerts.js";
import { announcer, api, data, socketUrl } from "./context.js";
import { loadLiveSoon } from "./live.js";
import { currentStatus, onPresenceFrame } from "./presence.js";
import { refreshQueue } from "./queue.js";
import { getChat, openChat, selectChat } from "./tabs.js";

export function connectAgent() {
  const socket = new ChatSocket({ url: socketUrl("agent/"), resume: false });
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

function onAgentFrame(frame) {
  if (frame.type === "queue") {
    refreshQueue();
    if (frame.notify && currentStatus() === "online" && frame.session) {
      const title =
        frame.change === "waiting_long"
          ? gettext("A visitor has been waiting a while")
          : gettext("New chat waiting");
      alertUser(title, frame.session.problem || "");
      if (frame.change === "new") announce(announcer, gettext("A new chat is waiting."));
    }
    if (data.role !== "helper") loadLiveSoon();
  } else if (frame.type === "chat") {
    onChatFrame(frame);
  } else if (frame.type === "rating") {
    showRating(getChat(frame.session)?.panel, frame);
  } else if (frame.type === "presence") {
    onPresenceFrame(frame);
  } else if (frame.type === "invitation") {
    onInvitationFrame(frame);
  } else if (frame.type === "knock") {
    onKnockFrame(frame);
    if (data.role !== "helper") loadLiveSoon();
  }
}

function onChatFrame(frame) {
  const id = frame.session?.id;
  if (!id) return;
  if (["assigned", "transferred_in", "joined"].includes(frame.change)) {
    const chat = openChat(id, { mode: frame.change === "joined" ? "observer" : "helper" });
    // New to this helper (given, handed over or transferred) until they write.
    if (frame.change !== "joined") {
      chat.markGiven();
      alertUser(gettext("A chat was given to you"), frame.session.problem || "", () =>
        selectChat(id, { focus: true }),
      );
      announce(announcer, gettext("A chat was given to you."));
    }
    if (chat.mode === "knock") chat.load();
  } else if (frame.change === "transferred_out") {
    getChat(id)?.gone(gettext("This chat was transferred."));
  } else if (frame.change === "left") {
    getChat(id)?.gone(gettext("You left this chat."));
  }
  refreshQueue();
  if (data.role !== "helper") loadLiveSoon();
}

function onInvitationFrame(frame) {
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
}

function onKnockFrame(frame) {
  const session = frame.session || {};
  if (frame.change === "knocking") {
    alertUser(
      gettext("Someone asks to observe"),
      fmt(gettext("%(name)s knocks on your chat."), { name: frame.by }),
    );
    const reveal = () => (getChat(session.id) || openChat(session.id)).revealKnock();
    keyedToast(
      `knock-${session.id}`,
      fmt(gettext("%(name)s asks to observe your chat."), { name: frame.by }),
      { actions: [{ label: gettext("Show"), primary: true, run: reveal }] },
    );
  } else if (frame.change === "admitted") {
    toast(fmt(gettext("%(name)s let you in."), { name: frame.by }));
    const chat = getChat(session.id) || openChat(session.id, { mode: "knock", select: true });
    chat.mode = "observer";
    chat.load();
  } else if (frame.change === "turned_away") {
    getChat(session.id)?.showKnock("turned_away");
  }
}
