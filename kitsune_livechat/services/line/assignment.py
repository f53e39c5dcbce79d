"""Helpers and chats meeting: presence, the waiting chats a helper may take, claims and
automatic assignment.

Every assignment happens in one transaction that first locks the helper's ``AgentStatus`` row
(so their capacity is counted with nobody else adding to it), then locks the chat with
``SKIP LOCKED`` on PostgreSQL (so concurrent claims pass each other instead of queueing), and
finally moves the chat from waiting to active with a conditional UPDATE that only one
transaction can win. A chat is therefore never assigned twice and no helper goes over capacity,
on any database. Locks are always taken helper first, chat second, and chats are only ever
locked without waiting, so claims cannot deadlock with each other.

On PostgreSQL a claim does the counting, the locking and the moving in one statement issued
after the helper's lock (``_take_at_once``); when it takes nothing, the step-by-step path that
every database runs finds out why (or takes the chat a moment later) and answers with the
precise error.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ... import realtime
from ...conf import livechat_settings
from ...exceptions import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from ...host import get_host_adapter
from ...locales import clean_locale
from ...models import AgentStatus, ChatSession, Participant, Queue
from ...signals import chat_assigned, send_on_commit
from ..conversation.messaging import post_system_message
from ..conversation.roster import visible_people
from ..shared import notify
from ..shared.roles import is_helper
from .availability import HelperLoad, heartbeat_cutoff, online_helpers

Status = ChatSession.Status
Presence = AgentStatus.Status

# Most chats considered in one auto-assignment pass; the next pass picks up the rest.
ASSIGN_BATCH = 500


# --- Who may answer ---------------------------------------------------------------------------


def require_helper(user) -> None:
    """Only people with ``livechat.answer_chats`` work the queue."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    if not is_helper(user):
        raise Forbidden(_("Only live chat helpers can do that."), code="not_a_helper")


def helper_by_username(username: str, *, code: str = "unknown_helper"):
    """An active user allowed to answer chats, found by username; InvalidInput otherwise."""
    User = get_user_model()
    user = (
        User._default_manager.filter(**{User.USERNAME_FIELD: str(username or "")}, is_active=True)
        .select_related(None)
        .first()
    )
    if not is_helper(user):
        raise InvalidInput(
            _("There is no helper called “%(name)s”.") % {"name": username}, code=code
        )
    return user


# --- Presence ---------------------------------------------------------------------------------


def agent_status_for(user) -> AgentStatus:
    """The helper's presence row, made (offline, default capacity) on first use."""
    status, _created = AgentStatus.objects.get_or_create(
        user=user, defaults={"capacity": livechat_settings.DEFAULT_CAPACITY}
    )
    return status


def is_available(status: AgentStatus, now: datetime | None = None) -> bool:
    """Online, and seen within the heartbeat timeout (a vanished helper is not, swept or not)."""
    return (
        status.status == Presence.ONLINE
        and status.last_seen is not None
        and status.last_seen >= heartbeat_cutoff(now)
    )


def my_status(*, user) -> AgentStatus:
    """The helper's own presence, for their console."""
    require_helper(user)
    return agent_status_for(user)


def agent_json(row: AgentStatus) -> dict:
    """A helper's presence as their console shows it: status, seats used, what they serve."""
    return {
        "status": row.status,
        "available": is_available(row),
        "capacity": row.capacity,
        "active": active_count(row.user_id),
        "queues": list(row.queues.order_by("name").values_list("slug", flat=True)),
        "locales": list(row.locales or []),
        "last_seen": row.last_seen.isoformat() if row.last_seen else None,
    }


def _clean_capacity(capacity) -> int:
    limit = livechat_settings.MAX_CAPACITY
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= limit:
        raise InvalidInput(
            _("Capacity must be a whole number from 1 to %(max)d.") % {"max": limit},
            code="invalid_capacity",
        )
    return capacity


