"""Timeouts, applied by a periodic sweep: waiting chats nobody answered become missed, helpers
whose consoles went silent go offline (and, after a grace period, their chats go back in line),
and chats waiting too long ring the consoles again.

Every change is a conditional UPDATE (or an atomic cache claim), so sweeps running in several
processes at once change each chat and helper exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ...conf import livechat_settings
from ...models import AgentStatus, ChatSession, Queue
from ...signals import chat_missed, send_on_commit
from ..conversation.messaging import post_system_message
from ..shared import notify
from .assignment import auto_assign, skip_locked
from .availability import heartbeat_cutoff
from .transfer import put_back_in_line

Status = ChatSession.Status
SWEEP_BATCH = 500
REASON_TIMEOUT = "timeout"  # the end_reason of a chat missed here


def _miss(session_id: Any, now: datetime) -> bool:
    """Mark one chat missed unless another sweeper or a helper got to it first."""
    with transaction.atomic():
        session = (
            skip_locked(ChatSession.objects.filter(pk=session_id, status=Status.WAITING))
            .select_related("queue")
            .first()
        )
        if session is None:
            return False
        won = ChatSession.objects.filter(pk=session.pk, status=Status.WAITING).update(
            status=Status.MISSED, ended_at=now, end_reason=REASON_TIMEOUT
        )
        if won != 1:
            return False
        session.status, session.ended_at, session.end_reason = Status.MISSED, now, REASON_TIMEOUT
        post_system_message(
            session,
            gettext_lazy(
                "No volunteer could answer in time. You can ask in the forum with what you "
                "wrote, or leave an email address."
            ),
        )
        notify.session_status_changed(session, change="missed")
        notify.queue_changed(session, change="missed")
        notify.line_moved(session.queue_id)
        send_on_commit(chat_missed, ChatSession, session=session)
    return True


def mark_missed(*, now: datetime | None = None) -> int:
    """Waiting chats older than their queue's ``missed_timeout`` (0: never) become missed."""
    now = now or timezone.now()
    missed = 0
    for queue in Queue.objects.filter(missed_timeout__gt=0):
        cutoff = now - timedelta(seconds=queue.missed_timeout)
        overdue = ChatSession.objects.filter(
            queue=queue, status=Status.WAITING, created__lt=cutoff
        ).order_by("created")
        for session_id in overdue.values_list("pk", flat=True)[:SWEEP_BATCH]:
            missed += _miss(session_id, now)
    return missed


def expire_helpers(*, now: datetime | None = None) -> int:
    """Online or away helpers silent past the heartbeat timeout go offline; chats they hold
    stay theirs, but they get no new ones."""
    now = now or timezone.now()
    cutoff = heartbeat_cutoff(now)
    gone = AgentStatus.objects.filter(
        status__in=(AgentStatus.Status.ONLINE, AgentStatus.Status.AWAY), last_seen__lt=cutoff
    )
    expired = 0
    for pk, user_id, capacity in gone.values_list("pk", "user_id", "capacity")[:SWEEP_BATCH]:
        with transaction.atomic():
            won = (
                AgentStatus.objects.filter(pk=pk, last_seen__lt=cutoff)
                .exclude(status=AgentStatus.Status.OFFLINE)
                .update(status=AgentStatus.Status.OFFLINE)
            )
            if won:
                expired += 1
                notify.presence_changed(user_id, status="offline", capacity=capacity)
    if expired:
        for queue_id in Queue.objects.filter(is_active=True).values_list("pk", flat=True):
            notify.line_moved(queue_id)
    return expired


def _requeue(session_id: Any, now: datetime, cutoff: datetime) -> bool:
    with transaction.atomic():
        session = (
            skip_locked(_orphaned(cutoff).filter(pk=session_id)).select_related("queue").first()
        )
        if session is None:
            return False
        put_back_in_line(
            session,
            queue=session.queue,
            now=now,
            text=gettext_lazy(
                "Your volunteer lost their connection. You are back in line, ahead of anyone "
                "who asked after you; the next volunteer will join."
            ),
        )
    return True


def _orphaned(cutoff: datetime):
    return ChatSession.objects.filter(
        status=Status.ACTIVE,
        helper__livechat_status__status=AgentStatus.Status.OFFLINE,
        helper__livechat_status__last_seen__lt=cutoff,
    )


def requeue_orphans(*, now: datetime | None = None) -> int:
    """Chats held by a helper whose console has been silent for ``LIVECHAT_REQUEUE_AFTER``
    seconds go back in line, keeping their place, so no visitor waits on someone who is gone.

    The grace period is longer than the heartbeat timeout, so a helper whose laptop slept for a
    minute comes back to their chats. 0 turns it off.
    """
    seconds = livechat_settings.REQUEUE_AFTER
    if not seconds:
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=seconds)
    ids = _orphaned(cutoff).order_by("created").values_list("pk", flat=True)[:SWEEP_BATCH]
    return sum(_requeue(session_id, now, cutoff) for session_id in ids)


def alert_long_waits(*, now: datetime | None = None) -> int:
    """Ring the consoles again for chats waiting past their queue's ``long_wait``, and again
    at every further multiple of it (``queue`` frames with ``change: waiting_long``).

    Each alert is claimed once in the cache (``cache.add`` is atomic on shared caches), so
    sweeps running side by side alert once; a per-process cache may let one through twice.
    """
    now = now or timezone.now()
    alerted = 0
    for queue in Queue.objects.filter(is_active=True, long_wait__gt=0):
        overdue = (
            ChatSession.objects.filter(
                queue=queue,
                status=Status.WAITING,
                created__lte=now - timedelta(seconds=queue.long_wait),
            )
            .select_related("queue")
            .order_by("created")
        )
        for session in overdue[:SWEEP_BATCH]:
            rounds = int((now - session.created).total_seconds() // queue.long_wait)
            key = f"livechat:waiting_long:{session.pk.hex}:{rounds}"
            if cache.add(key, True, timeout=queue.long_wait * 2):
                notify.queue_changed(session, change="waiting_long")
                alerted += 1
    return alerted


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Apply timeouts: missed chats, vanished helpers and their chats, long waits, then hand out
    what can be assigned.

    Run it every minute or so (``livechat_sweep`` from cron, or this function from a Celery
    beat task). Safe to run from two places at once: every change is a conditional UPDATE, so
    each chat is missed and each helper expired exactly once.
    """
    now = now or timezone.now()
    missed = mark_missed(now=now)
    expired = expire_helpers(now=now)
    requeued = requeue_orphans(now=now)
    assigned = len(auto_assign())
    long_waits = alert_long_waits(now=now)
    return {
        "missed": missed,
        "helpers_offline": expired,
        "requeued": requeued,
        "assigned": assigned,
        "long_waits": long_waits,
    }
