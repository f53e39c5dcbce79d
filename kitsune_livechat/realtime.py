"""Every channel-layer group name and event payload, sent only after the data is committed.

The channel layer carries notifications only (at-most-once); PostgreSQL is the source of truth,
so a client that misses an event catches up by replaying from the database. Nothing else in the
app calls ``group_send`` or assembles a protocol frame, and every frame is built from the data
the caller passes in: this module imports no service and reads nothing (``services.shared.notify``
reads what the status and queue events carry). A publish does not hold up its caller: under
ASGI the committing thread hands its events to the server's event loop, which publishes them in
commit order while the response goes out (a writer waits only when the layer lags far behind).
While the layer is down publishing is given up quickly, and sockets catch up from the database
when they resync.

Two kinds of events travel on the layer:

- ``livechat.event`` carries a frame (docs/websocket-protocol.md) that consumers forward to their
  client. ``recheck=True`` marks a frame that may change who belongs in the chat (assignment,
  transfer, participants): every socket re-checks its caller's access before forwarding it, so a
  helper removed by a transfer stops receiving at once.
- ``livechat.signal`` tells consumers to do something themselves and is never forwarded, e.g.
  ``line_moved``: waiting visitors recompute their position, coalesced to one push per visitor.
"""

import asyncio
import concurrent.futures
import logging
import os
import threading
import time
from collections import deque
from typing import Any

from asgiref.sync import SyncToAsync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# Consumers implement ``livechat_event`` and forward ``event`` to their client.
HANDLER = "livechat.event"
# Consumers implement ``livechat_signal`` and act on it; it never reaches a client as is.
SIGNAL_HANDLER = "livechat.signal"

# Queue changes that should make a console ring (sound or desktop notification).
NOTIFY_CHANGES = frozenset({"new", "waiting_long"})

# --- Group names ------------------------------------------------------------------------------


def session_group(session_id) -> str:
    """Everyone connected to a chat, the visitor included."""
    return f"livechat.session.{_hex(session_id)}"


def session_staff_group(session_id) -> str:
    """Helpers and observers of a chat: whispers, notes and drafts go here only."""
    return f"livechat.staff.{_hex(session_id)}"


def agent_group(user_id: int) -> str:
    """Every open console of one contributor."""
    return f"livechat.agent.{user_id}"


def user_group(user_id: int) -> str:
    """Every chat socket of one user: told to re-check when their access may have changed."""
    return f"livechat.user.{user_id}"


def line_group(queue_id: int) -> str:
    """The sockets of visitors waiting in one queue: told when the line moves."""
    return f"livechat.line.{queue_id}"


QUEUE_GROUP = "livechat.queue"
"""Every open contributor console: live queue changes."""

FLOOR_GROUP = "livechat.floor"
"""Every open floor view (supervisors): told when the line, a chat or a presence changed."""


def _hex(session_id) -> str:
    return getattr(session_id, "hex", None) or str(session_id).replace("-", "")


# --- Sending ----------------------------------------------------------------------------------


# A publish that takes longer than this is given up: the layer is down or drowning, and the
# caller (a send, under the database thread) must not wait on it.
PUBLISH_TIMEOUT = 0.5
# After a failed publish, the next ones within this many seconds are skipped rather than each
# waiting out the timeout; sockets read what they missed from the database when they resync.
PAUSE_AFTER_FAILURE = 1.0
_paused_until = 0.0


async def _send(group: str, message: dict[str, Any]) -> None:
    """Send one message to the layer within ``PUBLISH_TIMEOUT``; a failure is logged, never
    raised, and publishing pauses for ``PAUSE_AFTER_FAILURE``."""
    global _paused_until
    layer = get_channel_layer()
    if layer is None or time.monotonic() < _paused_until:
        return
    try:
        await asyncio.wait_for(layer.group_send(group, message), PUBLISH_TIMEOUT)
    except Exception:
        _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
        logger.exception("Could not publish %s to %s", message.get("event", {}).get("type"), group)


