"""WebSocket doors (DESIGN.md §6): the chat socket and the contributor console socket.

Thin: a client frame is parsed, handed to one service function and answered; events from the
channel layer are forwarded. Access is re-checked through the access gate on every client frame
and on every event that can change who belongs in the chat, so someone removed from a chat stops
receiving at once. Refused sockets are accepted and closed at once with 4403 or 4404 (a close
before accepting cannot carry a code) and get no data.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from . import realtime
from .conf import livechat_settings
from .exceptions import InvalidInput, LivechatError, NotFound
from .models import ChatSession, Message
from .services import cleaning, console, limits, messaging, participants
from .services.access import (
    Caller,
    SessionAccess,
    get_session_for,
    read_visitor_token,
    session_exists,
)

logger = logging.getLogger(__name__)

CLOSE_NOT_ALLOWED = 4403
CLOSE_NO_SUCH_CHAT = 4404
CLOSE_TOO_MANY_SOCKETS = 4429
# A socket opened without a login or token closes unless ``auth`` comes this soon (seconds).
AUTH_TIMEOUT = 10
# Typing, read and other frames may come this many times as often as messages.
FRAME_BUDGET_FACTOR = 5

db = database_sync_to_async


async def spend(budget, *args) -> None:
    """Charge a ``services.limits`` budget: it lives in Django's cache, not the database, so it
    runs off the event loop without database_sync_to_async's connection bookkeeping."""
    await sync_to_async(budget, thread_sensitive=False)(*args)


def caller_from_scope(scope: dict[str, Any]) -> Caller | None:
    """The logged-in user (AuthMiddlewareStack) and/or the anonymous visitor's ``?token=``."""
    user = scope.get("user")
    authenticated = user is not None and user.is_authenticated
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    token = (query.get("token") or [""])[0]
    key = read_visitor_token(token) if token else None
    if not authenticated and not key:
        return None
    return Caller(user=user if authenticated else None, anonymous_key=key or "")


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


class AccessLost(Exception):
    """The caller may no longer be in this chat: the socket is closed with 4403."""


class LivechatConsumer(AsyncJsonWebsocketConsumer):
    """Frame parsing, error frames, group bookkeeping and closing, shared by both sockets."""

    # Client frame type -> method name.
    frames: dict[str, str] = {}

    async def websocket_connect(self, message):
        self.joined: list[str] = []
        self.closed = False
        self.accepted = False
        self.seated: Caller | None = None
        await super().websocket_connect(message)

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

    async def send_error(self, code: str, detail: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail, **extra})

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
        try:
            cleaning.check_structure(content)
            await getattr(self, method)(content)
        except AccessLost:
            await self.shut(CLOSE_NOT_ALLOWED)
        except LivechatError as exc:
            extra = {}
            if isinstance(content.get("client_msg_id"), str):
                extra["client_msg_id"] = content["client_msg_id"]
            await self.send_error(exc.code, exc.detail, **extra)
        except Exception:
            logger.exception("Live chat socket frame %s failed", content["type"])
            await self.send_error("server_error", _("Something went wrong. Please try again."))

    async def on_ping(self, content: dict) -> None:
        await self.send_json({"type": "pong"})


