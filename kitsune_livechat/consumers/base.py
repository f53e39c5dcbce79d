"""What every socket door shares: frame parsing, error frames, seats, groups and closing.

Thin: a client frame is parsed, handed to one service function and answered; events from the
channel layer are forwarded. Refused sockets are accepted and closed at once with 4403 or 4404
(a close before accepting cannot carry a code) and get no data.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from .. import realtime
from ..conf import livechat_settings
from ..exceptions import InvalidInput, LivechatError
from ..services.shared import cleaning, limits
from ..services.shared.access import (
    Caller,
    current_caller,
    login_session_alive,
)
from ..services.shared.transient import retry_transient

logger = logging.getLogger(__name__)

CLOSE_LOGGED_OUT = 4401
CLOSE_NOT_ALLOWED = 4403
CLOSE_NO_SUCH_CHAT = 4404
CLOSE_TOO_MANY_SOCKETS = 4429
# A socket opened without a login or token closes unless ``auth`` comes this soon (seconds).
AUTH_TIMEOUT = 10
# Typing, read and other frames may come this many times as often as messages.
FRAME_BUDGET_FACTOR = 5

db = database_sync_to_async


def retried(func):
    """``func`` in the database thread, tried again on a fresh connection when it drops."""

    async def call(*args, **kwargs):
        return await db(retry_transient)(func, *args, **kwargs)

    return call


async def spend(budget, *args) -> None:
    """Charge a ``services.shared.limits`` budget: it lives in Django's cache, not the database, so
    it runs off the event loop without database_sync_to_async's connection bookkeeping."""
    await sync_to_async(budget, thread_sensitive=False)(*args)


def parse_frame(text_data: str | None) -> dict:
    """A client frame as a JSON object with a ``type``, or InvalidInput naming what is wrong.

    Size is checked before parsing, so no frame makes the server hold more than the protocol
    needs; its contents are checked by ``cleaning.check_structure`` before dispatch.
    """
    if text_data is None:
        raise InvalidInput(_("Frames must be JSON text."), code="invalid_frame")
    if len(text_data) > livechat_settings.MAX_FRAME_SIZE:
        raise InvalidInput(_("The frame is too large."), code="frame_too_large")
    try:
        content = json.loads(text_data)
    except (ValueError, RecursionError):
        raise InvalidInput(_("The frame is not valid JSON."), code="invalid_json") from None
    if not isinstance(content, dict) or not isinstance(content.get("type"), str):
        raise InvalidInput(_("A frame is a JSON object with a type."), code="invalid_frame")
    return content


class Coalesced:
    """Runs ``job`` once per burst of ``poke()``s, ``delay()`` seconds after the first. A poke
    that comes once the job has begun to read may be missing from what it read, so it runs the
    job again afterwards: the last change of a burst is never left out."""

    def __init__(self, job: Callable[[], Awaitable[None]], delay: Callable[[], float]):
        self.job = job
        self.delay = delay
        self.pending = False
        self.task: asyncio.Task | None = None

    def poke(self) -> None:
        self.pending = True
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while self.pending:
            await asyncio.sleep(self.delay())
            self.pending = False
            await self.job()

    def cancel(self) -> None:
        self.pending = False
        if self.task is not None:
            self.task.cancel()


class AccessLost(Exception):
    """The caller may no longer be in this chat: the socket is closed with 4403."""


class LoggedOut(Exception):
    """The socket's login session ended or its account was deactivated: closed with 4401."""