def _clean_queues(slugs) -> list[Queue]:
    slugs = list(dict.fromkeys(str(slug) for slug in slugs))
    queues = list(Queue.objects.filter(slug__in=slugs))
    missing = set(slugs) - {queue.slug for queue in queues}
    if missing:
        raise InvalidInput(
            _("There is no queue “%(slug)s”.") % {"slug": sorted(missing)[0]}, code="unknown_queue"
        )
    return queues


def _clean_locales(locales) -> list[str]:
    return list(dict.fromkeys(clean_locale(str(locale)) for locale in locales))


def served_queue_ids(status: AgentStatus) -> list[int]:
    """The queues whose waiting visitors this helper's presence affects."""
    picked = list(status.queues.values_list("pk", flat=True))
    return picked or list(Queue.objects.filter(is_active=True).values_list("pk", flat=True))


def _lines_moved(queue_ids: list[int]) -> None:
    for queue_id in queue_ids:
        notify.line_moved(queue_id)


def set_agent_status(
    *,
    user,
    status: str,
    capacity: int | None = None,
    queues: list[str] | None = None,
    locales: list[str] | None = None,
) -> AgentStatus:
    """Go online, away or offline; optionally change seats, queues (slugs) and locales.

    Going online (or adding seats) hands waiting chats to the helper at once when their queue
    assigns automatically. Away and offline keep the chats the helper holds but bring no new
    ones. Every open console of the helper follows, and waiting visitors' estimates move.
    """
    require_helper(user)
    if status not in Presence.values:
        raise InvalidInput(_("Status must be online, away or offline."), code="invalid_status")
    if capacity is not None:
        capacity = _clean_capacity(capacity)
    picked = _clean_queues(queues) if queues is not None else None
    locales = _clean_locales(locales) if locales is not None else None
    now = timezone.now()
    with transaction.atomic():
        agent_status_for(user)
        row = AgentStatus.objects.select_for_update().get(user=user)
        row.status = status
        if capacity is not None:
            row.capacity = capacity
        if locales is not None:
            row.locales = locales
        if status != Presence.OFFLINE:
            row.last_seen = now
        row.save()
        if picked is not None:
            row.queues.set(picked)
        notify.presence_changed(user.pk, status=row.status, capacity=row.capacity)
        _lines_moved(served_queue_ids(row))
    if status == Presence.ONLINE:
        auto_assign()
    return row


def heartbeat(*, user) -> AgentStatus:
    """The console is still there: keep an online or away helper from timing out.

    A helper already set offline (by the sweep, after a silence) stays offline until they
    choose to come back, and is told so by the status in the answer.
    """
    require_helper(user)
    now = timezone.now()
    row = agent_status_for(user)
    was_fresh = row.last_seen is not None and row.last_seen >= heartbeat_cutoff(now)
    if row.status != Presence.OFFLINE:
        AgentStatus.objects.filter(pk=row.pk).exclude(status=Presence.OFFLINE).update(last_seen=now)
        row.last_seen = now
        if row.status == Presence.ONLINE and not was_fresh:
            # Back from a silence the sweep had not yet noticed: a seat reappears.
            _lines_moved(served_queue_ids(row))
            auto_assign()
    return row


# --- What a helper may take -------------------------------------------------------------------


def eligible_waiting(status: AgentStatus, *, queue_ids: list[int] | None = None) -> QuerySet:
    """Waiting chats in the helper's queues and locales, oldest first; never their own chat."""
    chats = ChatSession.objects.filter(status=Status.WAITING).exclude(visitor_id=status.user_id)
    if queue_ids is None:
        # The helper's picked queues as a subquery: no extra round trip on the claim path.
        picked = AgentStatus.queues.through.objects.filter(agentstatus_id=status.pk)
        chats = chats.filter(~Exists(picked) | Q(queue_id__in=picked.values("queue_id")))
    elif queue_ids:
        chats = chats.filter(queue_id__in=queue_ids)
    if status.locales:
        chats = chats.filter(locale__in=status.locales)
    return chats.order_by("created", "pk")


