"""Which queue serves a visitor, whether it is open, full or closed, and how long they will wait.

Reads only. Everything here costs a fixed number of queries however long the line is: counts and
averages are computed by the database, and the online helpers are read in one go.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ...conf import livechat_settings
from ...locales import same_locale
from ...models import AgentStatus, ChatSession, Focus, Queue

Status = ChatSession.Status


class State(StrEnum):
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"


class Reason(StrEnum):
    """Why a queue is not open; the chat button words its message after it."""

    NO_QUEUE = "no_queue"
    AFTER_HOURS = "after_hours"
    NOBODY_ONLINE = "nobody_online"
    LINE_FULL = "line_full"


# --- Helpers online ---------------------------------------------------------------------------


@dataclass
class HelperLoad:
    """One online helper as routing sees them: seats, chats held, what they serve."""

    user_id: int
    capacity: int
    active: int
    last_assigned: datetime | None
    queue_ids: frozenset[int]  # empty: every queue
    locales: tuple[str, ...]  # empty: every locale

    @property
    def free(self) -> int:
        return max(self.capacity - self.active, 0)

    def serves(self, queue_id: int, locale: str) -> bool:
        if self.queue_ids and queue_id not in self.queue_ids:
            return False
        return not self.locales or any(same_locale(locale, mine) for mine in self.locales)


def heartbeat_cutoff(now: datetime | None = None) -> datetime:
    """Helpers not seen since this moment count as gone, swept or not."""
    return (now or timezone.now()) - timedelta(seconds=livechat_settings.HEARTBEAT_TIMEOUT)


def may_answer_chats() -> Q:
    """Users holding ``livechat.answer_chats`` directly, through a group, or as superusers.

    Written as EXISTS subqueries on the permission tables so a filter on it never duplicates
    rows and costs no extra query.
    """
    User = get_user_model()
    perm = {
        "permission__codename": "answer_chats",
        "permission__content_type__app_label": "livechat",
    }
    direct = User.user_permissions.through.objects.filter(user_id=OuterRef("user_id"), **perm)
    via_group = User.groups.through.objects.filter(
        user_id=OuterRef("user_id"),
        group__permissions__codename="answer_chats",
        group__permissions__content_type__app_label="livechat",
    )
    return Q(user__is_superuser=True) | Q(Exists(direct)) | Q(Exists(via_group))


def active_chat_count() -> Subquery:
    """Chats a helper holds now, as a correlated subquery on AgentStatus rows."""
    held = (
        ChatSession.objects.filter(helper_id=OuterRef("user_id"), status=Status.ACTIVE)
        .order_by()
        .values("helper_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(held), 0)


def online_statuses(now: datetime | None = None):
    """AgentStatus rows of helpers who are online, fresh and still allowed to answer."""
    return AgentStatus.objects.filter(
        may_answer_chats(),
        status=AgentStatus.Status.ONLINE,
        last_seen__gte=heartbeat_cutoff(now),
        user__is_active=True,
    )


def online_helpers(
    *, queue_ids: list[int] | None = None, now: datetime | None = None
) -> list[HelperLoad]:
    """Every online helper (serving one of ``queue_ids``, when given) with their load.

    Two queries: the statuses with their chat counts, then the queues they picked.
    """
    statuses = online_statuses(now)
    through = AgentStatus.queues.through
    if queue_ids is not None:
        picked = through.objects.filter(agentstatus_id=OuterRef("pk"))
        statuses = statuses.filter(~Exists(picked) | Exists(picked.filter(queue_id__in=queue_ids)))
    rows = list(
        statuses.annotate(active=active_chat_count()).values(
            "pk", "user_id", "capacity", "last_assigned", "locales", "active"
        )
    )
    if not rows:
        return []
    picked_queues: dict[int, set[int]] = {}
    for status_id, queue_id in through.objects.filter(
        agentstatus_id__in=[row["pk"] for row in rows]
    ).values_list("agentstatus_id", "queue_id"):
        picked_queues.setdefault(status_id, set()).add(queue_id)
    return [
        HelperLoad(
            user_id=row["user_id"],
            capacity=row["capacity"],
            active=row["active"],
            last_assigned=row["last_assigned"],
            queue_ids=frozenset(picked_queues.get(row["pk"], ())),
            locales=tuple(row["locales"] or ()),
        )
        for row in rows
    ]


# --- Business hours ---------------------------------------------------------------------------


def _clock(value: str) -> time | None:
    """ "09:30" as a time; "24:00" as the end of the day (None)."""
    hours, minutes = (int(part) for part in str(value).split(":", 1))
    if hours == 24 and minutes == 0:
        return None
    return time(hours, minutes)


def queue_zone(queue: Queue) -> ZoneInfo:
    try:
        return ZoneInfo(queue.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def within_hours(queue: Queue, now: datetime | None = None) -> bool:
    """Whether the queue's business hours include ``now`` in the queue's own time zone.

    Hours are ``{"0": [["09:00", "17:00"]], ...}`` by weekday (Monday = 0); no hours at all
    means always open, and a weekday without an entry is closed all day. A range whose end is
    before its start runs past midnight. A malformed range is ignored.
    """
    hours = queue.business_hours or {}
    if not hours:
        return True
    local = timezone.localtime(now or timezone.now(), queue_zone(queue))
    today, yesterday = str(local.weekday()), str((local.weekday() - 1) % 7)
    clock = local.time()
    for day, ranges in ((today, hours.get(today) or []), (yesterday, hours.get(yesterday) or [])):
        for entry in ranges:
            try:
                start, end = _clock(entry[0]), _clock(entry[1])
            except (TypeError, ValueError, IndexError):
                continue
            if start is None:
                continue
            overnight = end is not None and end <= start
            if day == today:
                if clock >= start and (end is None or overnight or clock < end):
                    return True
            elif overnight and clock < end:
                return True
    return False


# --- The line of one queue --------------------------------------------------------------------


@dataclass
class Line:
    """A snapshot of one queue: who waits, who can answer, and how fast chats were answered."""

    queue: Queue
    now: datetime
    waiting: int
    oldest_waiting: datetime | None
    recent_wait: float | None  # mean seconds recent chats waited before a helper took them
    helpers: list[HelperLoad] = field(default_factory=list)

    def for_locale(self, locale: str) -> list[HelperLoad]:
        return [h for h in self.helpers if h.serves(self.queue.pk, locale)]

    @property
    def longest_wait(self) -> int:
        if self.oldest_waiting is None:
            return 0
        return max(int((self.now - self.oldest_waiting).total_seconds()), 0)

    def estimate(self, position: int, locale: str | None = None) -> int:
        """Seconds until a helper takes the chat at ``position`` (1 = next).

        With recent history: each turnover of the free seats (at least one per online
        helper) takes about as long as chats recently waited, and the chats ahead need
        ``ahead // parallel`` turnovers before this one's. So the estimate falls as chats are
        taken, as helpers come online or free a seat, and follows how fast the queue really
        moves. Without history: the larger of the queue's seconds per chat times the chats
        ahead, and the longest wait in the line right now.

        Either way, a chat with no free seat left for it now waits at least until chats
        end: the queue's seconds per chat for each turnover of the seats it must wait for.
        Quick recent pick-ups never promise "no wait" to a visitor whose helpers are full.
        """
        ahead = max(position - 1, 0)
        helpers = self.helpers if locale is None else self.for_locale(locale)
        free = sum(h.free for h in helpers)
        parallel = max(free, len(helpers), 1)
        per_chat = self.queue.seconds_per_chat
        seats_to_free = per_chat * ((ahead - free) // parallel + 1) if ahead >= free else 0
        if self.recent_wait is None:
            return max(per_chat * ahead, self.longest_wait, seats_to_free)
        return max(round(self.recent_wait * (ahead // parallel + 1)), seats_to_free)


def read_line(queue: Queue, *, now: datetime | None = None) -> Line:
    """One aggregate over the queue's chats and two queries for its helpers, however many."""
    now = now or timezone.now()
    since = now - timedelta(minutes=livechat_settings.WAIT_HISTORY_MINUTES)
    waited = ExpressionWrapper(F("assigned_at") - F("created"), output_field=DurationField())
    waiting = Q(status=Status.WAITING)
    recent = Q(assigned_at__gte=since)
    stats = (
        ChatSession.objects.filter(queue=queue)
        .filter(waiting | recent)
        .aggregate(
            waiting=Count("pk", filter=waiting),
            oldest=Min("created", filter=waiting),
            recent_wait=Avg(waited, filter=recent),
        )
    )
    recent_wait = stats["recent_wait"]
    if isinstance(recent_wait, timedelta):
        recent_wait = max(recent_wait.total_seconds(), 0.0)
    elif recent_wait is not None:  # some backends answer in microseconds
        recent_wait = max(float(recent_wait) / 1_000_000, 0.0)
    return Line(
        queue=queue,
        now=now,
        waiting=stats["waiting"],
        oldest_waiting=stats["oldest"],
        recent_wait=recent_wait,
        helpers=online_helpers(queue_ids=[queue.pk], now=now),
    )