# Per event loop: the events waiting to be published, in the order they were committed. One
# drain per loop publishes them one after another (channels_redis sends one at a time on a
# connection anyway), so the order across groups is the commit order too.
_outbox: dict[asyncio.AbstractEventLoop, deque] = {}
# Past this many waiting events the committing thread waits for its own to go out, as it would
# with a blocking publish: a lagging layer slows the writers down instead of piling up events.
OUTBOX_LIMIT = 200
# The longest a held-back writer waits (the layer is then down and publishing paused).
OUTBOX_WAIT = 5.0


async def _drain(loop: asyncio.AbstractEventLoop) -> None:
    """Publish one loop's outbox in order until it is empty."""
    pending = _outbox[loop]
    try:
        while pending:
            group, message, done = pending.popleft()
            await _send(group, message)
            if done is not None:
                done.set_result(None)
    finally:
        del _outbox[loop]
        for _group, _message, done in pending:  # cancelled with the loop: free the writers
            if done is not None:
                done.set_result(None)


def _enqueue(loop: asyncio.AbstractEventLoop, item: tuple) -> None:
    """On ``loop``: add to its outbox, starting the drain when none is running."""
    pending = _outbox.get(loop)
    if pending is None:
        pending = _outbox[loop] = deque()
        loop.create_task(_drain(loop))
    pending.append(item)


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop a sync view or ``database_sync_to_async`` thread was started from, as
    asgiref records it for ``async_to_sync``; None in a thread of no server (WSGI, commands)."""
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() and not loop.is_closed() else None


# A process with no server loop (a WSGI worker, a command) publishes from one loop of its own,
# in a daemon thread: its channel layer keeps its connections, where a new loop per event (what
# ``async_to_sync`` does in such a thread) would open a new Redis connection for every event.
_publisher: tuple[int, asyncio.AbstractEventLoop] | None = None
_publisher_lock = threading.Lock()


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """This process's own publishing loop, started on first use (again after a fork)."""
    global _publisher
    with _publisher_lock:
        if _publisher is None or _publisher[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(
                target=loop.run_forever, name="livechat-publisher", daemon=True
            ).start()
            _publisher = (os.getpid(), loop)
        return _publisher[1]


def _send_on_commit(group: str, message: dict[str, Any]) -> None:
    def send() -> None:
        loop = _server_loop()
        # Under ASGI the request's thread hands the event to the server's loop and goes on:
        # the response does not wait for the channel layer, unless the layer lags far behind.
        # Elsewhere the publisher loop sends it and the caller waits, so a command that exits
        # right after has published what it committed.
        backlog = len(_outbox.get(loop, ())) if loop else 0
        wait = loop is None or backlog >= OUTBOX_LIMIT
        loop = loop or _publisher_loop()
        done = concurrent.futures.Future() if wait else None
        try:
            loop.call_soon_threadsafe(_enqueue, loop, (group, message, done))
        except RuntimeError:  # the loop closed meanwhile: the event is dropped (at most once)
            logger.warning("Could not publish %s to %s: loop closed", message.get("type"), group)
            return
        if done is not None:
            try:
                done.result(timeout=OUTBOX_WAIT)
            except concurrent.futures.TimeoutError:
                logger.warning("Publishing lags: %d events waiting", len(_outbox.get(loop, ())))

    transaction.on_commit(send)


def _message(event: dict[str, Any], *, recheck: bool = False, origin: str = "") -> dict[str, Any]:
    message: dict[str, Any] = {"type": HANDLER, "event": event}
    if recheck:
        message["recheck"] = True
    if origin:
        message["origin"] = origin
    return message


async def publish_now(group: str, event: dict[str, Any], *, origin: str = "") -> None:
    """``publish`` from the event loop, for data already committed (a socket's message, stored
    in autocommit) or never stored (typing, read marks): no thread, no transaction to wait for.
    A failing layer is logged and skipped for a moment, as in ``publish``."""
    await _send(group, _message(event, origin=origin))


def publish(group: str, event: dict[str, Any], *, recheck: bool = False, origin: str = "") -> None:
    """Send ``event`` (a protocol frame with a ``type``) to ``group`` once the transaction commits.

    Outside a transaction it is sent at once (handed to the server's event loop under ASGI,
    awaited elsewhere). A failing channel layer is logged, never raised:
    the data is already stored and clients recover it by resuming. ``recheck`` makes every
    receiving socket re-check its access first; ``origin`` (a channel name) is not echoed back
    to the socket that caused the event (typing, read marks).
    """
    _send_on_commit(group, _message(event, recheck=recheck, origin=origin))


def signal(group: str, name: str, **data: Any) -> None:
    """Tell the consumers in ``group`` to act (``livechat_signal``), after commit."""
    _send_on_commit(group, {"type": SIGNAL_HANDLER, "signal": name, **data})


# --- Frames and the events that carry them ----------------------------------------------------


def session_summary(session) -> dict[str, Any]:
    """What a console shows for a chat in its lists: never the visitor's email or account."""
    return {
        "id": str(session.pk),
        "status": session.status,
        "queue": session.queue_id,
        "locale": session.locale,
        "product": session.product,
        "problem": session.problem[:200],
        "article": {"title": session.article_title, "url": session.article_url},
        "created": session.created.isoformat(),
    }


def status_frame(
    session,
    *,
    helpers: list[dict[str, str]],
    change: str = "",
    position: int | None = None,
    wait_seconds: int | None = None,
) -> dict[str, Any]:
    """``status {status, change, position, wait_seconds, helpers, read}`` for a chat's sockets.

    ``change`` says what happened (assigned, transferred, ended, participants, position...);
    ``helpers`` lists the people the visitor may see, by display name; ``read`` the stored read
    marks (``read_marks``), so a client rebuilding the chat shows them again.
    """
    return {
        "type": "status",
        "status": session.status,
        "change": change,
        "position": position,
        "wait_seconds": wait_seconds,
        "helpers": helpers,
        "read": read_marks(session),
    }


def read_marks(session) -> dict[str, int]:
    """``{visitor, staff}``: the highest seq the visitor and the staff they may know of have
    read, as stored (live ``read`` frames may be ahead)."""
    return {"visitor": session.visitor_read_seq, "staff": session.staff_read_seq}


def ack_frame(message) -> dict[str, Any]:
    """``ack {client_msg_id, seq}``: a retried send whose message this socket already carried.

    The message itself is not sent again (a socket never gets a seq twice), so the client
    learns from this that its send is stored.
    """
    return {"type": "ack", "client_msg_id": message.client_msg_id, "seq": message.seq}


def session_status_changed(
    session,
    *,
    helpers: list[dict[str, str]],
    change: str,
    position: int | None = None,
    wait_seconds: int | None = None,
    floor: bool = True,
) -> None:
    """A chat was assigned, transferred, requeued or ended: tell every socket of it.

    Every receiving socket re-checks its access first, so whoever left the chat (a helper
    transferred away) is disconnected instead of told. ``floor=False``: the caller signals the
    floor itself, with another event of the same change.
    """
    frame = status_frame(
        session, helpers=helpers, change=change, position=position, wait_seconds=wait_seconds
    )
    publish(session_group(session.pk), frame, recheck=True)
    if floor:
        floor_changed()


def participants_changed(
    session, participants: list[dict[str, Any]], *, helpers: list[dict[str, str]] | None
) -> None:
    """Someone was invited, knocked, joined or left: staff get the full list, and the visitor
    a ``status`` with the visible names (``helpers``) only when those changed, None otherwise
    (an invisible monitor joining must not show). Both re-check access, so whoever left stops
    receiving at once."""
    publish(
        session_staff_group(session.pk),
        {"type": "participants", "participants": participants},
        recheck=True,
    )
    if helpers is not None:
        frame = status_frame(session, helpers=helpers, change="participants")
        publish(session_group(session.pk), frame, recheck=True)


def access_changed(user_id: int) -> None:
    """A user logged out, was deactivated or lost (or gained) a permission or group: each of
    their chat sockets and consoles re-reads them from the database and closes if they may no
    longer be there."""
    signal(user_group(user_id), "recheck")
    signal(agent_group(user_id), "recheck")


def line_moved(queue_id: int) -> None:
    """The line of a queue changed (a chat joined, was taken or left it).

    Each waiting visitor's socket recomputes its own position and wait, at most once per
    ``LIVECHAT_POSITION_PUSH_DELAY``, so a burst of changes sends one update per visitor.
    """
    signal(line_group(queue_id), "line_moved", queue=queue_id)


def queue_frame(session, *, change: str, counts: dict[str, int]) -> dict[str, Any]:
    """``queue {change, session, counts, notify}`` for the live queue of every console.

    ``change`` is new, taken, abandoned, missed, requeued or waiting_long; ``notify`` asks the
    console for a sound or desktop notification.
    """
    return {
        "type": "queue",
        "change": change,
        "session": session_summary(session),
        "counts": counts,
        "notify": change in NOTIFY_CHANGES,
    }


def queue_changed(session, *, change: str, counts: dict[str, int]) -> None:
    """A chat joined, left or waits too long in a line: every console's queue and counts."""
    publish(QUEUE_GROUP, queue_frame(session, change=change, counts=counts))
    floor_changed()


def agent_chat_changed(user_id: int, session, *, change: str) -> None:
    """One contributor's own chats changed (assigned, transferred_in, transferred_out, ended,
    joined, left): every console they have open updates its tabs."""
    publish(
        agent_group(user_id),
        {"type": "chat", "change": change, "session": session_summary(session)},
    )


def chat_rated(user_id: int, session, rating) -> None:
    """``rating {session, score, comment, article_helped}`` to the chat's helper's consoles, so
    they see the visitor's verdict beside the chat they just ended."""
    publish(
        agent_group(user_id),
        {
            "type": "rating",
            "session": str(session.pk),
            "score": rating.score,
            "comment": rating.comment,
            "article_helped": rating.article_helped,
        },
    )


def presence_changed(user_id: int, *, status: str, capacity: int) -> None:
    """A contributor's status changed in one console: the others follow."""
    publish(agent_group(user_id), {"type": "presence", "status": status, "capacity": capacity})
    floor_changed()


def invitation_frame(session, *, change: str, by: str, role: str = "helper") -> dict[str, Any]:
    """``invitation {change, role, by, session}``; ``by`` is a display name.

    ``change`` is invited (to the invitee), accepted or declined (to the inviter).
    """
    return {
        "type": "invitation",
        "change": change,
        "role": role,
        "by": by,
        "session": session_summary(session),
    }


def invitation(user_id: int, session, *, change: str, by: str, role: str = "helper") -> None:
    """An invitation for one contributor's consoles, or the answer to one for the inviter's."""
    publish(agent_group(user_id), invitation_frame(session, change=change, by=by, role=role))


def knock(user_id: int, session, *, change: str, by: str) -> None:
    """``knock {change, session, by}``: a trainee asks to observe (to the chat's helper) or was
    admitted or turned away (to the trainee)."""
    publish(
        agent_group(user_id),
        {"type": "knock", "change": change, "by": by, "session": session_summary(session)},
    )


def tags_changed(session, tags: list[str], *, by: str) -> None:
    """``tags {tags, by}``: a chat's tags changed; its staff sockets (never the visitor) update
    the tag list. ``by`` is the display name of who changed them."""
    publish(session_staff_group(session.pk), {"type": "tags", "tags": tags, "by": by})


def floor_changed() -> None:
    """Something the floor view shows changed: each open floor recomputes its snapshot, at most
    once per burst (``floor_changed`` signal)."""
    signal(FLOOR_GROUP, "floor_changed")


# --- Chat frames: messages, typing, read marks, drafts ----------------------------------------


def message_frame(message: dict[str, Any]) -> dict[str, Any]:
    """``message {...}``: a stored message, as ``messaging.message_json`` shapes it."""
    return {"type": "message", **message}


def message_event(
    session_id, message: dict[str, Any], *, staff_only: bool
) -> tuple[str, dict[str, Any]]:
    """Where a stored message is announced, and its frame: staff-only kinds go to the staff
    group only, so no visitor connection ever gets them."""
    group = session_staff_group(session_id) if staff_only else session_group(session_id)
    return group, message_frame(message)


def typing_frame(*, active: bool, kind: str, author: str, role: str) -> dict[str, Any]:
    """``typing {active, kind, author, role}``: someone is (or stopped) typing; not stored."""
    return {"type": "typing", "active": active, "kind": kind, "author": author, "role": role}


def read_frame(*, seq: int, author: str, role: str) -> dict[str, Any]:
    """``read {seq, author, role}``: someone read the chat up to ``seq`` (the mark is stored
    later, coalesced: ``status``'s ``read``)."""
    return {"type": "read", "seq": seq, "author": author, "role": role}


def draft_approved(session_id, *, draft_seq: int, seq: int, edited: bool) -> None:
    """``draft.approved {draft_seq, seq, edited}`` to the chat's staff: the mentor sent a
    trainee's draft (``edited`` when changed first) as the message at ``seq``."""
    publish(
        session_staff_group(session_id),
        {"type": "draft.approved", "draft_seq": draft_seq, "seq": seq, "edited": edited},
    )


def draft_rejected(session_id, *, draft_seq: int, seq: int) -> None:
    """``draft.rejected {draft_seq, seq}`` to the chat's staff: the whisper at ``seq`` says
    why the draft was turned down."""
    publish(
        session_staff_group(session_id),
        {"type": "draft.rejected", "draft_seq": draft_seq, "seq": seq},
    )


def participants_frame(participants: list[dict[str, Any]]) -> dict[str, Any]:
    """``participants {participants}``: everyone in or asking into a chat, for staff."""
    return {"type": "participants", "participants": participants}


# --- Consoles and the floor -------------------------------------------------------------------


def queue_snapshot_frame(counts: dict[str, int]) -> dict[str, Any]:
    """The ``queue`` frame a console gets on connecting: the counters, no chat."""
    return {
        "type": "queue",
        "change": "snapshot",
        "session": None,
        "counts": counts,
        "notify": False,
    }


def mentoring_changed(user_id: int, *, event: str, trainee: dict[str, Any]) -> None:
    """``mentoring {event, trainee}``: a step on a trainee's path, to one contributor's
    consoles."""
    publish(agent_group(user_id), {"type": "mentoring", "event": event, "trainee": trainee})


def floor_frame(snapshot: dict[str, Any]) -> dict[str, Any]:
    """``floor {...}``: the floor view's snapshot as ``services.insights.floor`` reads it."""
    return {"type": "floor", **snapshot}


# --- Socket housekeeping ----------------------------------------------------------------------


def error_frame(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """``error {code, detail, ...}``: a client frame failed; the socket stays open."""
    return {"type": "error", "code": code, "detail": detail, **extra}


def pong_frame(last_seq: int | None = None) -> dict[str, Any]:
    """``pong`` answers a ``ping``; a chat socket's carries the last seq it delivered."""
    if last_seq is None:
        return {"type": "pong"}
    return {"type": "pong", "last_seq": last_seq}


def resumed_frame(last_seq: int) -> dict[str, Any]:
    """``resumed {last_seq}``: a replay is complete up to ``last_seq``."""
    return {"type": "resumed", "last_seq": last_seq}