def chats_of(*, user) -> list[ChatSession]:
    """The open chats ``user`` holds, oldest first (the console's tabs)."""
    require_helper(user)
    return list(
        ChatSession.objects.filter(helper=user, status=Status.ACTIVE)
        .select_related("queue")
        .order_by("assigned_at", "pk")
    )


def online_helpers_for_transfer(*, user) -> list[dict]:
    """Online helpers other than ``user``, with their load: whom a chat can be passed to."""
    require_helper(user)
    loads = [h for h in online_helpers() if h.user_id != user.pk]
    User = get_user_model()
    users = User._default_manager.in_bulk([h.user_id for h in loads])
    adapter = get_host_adapter()
    result = []
    for load in loads:
        helper = users.get(load.user_id)
        if helper is None:
            continue
        result.append(
            {
                "username": helper.get_username(),
                "display_name": adapter.display_name(helper),
                "active": load.active,
                "capacity": load.capacity,
                "free": load.free,
            }
        )
    return sorted(result, key=lambda h: (-h["free"], h["display_name"].lower()))


# --- Assignment -------------------------------------------------------------------------------


def skip_locked(chats: QuerySet) -> QuerySet:
    """Lock chats without waiting for a competing claim, where the database can."""
    features = connection.features
    if not features.has_select_for_update_skip_locked:
        return chats  # SQLite: one writer at a time, the conditional UPDATE decides
    options = {"skip_locked": True}
    if features.has_select_for_update_of:
        options["of"] = ("self",)
    return chats.select_for_update(**options)


def lock_helper(user_id: int) -> AgentStatus:
    """The per-helper lock: capacity is counted and used under it."""
    row = AgentStatus.objects.select_for_update().filter(user_id=user_id).first()
    if row is None:
        raise Conflict(_("Go online to take chats."), code="not_online")
    return row


def active_count(user_id: int) -> int:
    return ChatSession.objects.filter(helper_id=user_id, status=Status.ACTIVE).count()


def check_seat(row: AgentStatus, *, now: datetime, target: bool = False) -> None:
    """Online with a free seat, counted under the helper's lock."""
    if not is_available(row, now):
        if target:
            raise Conflict(_("That helper is not online."), code="helper_unavailable")
        raise Conflict(_("Go online to take chats."), code="not_online")
    if active_count(row.user_id) >= row.capacity:
        if target:
            raise Conflict(_("That helper has no free seat."), code="helper_at_capacity")
        raise Conflict(
            _("You are at your capacity: end a chat or raise your capacity first."),
            code="at_capacity",
        )


def give_chat(session: ChatSession, helper, row: AgentStatus, *, now: datetime) -> None:
    """Move a locked waiting chat to ``helper``; only one transaction can win the UPDATE."""
    won = ChatSession.objects.filter(pk=session.pk, status=Status.WAITING).update(
        status=Status.ACTIVE, helper=helper, assigned_at=now
    )
    if won != 1:
        raise Conflict(_("This chat was just taken by someone else."), code="already_taken")
    session.status, session.helper, session.assigned_at = Status.ACTIVE, helper, now
    AgentStatus.objects.filter(pk=row.pk).update(last_assigned=now, last_seen=now)


def announce_assignment(
    session: ChatSession,
    helper,
    *,
    auto: bool,
    alone: bool = False,
    counts: dict[str, int] | None = None,
) -> list[dict[str, str]]:
    """Everyone who cares learns the chat has a helper, once the assignment commits.

    Answers the people the visitor now sees, read once for the chat's sockets and the caller.
    ``alone``: the claim saw no other visible participant, so the helper is the whole list;
    ``counts``: the waiting counts the claim read.
    """
    name = get_host_adapter().display_name(helper)
    post_system_message(session, gettext_lazy("%(name)s joined the chat."), name=name)
    helpers = [{"display_name": name, "role": "helper"}] if alone else visible_people(session)
    notify.session_status_changed(session, change="assigned", helpers=helpers, floor=False)
    # Also retires the line's cached answers.
    notify.queue_changed(session, change="taken", counts=counts)
    realtime.agent_chat_changed(helper.pk, session, change="assigned")
    realtime.line_moved(session.queue_id)
    send_on_commit(chat_assigned, ChatSession, session=session, helper=helper, auto=auto)
    return helpers


