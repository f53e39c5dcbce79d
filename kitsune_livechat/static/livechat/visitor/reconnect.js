// What the visitor is told while the chat's socket is down and when it is back: offline,
// reconnecting, then "Reconnected." for a moment; messages typed meanwhile are marked as
// waiting for the connection (socket.js keeps and resends them). Owns whether the socket was
// down, for the socket it follows.

import { gettext } from "../dom.js";
import { banner } from "./screens.js";

const RECONNECTED_SHOWN_FOR = 2500;

/** Follow ``socket``'s connection in the banner and in ``log``'s pending messages. */
export function followConnection(socket, log) {
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
          if (socket.state === "open") banner("");
        }, RECONNECTED_SHOWN_FOR);
      } else {
        banner("");
      }
      wasDown = false;
    }
  });
}