def seats_limit(line: Line, helpers: list[HelperLoad]) -> int:
    """The longest the line may get: the online helpers' seats times the queue's multiplier."""
    return math.floor(sum(h.capacity for h in helpers) * line.queue.full_multiplier)


def line_state(line: Line, locale: str) -> tuple[State, Reason | None]:
    """Open, full or closed for a new chat in ``locale``, and why when not open."""
    queue = line.queue
    if not queue.is_active:
        return State.CLOSED, Reason.NO_QUEUE
    if not within_hours(queue, line.now):
        return State.CLOSED, Reason.AFTER_HOURS
    helpers = line.for_locale(locale)
    if not helpers:
        return State.CLOSED, Reason.NOBODY_ONLINE
    if line.waiting and line.waiting >= seats_limit(line, helpers):
        return State.FULL, Reason.LINE_FULL
    return State.OPEN, None


def position_in_line(session: ChatSession) -> int:
    """1 for the next chat to be taken; chats keep their place by request time."""
    ahead = ChatSession.objects.filter(queue_id=session.queue_id, status=Status.WAITING).filter(
        Q(created__lt=session.created) | Q(created=session.created, pk__lt=session.pk)
    )
    return ahead.count() + 1


def position_and_wait(
    session: ChatSession, line: Line | None = None
) -> tuple[int | None, int | None]:
    """A waiting chat's place in line (1 = next) and estimated seconds until a helper takes it;
    (None, None) once it is not waiting. Four queries however long the line."""
    if session.status != Status.WAITING:
        return None, None
    position = position_in_line(session)
    line = line or read_line(session.queue)
    return position, line.estimate(position, session.locale)


# --- Which queue serves a visitor -------------------------------------------------------------


def resolve_queue(
    *, focus: Focus | None, products: list[str], locale: str, queues: list[Queue] | None = None
) -> Queue | None:
    """The queue for a chat: the focus's, then a product's, then a locale's, then the default.

    Inactive queues are skipped, so a retired queue's chats go to the next match. A product
    queue for the visitor's locale beats one for any locale. One query for all the queues.
    """
    if focus is not None and focus.queue_id and focus.queue and focus.queue.is_active:
        return focus.queue
    if queues is None:
        queues = list(Queue.objects.filter(is_active=True).order_by("pk"))
    queues = [q for q in queues if q.is_active]
    for product in products:
        for wanted_locale in (locale, ""):
            for queue in queues:
                if (
                    product
                    and queue.product == product
                    and same_locale(queue.locale, wanted_locale)
                ):
                    return queue
    for queue in queues:
        if not queue.product and same_locale(queue.locale, locale):
            return queue
    for queue in queues:
        if queue.is_default:
            return queue
    return None