def _waiting_chat(session_id) -> ChatSession:
    """Lock one chat for taking, telling "just taken" apart from "no such chat"."""
    try:
        session = skip_locked(ChatSession.objects.filter(pk=session_id)).first()
    except (ValidationError, ValueError, TypeError):  # a malformed id
        raise NotFound() from None
    if session is None:
        if ChatSession.objects.filter(pk=session_id).exists():
            # Locked by a claim in flight: it is about to be someone else's.
            raise Conflict(_("This chat was just taken by someone else."), code="already_taken")
        raise NotFound()
    if session.status == Status.ACTIVE:
        raise Conflict(_("This chat was just taken by someone else."), code="already_taken")
    if session.status != Status.WAITING:
        raise Conflict(_("This visitor is no longer waiting."), code="no_longer_waiting")
    return session


class _AtOnce(NamedTuple):
    session: ChatSession
    alone: bool  # no visible participant besides the helper
    counts: dict[str, int]  # waiting chats, in all queues and in the chat's


class Taken(NamedTuple):
    """A claimed chat and the people its visitor now sees (the claim's answer shows them)."""

    session: ChatSession
    helpers: list[dict[str, str]]


def claim_chat(*, user, session_id=None) -> ChatSession:
    """Take a waiting chat: ``session_id`` ("take this one") or, without it, the oldest chat
    the helper may take ("take next"). The helper must be online with a free seat."""
    return take_chat(user=user, session_id=session_id).session


def take_chat(*, user, session_id=None) -> Taken:
    """``claim_chat``, also answering whom the visitor sees, so the answer reads it once."""
    require_helper(user)
    now = timezone.now()
    with transaction.atomic():
        row = lock_helper(user.pk)  # no presence row yet: not online
        taken = None
        if is_available(row, now) and connection.vendor == "postgresql":
            taken = _take_at_once(row, user, now=now, session_id=session_id)
        if taken is None:
            session = _take_step_by_step(row, user, now=now, session_id=session_id)
            helpers = announce_assignment(session, user, auto=False)
        else:
            session = taken.session
            helpers = announce_assignment(
                session, user, auto=False, alone=taken.alone, counts=taken.counts
            )
    return Taken(session, helpers)


def _take_step_by_step(row: AgentStatus, user, *, now: datetime, session_id) -> ChatSession:
    """Seats, then the chat, then the move, each a statement: any database, every error."""
    check_seat(row, now=now)
    if session_id is None:
        session = skip_locked(eligible_waiting(row).select_related("queue")).first()
        if session is None:
            raise NotFound(_("No chat is waiting for you."), code="queue_empty")
    else:
        session = _waiting_chat(session_id)
        if not eligible_waiting(row).filter(pk=session.pk).exists():
            raise Forbidden(
                _("This chat is for another queue or language than yours."),
                code="not_eligible",
            )
    give_chat(session, user, row, now=now)
    return session


# The columns of one statement's answer, and how to turn them into instances again.
def _columns(model) -> list:
    return list(model._meta.concrete_fields)


