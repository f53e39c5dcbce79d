"""``/ws/livechat/floor/``: the supervisors' live floor view.

On connecting, a supervisor gets a ``floor`` frame (the snapshot of ``services.insights.floor``); a
new one follows every change to the line, a chat's status or a helper's presence (the
``floor_changed`` signal, coalesced to one snapshot per burst) and every
``LIVECHAT_FLOOR_REFRESH_SECONDS`` for the ages and the service level. The permission is checked
again for every snapshot, so a supervisor who loses it is disconnected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from .. import realtime
from ..callers import caller_from_scope
from ..conf import livechat_settings
from ..exceptions import LivechatError
from ..services.insights import floor
from .base import CLOSE_NOT_ALLOWED, Coalesced, LivechatConsumer, db

logger = logging.getLogger(__name__)

# Changes within this many seconds are answered with one snapshot.
COALESCE_SECONDS = 0.3


class FloorConsumer(LivechatConsumer):
    frames = {"ping": "on_ping", "refresh": "on_refresh"}

    async def connect(self):
        self.caller = caller_from_scope(self.scope)
        self.changes = Coalesced(self.push, lambda: COALESCE_SECONDS)
        self.timer: asyncio.Task | None = None
        try:
            if self.caller is None:
                raise LivechatError()
            frame = await self.frame()
        except LivechatError:
            await self.refuse(CLOSE_NOT_ALLOWED)
            return
        await self.join(realtime.FLOOR_GROUP)
        await self.accept()
        await self.send_json(frame)
        self.timer = asyncio.ensure_future(self.tick())

    async def frame(self) -> dict:
        snapshot = await db(floor.snapshot)(caller=self.caller)
        return realtime.floor_frame(snapshot)

    async def push(self) -> None:
        if self.closed:
            return
        try:
            frame = await self.frame()
        except LivechatError:
            await self.shut(CLOSE_NOT_ALLOWED)
            return
        except Exception:
            logger.exception("Could not compute the floor")
            return
        if not self.closed:
            await self.send_json(frame)

    async def tick(self) -> None:
        while not self.closed:
            await asyncio.sleep(livechat_settings.FLOOR_REFRESH_SECONDS)
            await self.push()

    async def on_refresh(self, content: dict) -> None:
        await self.push()

    async def livechat_event(self, event: dict) -> None:
        """The floor forwards no frames of others; it only listens for signals."""

    async def livechat_signal(self, event: dict) -> None:
        if self.closed or event.get("signal") != "floor_changed":
            return
        self.changes.poke()

    async def disconnect(self, code):
        await super().disconnect(code)
        self.changes.cancel()
        for task in (self.changes.task, self.timer):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
