"""``/ws/livechat/agent/``: a contributor's console socket."""

from __future__ import annotations

from .. import realtime
from ..callers import caller_from_scope
from ..exceptions import LivechatError
from ..services.contributors import console_feed
from .base import (
    CLOSE_NOT_ALLOWED,
    AccessLost,
    LivechatConsumer,
    db,
)


class AgentConsumer(LivechatConsumer):
    """``/ws/livechat/agent/``: a contributor's console.

    It hears the live queue (new, taken, abandoned, waiting too long, with counts and a
    ``notify`` flag), its own chats, invitations, knocks and presence changes from the user's
    other consoles. ``ping`` is the presence heartbeat and re-checks the permission.
    """

    frames = {"ping": "on_ping"}

    async def connect(self):
        self.caller = caller_from_scope(self.scope)
        if self.caller is None or not self.caller.is_authenticated:
            await self.refuse(CLOSE_NOT_ALLOWED)
            return
        try:
            groups = await db(console_feed.console_groups)(user_id=self.caller.user_id)
        except LivechatError:
            await self.refuse(CLOSE_NOT_ALLOWED)
            return
        if not await self.take_seat(self.caller):
            return
        await self.join(*groups)
        await self.accept()
        for frame in await db(console_feed.console_greeting)(caller=self.caller):
            await self.send_json(frame)

    async def on_ping(self, content: dict) -> None:
        await self.follow(console_feed.heartbeat)
        await self.send_json(realtime.pong_frame())

    async def follow(self, groups_for) -> None:
        """Re-read the caller, then join the groups ``groups_for`` (a console service) says
        they belong in now and leave the others; AccessLost when they have no console."""
        await self.refresh_caller()
        try:
            groups = await db(groups_for)(user_id=self.caller.user_id)
        except LivechatError:
            raise AccessLost() from None
        await self.leave(*[group for group in self.joined if group not in groups])
        await self.join(*groups)

    async def livechat_event(self, event: dict) -> None:
        if not self.closed and event.get("origin") != self.channel_name:
            await self.send_json(event["event"])

    async def livechat_signal(self, event: dict) -> None:
        """``recheck``: the user logged out, was deactivated or lost the permission."""
        if not self.closed and event.get("signal") == "recheck":
            await self.closing_when_gone(self.follow(console_feed.console_groups))