def _instance(model, fields: list, values) -> Any:
    """A model instance from a raw row, converted as the ORM would (JSON fields parsed...)."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        for convert in _converters(field):
            value = convert(value, field.cached_col, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


@functools.cache
def _converters(field) -> list:
    """The ORM's conversions of a column's value (PostgreSQL: the one-statement claim)."""
    col = field.cached_col
    return connection.ops.get_db_converters(col) + col.get_db_converters(connection)


@functools.cache
def _take_sql(*, by_locale: bool, one: bool) -> str:
    """The claim as one PostgreSQL statement, built once per shape from the models' tables.

    Its snapshot is taken after the helper's lock, so the seats it counts are every chat the
    helper holds. The chat is picked as ``eligible_waiting`` picks it (the helper's queues,
    none meaning every queue; their locales; never their own chat; oldest first), locked with
    SKIP LOCKED, moved only while still waiting, and the helper's row stamped only when a chat was
    taken. It answers the chat with its queue, whether anyone else is visible in it and the
    waiting counts after it (``notify.waiting_counts``), or no row.
    """
    quote = connection.ops.quote_name
    chats = quote(ChatSession._meta.db_table)
    statuses = quote(AgentStatus._meta.db_table)
    participants = quote(Participant._meta.db_table)
    queues = quote(Queue._meta.db_table)
    picked = AgentStatus.queues.through._meta
    picked_table = quote(picked.db_table)
    picked_agent = quote(picked.get_field("agentstatus").column)
    picked_queue = quote(picked.get_field("queue").column)
    chat_cols = ", ".join(quote(f.column) for f in _columns(ChatSession))
    queue_cols = ", ".join(f"q.{quote(f.column)}" for f in _columns(Queue))
    taken_cols = ", ".join(f"taken.{quote(f.column)}" for f in _columns(ChatSession))
    conditions = [
        "status = %(waiting)s",
        "(visitor_id IS NULL OR visitor_id <> %(user)s)",
        f"(NOT EXISTS (SELECT 1 FROM {picked_table} WHERE {picked_agent} = %(row)s)"
        f" OR queue_id IN (SELECT {picked_queue} FROM {picked_table}"
        f" WHERE {picked_agent} = %(row)s))",
        "(SELECT seats.active FROM seats) < %(capacity)s",
    ]
    if by_locale:
        conditions.append("locale = ANY(%(locales)s)")
    if one:
        conditions.append("id = %(chat)s")
    sql = (
        f"WITH seats AS (SELECT count(*) AS active FROM {chats}"
        " WHERE helper_id = %(user)s AND status = %(active)s),"
        f" picked AS (SELECT id FROM {chats} WHERE {' AND '.join(conditions)}"
        " ORDER BY created, id LIMIT 1 FOR UPDATE SKIP LOCKED),"
        f" taken AS (UPDATE {chats}"
        " SET status = %(active)s, helper_id = %(user)s, assigned_at = %(now)s"
        " WHERE id = (SELECT picked.id FROM picked) AND status = %(waiting)s"
        f" RETURNING {chat_cols}),"
        f" stamped AS (UPDATE {statuses} SET last_assigned = %(now)s, last_seen = %(now)s"
        " WHERE id = %(row)s AND EXISTS (SELECT 1 FROM taken))"
        f" SELECT {taken_cols}, {queue_cols},"
        f" NOT EXISTS (SELECT 1 FROM {participants} p WHERE p.session_id = taken.id"
        " AND p.state = %(present)s AND p.visible AND p.user_id <> taken.helper_id),"
        " counts.waiting, counts.in_queue"
        f" FROM taken JOIN {queues} q ON q.id = taken.queue_id"
        " CROSS JOIN LATERAL (SELECT count(*) AS waiting,"
        " count(*) FILTER (WHERE w.queue_id = taken.queue_id) AS in_queue"
        f" FROM {chats} w WHERE w.status = %(waiting)s AND w.id <> taken.id) counts"
    )
    return sql


def _take_at_once(row: AgentStatus, user, *, now: datetime, session_id) -> _AtOnce | None:
    """PostgreSQL: seats, pick, move and stamp as one statement; None when it took nothing
    (no seat, no chat, a malformed id...), and the step-by-step path says why."""
    params = {
        "waiting": Status.WAITING,
        "active": Status.ACTIVE,
        "user": user.pk,
        "row": row.pk,
        "capacity": row.capacity,
        "now": now,
        "locales": list(row.locales or []),
        "present": Participant.State.ACTIVE,
    }
    if session_id is not None:
        try:
            params["chat"] = session_id if isinstance(session_id, UUID) else UUID(str(session_id))
        except (ValueError, TypeError, AttributeError):
            return None
    sql = _take_sql(by_locale=bool(row.locales), one=session_id is not None)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return None
    chat_fields, queue_fields = _columns(ChatSession), _columns(Queue)
    split = len(chat_fields)
    session = _instance(ChatSession, chat_fields, found[:split])
    session.queue = _instance(Queue, queue_fields, found[split : split + len(queue_fields)])
    session.helper = user
    row.last_assigned = row.last_seen = now
    alone, waiting, in_queue = found[split + len(queue_fields) :]
    return _AtOnce(session, alone, {"waiting": waiting, "in_queue": in_queue})


def _plan(helpers: list[HelperLoad], chats: list[dict], refused: set, now: datetime) -> list:
    """Pair waiting chats (oldest first) with helpers: the preferred helper when they have a
    seat, else the least loaded, then the longest idle."""
    plan = []
    for chat in chats:
        candidates = [
            h
            for h in helpers
            if h.free
            and h.serves(chat["queue_id"], chat["locale"])
            and h.user_id != chat["visitor_id"]
            and (chat["pk"], h.user_id) not in refused
        ]
        if not candidates:
            continue
        chosen = next((h for h in candidates if h.user_id == chat["preferred_helper_id"]), None)
        if chosen is None:
            chosen = min(
                candidates,
                key=lambda h: (
                    h.active,
                    h.last_assigned or datetime.min.replace(tzinfo=now.tzinfo),
                ),
            )
        plan.append((chat["pk"], chosen.user_id))
        chosen.active += 1
        chosen.last_assigned = now
        if not any(h.free for h in helpers):
            break
    return plan


def _assign_planned(session_id, user_id: int, now: datetime) -> ChatSession | None:
    """Carry out one planned pairing, unless something changed since it was planned."""
    try:
        with transaction.atomic():
            row = lock_helper(user_id)
            check_seat(row, now=now)
            session = skip_locked(
                ChatSession.objects.filter(pk=session_id, status=Status.WAITING)
            ).first()
            if session is None:
                return None
            give_chat(session, row.user, row, now=now)
            announce_assignment(session, row.user, auto=True)
            return session
    except Conflict:
        return None


def auto_assign(*, queue_ids: list[int] | None = None) -> list[ChatSession]:
    """Hand waiting chats in auto-assigning queues to online helpers with free seats.

    Run when a chat is requested or requeued, a helper comes online or frees a seat, and by
    the sweep. Planning costs a fixed number of queries; each pairing is then made under the
    same locks as a claim, so a race with a claim or another auto-assignment only skips it.
    A helper a chat was transferred away from is never given it back automatically.
    """
    now = timezone.now()
    queues = Queue.objects.filter(is_active=True, auto_assign=True)
    if queue_ids is not None:
        queues = queues.filter(pk__in=queue_ids)
    auto_ids = list(queues.values_list("pk", flat=True))
    if not auto_ids:
        return []
    helpers = online_helpers(queue_ids=auto_ids, now=now)
    if not any(h.free for h in helpers):
        return []
    chats = list(
        ChatSession.objects.filter(status=Status.WAITING, queue_id__in=auto_ids)
        .order_by("created", "pk")
        .values("pk", "queue_id", "locale", "visitor_id", "preferred_helper_id")[:ASSIGN_BATCH]
    )
    if not chats:
        return []
    refused = set(
        Participant.objects.filter(
            session_id__in=[chat["pk"] for chat in chats], state=Participant.State.LEFT
        ).values_list("session_id", "user_id")
    )
    assigned = []
    for session_id, user_id in _plan(helpers, chats, refused, now):
        session = _assign_planned(session_id, user_id, now)
        if session is not None:
            assigned.append(session)
    return assigned
