"""``/ws/livechat/session/<id>/``: the chat socket of a visitor, helper or observer.

The access gate admits the caller once and again on every event that can change who belongs
in the chat, so someone removed from a chat stops receiving at once. What it answered is kept
as the socket's ``Sender``: messages, typing and read marks go out from it, a message in one
statement that re-checks access itself (the chat open, the caller still in it, the login
standing; run on the event loop itself on PostgreSQL, ``loop_db``), and are published from the
event loop once stored. Anything the statement refuses
goes through the gate again.
"""

from __future__ import annotations

import asyncio
import random
import time
from urllib.parse import parse_qs

from django.utils.translation import gettext as _

from .. import realtime
from ..callers import caller_from_scope, visitor_caller
from ..conf import livechat_settings
from ..exceptions import InvalidInput, NotFound
from ..models import ChatSession, Message
from ..services.conversation import messaging, participants, standing_reads
from ..services.shared import limits, loop_db, notify
from ..services.shared.access import (
    SessionAccess,
    current_access,
    get_session_for,
    session_exists,
)
from .base import (
    AUTH_TIMEOUT,
    CLOSE_NO_SUCH_CHAT,
    CLOSE_NOT_ALLOWED,
    FRAME_BUDGET_FACTOR,
    AccessLost,
    Coalesced,
    LivechatConsumer,
    LoggedOut,
    db,
    logger,
    retried,
)


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
    # A message checks the login in its statement; typing and read marks send nothing that
    # stays, and a logout reaches the socket as a re-check event (``receivers``).
    login_read_by_handler = frozenset({"message.send", "typing", "read"})

    async def connect(self):
        self.session_id = self.scope["url_route"]["kwargs"]["session_id"]
        self.caller = caller_from_scope(self.scope)
        self.access: SessionAccess | None = None
        self.sender: messaging.Sender | None = None
        self.status = ""
        self.position = Coalesced(self.push_position, lambda: livechat_settings.POSITION_PUSH_DELAY)
        # Every message with a seq up to here was sent on this socket, or is not for it.
        self.last_seq = 0
        # The highest seq the caller marked read on this socket, and the highest it stored:
        # written when the socket reads the database anyway (``store_read``).
        self.read_seq = self.read_stored = 0
        self.synced_at = time.monotonic()
        self.resync_task: asyncio.Task | None = None
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
        visitor = visitor_caller(content.get("token"))
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        if visitor is None:
            await self.refuse(CLOSE_NOT_ALLOWED)
            return
        self.caller = visitor
        await self.start()

    async def start(self) -> None:
        """Admit the caller: the access gate, a socket seat, the groups, then the replay."""
        try:
            access = await retried(get_session_for)(self.caller, self.session_id)
        except NotFound:
            exists = await retried(session_exists)(self.session_id)
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
            people = await retried(participants.people_for)(
                caller=self.caller, session_id=self.session_id
            )
            await self.send_json(realtime.participants_frame(people))
        await self.send_json(await retried(notify.current_status)(access.session))
        if livechat_settings.RESYNC_SECONDS:
            self.resync_task = asyncio.ensure_future(self.resync_when_idle())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Frames, layer events and the idle resync take turns, so seqs leave in order.
        self.turn = asyncio.Lock()

    async def dispatch(self, message):
        async with self.turn:
            await super().dispatch(message)

    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.scope.get("query_string", b"").decode("latin-1"))

    async def adopt(self, access: SessionAccess) -> None:
        """Join the groups this caller belongs in now, and leave the others."""
        self.access = access
        self.status = access.session.status
        wanted = [realtime.session_group(access.session.pk)]
        if self.caller.is_authenticated:
            wanted.append(realtime.user_group(self.caller.user_id))
        if access.is_staff:
            wanted.append(realtime.session_staff_group(access.session.pk))
        elif self.status == ChatSession.Status.WAITING:
            wanted.append(realtime.line_group(access.session.queue_id))
        await self.leave(*[group for group in self.joined if group not in wanted])
        await self.join(*wanted)
        self.sender = await retried(messaging.sender_for)(
            self.caller, access, self.session_key, self.sender
        )

    async def recheck(self) -> None:
        """The access gate again; AccessLost when the caller is no longer in the chat."""
        try:
            access = await retried(get_session_for)(self.caller, self.session_id)
        except NotFound:
            raise AccessLost() from None
        await self.adopt(access)

    async def refresh(self) -> None:
        """The caller re-read from the database and the access gate again, in one trip:
        LoggedOut or AccessLost when they may no longer be here."""
        caller, access = await retried(current_access)(
            self.caller, self.session_key, self.session_id
        )
        if caller is None:
            raise LoggedOut()
        self.caller = caller
        if access is None:
            raise AccessLost()
        await self.adopt(access)

    async def resync(self) -> None:
        """Re-check the caller's standing and send whatever the chat holds that this socket
        has not carried. While nothing the gate decided from has changed, that is one read a
        page on PostgreSQL (``catch_up``), elsewhere a read of the sender's ``standing`` and a
        replay if anything is new; the caller and the whole gate again when anything has.

        Live events travel at most once over the channel layer; this read of the database is
        what makes a socket whole again after the layer lost some (a Redis restart, a full
        buffer), without waiting for the next message to show the gap.
        """
        if not await self.catch_up():
            last_seq = None
            if not loop_db.available():
                last_seq = await retried(standing_reads.last_seq)(self.sender.standing)
            if last_seq is None:
                await self.refresh()
                last_seq = self.access.session.last_seq
            if last_seq > self.last_seq:
                await self.replay(announce=False)
        self.synced_at = time.monotonic()
        await self.store_read()

    async def catch_up(self) -> bool:
        """Send what this socket has not carried, in one read a page, while the sender's
        standing holds (PostgreSQL); False when the gate must answer first (``replay``).

        Cheap on purpose: a socket that falls behind the layer under load catches up here,
        and the layer's late copies are dropped, so a backlog costs a read, not the gate.
        """
        if not loop_db.available():
            return False
        covered = None
        while True:
            backlog = await standing_reads.backlog(
                self.sender.backlog, self.last_seq, limit=messaging.PAGE_SIZE
            )
            if backlog is None:
                return False
            last_seq, batch = backlog
            if covered is None:
                covered = last_seq
            for message in batch:
                await self.deliver(realtime.message_frame(messaging.message_json(message)))
            if len(batch) < messaging.PAGE_SIZE:
                break
        self.last_seq = max(self.last_seq, covered)
        return True

    async def store_read(self) -> None:
        """Store the caller's read mark if it moved since the last write: one statement, on a
        trip the socket makes anyway (a resync, the disconnect), never one per ``read``."""
        seq = self.read_seq
        if seq > self.read_stored and self.sender is not None:
            await retried(messaging.store_read)(self.sender, seq)
            self.read_stored = seq

    async def resync_when_idle(self) -> None:
        """Every ``LIVECHAT_RESYNC_SECONDS`` without a resync (a client ``ping`` does one),
        resync: a client that never pings still catches up after a layer outage."""
        while not self.closed:
            # Sockets opened together (a server restart, a reconnect wave) would resync
            # together forever; a random share of the interval spreads them out.
            interval = livechat_settings.RESYNC_SECONDS * random.uniform(0.75, 1.0)
            await asyncio.sleep(max(0.0, self.synced_at + interval - time.monotonic()))
            if self.closed or time.monotonic() - self.synced_at < interval:
                continue
            async with self.turn:
                if self.closed:
                    return
                try:
                    await self.closing_when_gone(self.resync())
                except Exception:
                    logger.exception("Could not resync a chat socket")
                    self.synced_at = time.monotonic()

    async def disconnect(self, code):
        if getattr(self, "position", None) is not None:
            self.position.cancel()
        for task in (getattr(self, name, None) for name in ("resync_task", "auth_timer")):
            if task is not None:
                task.cancel()
        try:
            if getattr(self, "sender", None) is not None:
                await self.store_read()
        except Exception:
            logger.exception("Could not store a read mark")
        await super().disconnect(code)

    # --- Client frames ------------------------------------------------------------------------

    async def on_send(self, content: dict) -> None:
        """One statement stores the message if the socket's standing still holds; it is then
        published from here. Otherwise the gate decides, with the chat's row lock."""
        await limits.aspend_message(self.caller)
        # A send with an id is stored once however often it is tried: safe to retry.
        store = retried if content.get("client_msg_id") else db
        fields = {
            "body": content.get("body"),
            "client_msg_id": content.get("client_msg_id"),
            "kind": content.get("kind") or Message.Kind.TEXT,
        }
        if not self.sender.login_in_statement:
            await self.check_login()
        if loop_db.available():
            message = await messaging.apost(self.sender, **fields)
        else:
            message = await store(messaging.post)(self.sender, **fields)
        if message is not None:
            await self.announce(message)
            return
        # Something changed since the gate last admitted this socket, the id is stored already,
        # or the send needs more than an insert: the caller and the gate again, then the
        # full send (which answers each case).
        await self.refresh()
        try:
            message, created = await store(messaging.send_message)(
                caller=self.caller, session_id=self.session_id, **fields
            )
        except NotFound:
            raise AccessLost() from None
        if message.seq <= self.last_seq:
            # A retry of a message this socket already carried: confirmed, never repeated.
            await self.send_json(realtime.ack_frame(message))
            return
        if created:
            # Published after its commit by the service; the sender hears of it from the row.
            await self.deliver_live(realtime.message_frame(messaging.message_json(message)))
        else:
            # Stored by an earlier try whose answer was lost: announced now, in case its
            # announcement was lost too (sockets drop a seq they already carried).
            await self.announce(message)

    async def announce(self, message: Message) -> None:
        """A message stored by this socket: to the others through the layer, and to this
        socket from the row, in order, whether or not the layer carries it."""
        group, frame = messaging.message_event(message)
        await realtime.publish_now(group, frame, origin=self.channel_name)
        await self.deliver_live(frame)

    async def on_typing(self, content: dict) -> None:
        await limits.aspend_frame(self.caller, FRAME_BUDGET_FACTOR)
        group, frame = messaging.typing_event(
            self.sender,
            status=self.status,
            active=content.get("active", True),
            kind=content.get("kind") or Message.Kind.TEXT,
        )
        await realtime.publish_now(group, frame, origin=self.channel_name)

    async def on_read(self, content: dict) -> None:
        await limits.aspend_frame(self.caller, FRAME_BUDGET_FACTOR)
        seq = messaging.clean_seq(content.get("seq"))
        if seq <= self.last_seq:
            # This socket carried that seq: it exists, and the mark goes out at once.
            group, frame = messaging.read_event(self.sender, seq=seq)
            await realtime.publish_now(group, frame, origin=self.channel_name)
            self.read_seq = max(self.read_seq, seq)
            return
        try:
            await db(messaging.mark_read)(
                caller=self.caller, session_id=self.session_id, seq=seq, origin=self.channel_name
            )
        except NotFound:
            raise AccessLost() from None
        # Stored by ``mark_read`` with the gate's check.
        self.read_seq = max(self.read_seq, seq)
        self.read_stored = max(self.read_stored, seq)

    async def on_ping(self, content: dict) -> None:
        """The client's heartbeat: re-check access and send what this socket missed, then
        ``pong {last_seq}`` (the client's own ``last_seq``, if it sends one, changes nothing:
        the server knows what it sent on this socket)."""
        await limits.aspend_frame(self.caller, FRAME_BUDGET_FACTOR)
        if "last_seq" in content:
            messaging.clean_seq(content["last_seq"], name="last_seq")
        await self.resync()
        await self.send_json(realtime.pong_frame(self.last_seq))

    async def on_resume(self, content: dict) -> None:
        await limits.aspend_frame(self.caller, FRAME_BUDGET_FACTOR)
        after_seq = messaging.clean_seq(content.get("after_seq", 0), name="after_seq")
        # Never replay to someone no longer entitled, even if the event saying so was lost.
        await self.refresh()
        await self.replay(after_seq)

    async def replay(self, after_seq: int = 0, *, announce: bool = True) -> None:
        """Send every message after ``after_seq`` the caller may see and this socket has not
        carried yet, then ``resumed`` (when ``announce``).

        The socket is already in its groups, so a message stored during the replay also
        arrives live; it is dropped then, having been covered here. A message this socket
        already carried is never sent again, whatever ``after_seq`` a ``resume`` asks for.
        """
        self.last_seq = max(self.last_seq, after_seq)
        covered = None
        while True:
            try:
                access, batch = await retried(messaging.history)(
                    caller=self.caller,
                    session_id=self.session_id,
                    after_seq=self.last_seq,
                    limit=messaging.PAGE_SIZE,
                )
            except NotFound:
                raise AccessLost() from None
            if covered is None:
                # Every seq up to the chat's counter as read here is committed, so the pages
                # read after it hold all of them this caller may see.
                covered = access.session.last_seq
            for message in batch:
                await self.deliver(realtime.message_frame(messaging.message_json(message)))
            if len(batch) < messaging.PAGE_SIZE:
                break
        self.last_seq = max(self.last_seq, covered)
        if announce:
            await self.send_json(realtime.resumed_frame(self.last_seq))

    async def deliver(self, frame: dict) -> None:
        """Send a ``message`` frame unless this socket already carried its seq."""
        if frame["seq"] <= self.last_seq:
            return
        self.last_seq = frame["seq"]
        await self.send_json(frame)

    async def deliver_live(self, frame: dict) -> None:
        """A message from the channel layer: in order, once.

        A seq beyond the next one may mean the layer lost some (an outage, a restart): the
        gap is read from the database first. Whispers the visitor may not see leave gaps too;
        the read then finds nothing to add, and moves this socket past them.
        """
        if frame["seq"] <= self.last_seq:
            return
        if frame["seq"] > self.last_seq + 1 and not await self.catch_up():
            await self.replay(announce=False)
        await self.deliver(frame)

    # --- Channel layer events -----------------------------------------------------------------

    async def livechat_event(self, event: dict) -> None:
        """Forward a frame, after re-checking access when it may change who is in the chat."""
        if self.closed or event.get("origin") == self.channel_name:
            return
        if event.get("recheck") and not await self.closing_when_gone(self.recheck()):
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
        if frame.get("type") == "message":
            await self.closing_when_gone(self.deliver_live(frame))
            return
        await self.send_json(frame)

    async def livechat_signal(self, event: dict) -> None:
        """``recheck``: the user's access may have changed (logout, deactivation, permissions);
        ``line_moved``: recompute this waiting visitor's position, once per burst."""
        if self.closed:
            return
        if event.get("signal") == "recheck":
            await self.closing_when_gone(self.refresh())
            return
        if event.get("signal") != "line_moved":
            return
        if self.status != ChatSession.Status.WAITING:
            return
        self.position.poke()

    async def push_position(self) -> None:
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
