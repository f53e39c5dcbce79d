"""Events whose content must be read from the database first.

``realtime`` builds and sends frames from the data it is given and reads nothing; the status,
queue, line and presence events need the visitor's visible helpers, the waiting counts or a
line position, and the availability cache must forget the answers they change. This module
reads those, then hands them to ``realtime``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from ... import realtime
from ...models import ChatSession
from ..conversation.roster import visible_people
from ..line.availability import position_and_wait
from ..line.availability_cache import line_changed


def waiting_counts(queue_id: int | None = None) -> dict[str, int]:
    """Waiting chats in all queues and in one: the counters every console shows."""
    counts = ChatSession.objects.filter(status=ChatSession.Status.WAITING).aggregate(
        waiting=Count("pk"), in_queue=Count("pk", filter=Q(queue_id=queue_id))
    )
    return {"waiting": counts["waiting"], "in_queue": counts["in_queue"]}


def current_status(session: ChatSession, *, change: str = "") -> dict[str, Any]:
    """The ``status`` frame for a chat as it is now: with position and wait while it waits.

    Sent to a socket when it connects and, coalesced, to waiting visitors when the line moves.
    """
    position, wait_seconds = position_and_wait(session)
    return realtime.status_frame(
        session,
        helpers=visible_people(session),
        change=change,
        position=position,
        wait_seconds=wait_seconds,
    )


def session_status_changed(
    session: ChatSession,
    *,
    change: str,
    position: int | None = None,
    wait_seconds: int | None = None,
    helpers: list[dict[str, str]] | None = None,
    floor: bool = True,
) -> None:
    """A chat was assigned, transferred, requeued or ended: tell every socket of it.

    ``helpers``: the visible people when the caller has just read them; ``floor=False`` when
    the caller tells the floor itself (one signal a change is enough).
    """
    realtime.session_status_changed(
        session,
        helpers=visible_people(session) if helpers is None else helpers,
        change=change,
        position=position,
        wait_seconds=wait_seconds,
        floor=floor,
    )


def queue_changed(
    session: ChatSession, *, change: str, counts: dict[str, int] | None = None
) -> None:
    """A chat joined, left or waits too long in a line: every console's queue and counts.

    ``counts``: the ``waiting_counts`` when the caller's own statement already read them.
    """
    if counts is None:
        counts = waiting_counts(session.queue_id)
    realtime.queue_changed(session, change=change, counts=counts)
    line_changed(session.queue_id)


def line_moved(queue_id: int) -> None:
    """The line of a queue changed: its waiting visitors and its cached availability."""
    realtime.line_moved(queue_id)
    line_changed(queue_id)


def presence_changed(user_id: int, *, status: str, capacity: int) -> None:
    """A contributor's status changed: their other consoles follow, and every cached
    availability answer is stale (a helper serves several lines)."""
    realtime.presence_changed(user_id, status=status, capacity=capacity)
    line_changed()