class SessionConsumer(LivechatConsumer):
    """``/ws/livechat/session/<uuid>/``: the visitor, the chat's helpers and its observers.

    Visitor sockets join the chat's group only; staff sockets also join its staff group, so
    whispers, notes and drafts never reach a visitor's socket. A waiting visitor's socket also
    listens to its queue's line and pushes position updates, coalesced.
    """

    frames = {
        "message.send": "on_send",
        "typing": "on_typing",
        "read": "on_read",
        "resume": "on_resume",
        "ping": "on_ping",
        "auth": "on_auth",
    }

    async def connect(self):
        self.session_id = self.scope["url_route"]["kwargs"]["session_id"]
        self.caller = caller_from_scope(self.scope)
        self.access: SessionAccess | None = None
        self.status = ""
        self.position_task: asyncio.Task | None = None
        self.auth_timer: asyncio.Task | None = None
        if self.caller is None and not livechat_settings.ALLOW_ANONYMOUS:
            await self.refuse(CLOSE_NOT_ALLOWED)
            return
        if self.caller is None:
            # An anonymous visitor's token comes in the first frame (``auth``), which keeps it
            # out of URLs and so out of access logs; ``?token=`` still works for old clients.
            await self.accept()
            self.auth_timer = asyncio.ensure_future(self.close_unless_authenticated())
            return
        await self.start()

    async def close_unless_authenticated(self) -> None:
        await asyncio.sleep(AUTH_TIMEOUT)
        if self.caller is None:
            await self.refuse(CLOSE_NOT_ALLOWED)

    async def on_auth(self, content: dict) -> None:
        """``auth {token}``: the first frame of a socket opened without a login or token."""
        if self.caller is not None:
            raise InvalidInput(_("This socket is already signed in."), code="already_authenticated")
        token = content.get("token")
        key = read_visitor_token(token) if isinstance(token, str) and token else None
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        if not key:
            await self.refuse(CLOSE_NOT_ALLOWED)
            return
        self.caller = Caller(anonymous_key=key)
        await self.start()

    async def start(self) -> None:
        """Admit the caller: the access gate, a socket seat, the groups, then the replay."""
        try:
            access = await db(get_session_for)(self.caller, self.session_id)
        except NotFound:
            exists = await db(session_exists)(self.session_id)
            await self.refuse(CLOSE_NOT_ALLOWED if exists else CLOSE_NO_SUCH_CHAT)
            return
        if not await self.take_seat(self.caller):
            return
        # Groups first, then the replay: nothing sent meanwhile can fall in between.
        await self.adopt(access)
        if not self.accepted:
            await self.accept()
        try:
            after_seq = int((self.query().get("after_seq") or ["0"])[0])
        except ValueError:
            after_seq = 0
        await self.replay(after_seq)
        if access.is_staff:
            people = await db(participants.people_for)(
                caller=self.caller, session_id=self.session_id
            )
            await self.send_json({"type": "participants", "participants": people})
        await self.send_json(await db(realtime.current_status)(access.session))

    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.scope.get("query_string", b"").decode("latin-1"))

    async def adopt(self, access: SessionAccess) -> None:
        """Join the groups this caller belongs in now, and leave the others."""
        self.access = access
        self.status = access.session.status
        wanted = [realtime.session_group(access.session.pk)]
        if access.is_staff:
            wanted.append(realtime.session_staff_group(access.session.pk))
        elif self.status == ChatSession.Status.WAITING:
            wanted.append(realtime.line_group(access.session.queue_id))
        await self.leave(*[group for group in self.joined if group not in wanted])
        await self.join(*wanted)

    async def recheck(self) -> None:
        """The access gate again; AccessLost when the caller is no longer in the chat."""
        try:
            access = await db(get_session_for)(self.caller, self.session_id)
        except NotFound:
            raise AccessLost() from None
        await self.adopt(access)

    async def disconnect(self, code):
        for task in (getattr(self, "position_task", None), getattr(self, "auth_timer", None)):
            if task is not None:
                task.cancel()
        await super().disconnect(code)

    # --- Client frames ------------------------------------------------------------------------

    async def on_send(self, content: dict) -> None:
        await spend(limits.spend_message, self.caller)
        try:
            message, created = await db(messaging.send_message)(
                caller=self.caller,
                session_id=self.session_id,
                body=content.get("body"),
                client_msg_id=content.get("client_msg_id"),
                kind=content.get("kind") or Message.Kind.TEXT,
            )
        except NotFound:
            raise AccessLost() from None
        if not created:
            # The group echoed it the first time; a retry gets the stored message directly.
            await self.send_json({"type": "message", **messaging.message_json(message)})

    async def on_typing(self, content: dict) -> None:
        await spend(limits.spend_frame, self.caller, FRAME_BUDGET_FACTOR)
        active = content.get("active", True)
        if not isinstance(active, bool):
            raise InvalidInput(_("active must be true or false."), code="invalid_active")
        try:
            await db(messaging.set_typing)(
                caller=self.caller,
                session_id=self.session_id,
                active=active,
                kind=content.get("kind") or Message.Kind.TEXT,
                origin=self.channel_name,
            )
        except NotFound:
            raise AccessLost() from None

    async def on_read(self, content: dict) -> None:
        await spend(limits.spend_frame, self.caller, FRAME_BUDGET_FACTOR)
        try:
            await db(messaging.mark_read)(
                caller=self.caller,
                session_id=self.session_id,
                seq=content.get("seq"),
                origin=self.channel_name,
            )
        except NotFound:
            raise AccessLost() from None

    async def on_resume(self, content: dict) -> None:
        await spend(limits.spend_frame, self.caller, FRAME_BUDGET_FACTOR)
        after_seq = messaging.clean_seq(content.get("after_seq", 0), name="after_seq")
        await self.recheck()
        await self.replay(after_seq)

    async def replay(self, after_seq: int) -> None:
        """Send every message after ``after_seq`` the caller may see, then ``resumed``.

        The socket is already in its groups, so a message stored during the replay arrives
        live as well; the client drops seqs it has.
        """
        last_seq = after_seq
        while True:
            try:
                access, batch = await db(messaging.history)(
                    caller=self.caller,
                    session_id=self.session_id,
                    after_seq=last_seq,
                    limit=messaging.PAGE_SIZE,
                )
            except NotFound:
                raise AccessLost() from None
            for message in batch:
                await self.send_json({"type": "message", **messaging.message_json(message)})
            if batch:
                last_seq = batch[-1].seq
            if len(batch) < messaging.PAGE_SIZE:
                break
        await self.send_json(
            {"type": "resumed", "last_seq": max(last_seq, access.session.last_seq)}
        )

    # --- Channel layer events -----------------------------------------------------------------

    async def livechat_event(self, event: dict) -> None:
        """Forward a frame, after re-checking access when it may change who is in the chat."""
        if self.closed or event.get("origin") == self.channel_name:
            return
        if event.get("recheck"):
            try:
                await self.recheck()
            except AccessLost:
                await self.shut(CLOSE_NOT_ALLOWED)
                return
        frame = event["event"]
        if (
            frame.get("type") in ("message", "typing")
            and frame.get("kind") in Message.STAFF_ONLY_KINDS
            and not self.access.is_staff
        ):
            return  # never reached here by design (staff group); kept as a second lock
        if frame.get("type") == "status":
            self.status = frame.get("status", self.status)
        await self.send_json(frame)

    async def livechat_signal(self, event: dict) -> None:
        """``line_moved``: recompute this waiting visitor's position, once per burst."""
        if self.closed or event.get("signal") != "line_moved":
            return
        if self.status != ChatSession.Status.WAITING:
            return
        if self.position_task is None or self.position_task.done():
            self.position_task = asyncio.ensure_future(self.push_position())

    async def push_position(self) -> None:
        await asyncio.sleep(livechat_settings.POSITION_PUSH_DELAY)
        try:
            frame = await db(messaging.status_for)(
                caller=self.caller, session_id=self.session_id, change="position"
            )
        except NotFound:
            return
        except Exception:
            logger.exception("Could not compute a waiting visitor's position")
            return
        # A status event handled meanwhile (assigned, ended) is newer than this reading.
        if not self.closed and self.status == ChatSession.Status.WAITING:
            await self.send_json(frame)


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
            groups = await db(console.console_groups)(user_id=self.caller.user_id)
        except LivechatError:
            await self.refuse(CLOSE_NOT_ALLOWED)
            return
        if not await self.take_seat(self.caller):
            return
        await self.join(*groups)
        await self.accept()
        for frame in await db(console.console_greeting)(caller=self.caller):
            await self.send_json(frame)

    async def on_ping(self, content: dict) -> None:
        try:
            groups = await db(console.heartbeat)(user_id=self.caller.user_id)
        except LivechatError:
            raise AccessLost() from None
        await self.leave(*[group for group in self.joined if group not in groups])
        await self.join(*groups)
        await self.send_json({"type": "pong"})

    async def livechat_event(self, event: dict) -> None:
        if not self.closed and event.get("origin") != self.channel_name:
            await self.send_json(event["event"])

    async def livechat_signal(self, event: dict) -> None:
        """Consoles act on no signals yet."""


class NoSuchSocket(LivechatConsumer):
    """Any other path under the chat's prefix: refused with 4404 rather than an error."""

    async def connect(self):
        self.joined, self.closed = [], False
        await self.refuse(CLOSE_NO_SUCH_CHAT)