class LivechatConsumer(AsyncJsonWebsocketConsumer):
    """Frame parsing, error frames, group bookkeeping and closing, shared by both sockets."""

    # Client frame type -> method name.
    frames: dict[str, str] = {}
    # Frames whose handler answers for the caller's login itself; every other frame reads it.
    login_read_by_handler: frozenset[str] = frozenset()

    async def websocket_connect(self, message):
        self.joined: list[str] = []
        self.closed = False
        self.accepted = False
        self.gone = False
        self.seated: Caller | None = None
        # The login session the socket was opened with: a logout ends it.
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        await super().websocket_connect(message)

    async def dispatch(self, message):
        """Channels' dispatch without its ``close_old_connections`` before every message: that
        is a trip to the one database thread for each frame and layer event, queued behind the
        chat's database work. Every database call here goes through ``database_sync_to_async``,
        which closes stale connections around itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def check_login(self) -> None:
        """Every client frame: the login session is still there (one read). LoggedOut if not."""
        if not await retried(login_session_alive)(self.caller, self.session_key):
            raise LoggedOut()

    async def refresh_caller(self) -> None:
        """The caller read again from the database (account, permissions): on ``ping`` and
        when an event says their access may have changed. LoggedOut when they are gone."""
        caller = await db(current_caller)(self.caller, self.session_key)
        if caller is None:
            raise LoggedOut()
        self.caller = caller

    async def take_seat(self, caller: Caller) -> bool:
        """One of the caller's open-socket seats; refused with 4429 when all are taken."""
        try:
            await spend(limits.open_socket, caller)
        except LivechatError:
            await self.refuse(CLOSE_TOO_MANY_SOCKETS)
            return False
        self.seated = caller
        return True

    async def refuse(self, code: int) -> None:
        """Accept and close at once: the client sees the code, and no data."""
        self.closed = True
        if not self.accepted:
            await self.accept()
        await self.close(code=code)

    async def accept(self, subprotocol=None, headers=None):
        self.accepted = True
        await super().accept(subprotocol, headers)

    async def shut(self, code: int) -> None:
        """Close a connection that was open: stop receiving first."""
        if self.closed:
            return
        self.closed = True
        await self.leave(*self.joined)
        await self.close(code=code)

    async def join(self, *groups: str) -> None:
        for group in groups:
            if group not in self.joined:
                await self.channel_layer.group_add(group, self.channel_name)
                self.joined.append(group)

    async def leave(self, *groups: str) -> None:
        for group in list(groups):
            if group in self.joined:
                self.joined.remove(group)
                await self.channel_layer.group_discard(group, self.channel_name)

    async def disconnect(self, code):
        self.closed = True
        await self.leave(*self.joined)
        if getattr(self, "seated", None) is not None:
            caller, self.seated = self.seated, None
            await spend(limits.close_socket, caller)

    async def send_json(self, content, close=False):
        """A frame for the client, dropped once the client has gone.

        A client that vanished mid-send (no close handshake) makes the ASGI server refuse the
        send; the disconnect event follows and frees the socket's seat and groups. Raising here
        instead would end the consumer before that event, keeping its seat for good.
        """
        if self.gone:
            return
        text = await self.encode_json(content)
        try:
            await self.send(text_data=text, close=close)
        except Exception:  # the server's "client disconnected", whatever its class
            self.gone = True
            logger.info("Live chat socket: the client left before a frame reached it")

    async def send_error(self, code: str, detail: str, **extra: Any) -> None:
        await self.send_json(realtime.error_frame(code, detail, **extra))

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Every client frame: parse, dispatch, and answer any failure with an ``error``."""
        if self.closed:
            return
        try:
            content = parse_frame(text_data)
        except InvalidInput as exc:
            await self.send_error(exc.code, exc.detail)
            return
        if getattr(self, "caller", None) is None and content["type"] != "auth":
            await self.send_error("not_authenticated", _("Send your visitor token first."))
            return
        method = self.frames.get(content["type"])
        if method is None:
            await self.send_error("unknown_type", _("Unknown frame type."), frame=content["type"])
            return
        # Every failure names the send it belongs to, so the client can keep it and try again
        # (a retry is stored once, by its id).
        extra = {}
        if isinstance(content.get("client_msg_id"), str):
            extra["client_msg_id"] = content["client_msg_id"]
        try:
            cleaning.check_structure(content)
            await self.closing_when_gone(self.handle(method, content))
        except LivechatError as exc:
            await self.send_error(exc.code, exc.detail, **extra)
        except Exception:
            logger.exception("Live chat socket frame %s failed", content["type"])
            await self.send_error(
                "server_error", _("Something went wrong. Please try again."), **extra
            )

    async def handle(self, method: str, content: dict) -> None:
        # A ping re-reads the whole caller.
        if content["type"] not in ("ping", "auth", *self.login_read_by_handler):
            await self.check_login()
        await getattr(self, method)(content)

    async def closing_when_gone(self, step) -> bool:
        """Await ``step``; close the socket when it finds the login ended (4401) or the caller
        no longer allowed (4403). True when it ran through."""
        try:
            await step
        except LoggedOut:
            await self.shut(CLOSE_LOGGED_OUT)
        except AccessLost:
            await self.shut(CLOSE_NOT_ALLOWED)
        else:
            return True
        return False

    async def on_ping(self, content: dict) -> None:
        await self.send_json(realtime.pong_frame())


class NoSuchSocket(LivechatConsumer):
    """Any other path under the chat's prefix: refused with 4404 rather than an error."""

    async def connect(self):
        self.joined, self.closed = [], False
        await self.refuse(CLOSE_NO_SUCH_CHAT)
