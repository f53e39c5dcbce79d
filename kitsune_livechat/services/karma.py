"""Karma for chat work: the points ledger, the rules that keep it honest, and its readers.

``award()`` is the only writer of ``KarmaAward`` rows. The ledger row is the record itself, so
totals, leaderboards and profile panels read it with aggregate queries; the backends listed in
``LIVECHAT_KARMA_BACKENDS`` (Kitsune titles, badges...) receive each new award after it is stored.
"""

import logging
from datetime import timedelta
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ..conf import livechat_settings
from ..exceptions import InvalidInput
from ..models import ChatSession, KarmaAward

logger = logging.getLogger(__name__)

Action = KarmaAward.Action

# Credit earned by working a chat; the anti-gaming rules apply to these. A deduction
# (walked away) and the graduation of a trainee are not earned by a chat's length or pair.
CHAT_WORK_ACTIONS = frozenset(
    {
        Action.CHAT_ANSWERED,
        Action.FIRST_CHAT,
        Action.GOOD_RATING,
        Action.FEEDBACK_FILED,
        Action.FEEDBACK_LED_TO_REVISION,
        Action.MENTORED_CHAT,
    }
)

REPEAT_PAIR_WINDOW = timedelta(days=30)


# --- Anti-gaming ------------------------------------------------------------------------------


def chat_seconds(session: ChatSession) -> float:
    """How long a helper was in the chat: from assignment to its end (or now, while open)."""
    start = session.assigned_at or session.created
    end = session.ended_at or timezone.now()
    return max((end - start).total_seconds(), 0.0)


def _same_visitor(session: ChatSession) -> Q | None:
    if session.visitor_id:
        return Q(visitor_id=session.visitor_id)
    if session.anonymous_key:
        return Q(anonymous_key=session.anonymous_key)
    return None


def _pair_sessions(user, session: ChatSession):
    """Earlier chats in the 30 days before this one where ``user`` helped the same visitor."""
    visitor = _same_visitor(session)
    if visitor is None:
        return ChatSession.objects.none()
    worked = (
        Q(helper=user)
        | Q(participants__user=user, participants__joined_at__isnull=False)
        | Q(karma__user=user, karma__action__in=CHAT_WORK_ACTIONS)
    )
    return (
        ChatSession.objects.filter(
            visitor,
            worked,
            created__gte=session.created - REPEAT_PAIR_WINDOW,
            created__lt=session.created,
        )
        .exclude(pk=session.pk)
        .values("pk")
        .distinct()
    )


def credit_refusal(user, session: ChatSession) -> str | None:
    """Why ``user`` earns no credit for this chat, or None when it counts.

    A chat counts when it lasted at least ``KARMA_MIN_CHAT_SECONDS``, the helper is not the
    visitor, and it is among the first ``KARMA_REPEAT_PAIR_LIMIT`` chats between the same two
    people in 30 days. The pair rule looks only at earlier chats, so the verdict on a chat never
    changes later and retried awards stay consistent.
    """
    if session.visitor_id is not None and session.visitor_id == user.pk:
        return "own_chat"
    if chat_seconds(session) < livechat_settings.KARMA_MIN_CHAT_SECONDS:
        return "too_short"
    limit = livechat_settings.KARMA_REPEAT_PAIR_LIMIT
    if limit is not None and _pair_sessions(user, session).count() >= limit:
        return "repeat_pair"
    return None


# --- The ledger -------------------------------------------------------------------------------


def points_for(action: str) -> int:
    points = livechat_settings.KARMA_POINTS
    if action not in points:
        raise ValueError(f"No points configured for karma action {action!r}.")
    return int(points[action])


def award(user, action: str, session: ChatSession | None = None, *, points: int | None = None):
    """Credit ``user`` for ``action`` (in ``session``) once; returns the award or None.

    Idempotent per (user, action, session): a retry, or a concurrent call on another
    connection, finds the stored row instead of adding one (the database's unique constraint
    decides the race). None means no credit: zero points, or an anti-gaming rule refused it.
    Only a newly stored award is passed to the karma backends; a failing backend is logged
    and never breaks the caller.
    """
    action = Action(action)
    points = points_for(action) if points is None else int(points)
    if points == 0:
        return None
    if session is not None and points > 0 and action in CHAT_WORK_ACTIONS:
        refusal = credit_refusal(user, session)
        if refusal is not None:
            logger.info(
                "No %s karma for user %s in chat %s: %s", action, user.pk, session.pk, refusal
            )
            return None
    locale = session.locale if session is not None else ""
    try:
        with transaction.atomic():
            karma, created = KarmaAward.objects.get_or_create(
                user=user,
                action=action,
                session=session,
                defaults={"points": points, "locale": locale, "created": timezone.now()},
            )
    except IntegrityError:
        # get_or_create re-reads after a lost race; landing here means the winner's row is not
        # visible yet to a plain read (it committed after our snapshot). Ask once more.
        karma = KarmaAward.objects.get(user=user, action=action, session=session)
        created = False
    if created:
        notify_backends(karma)
    return karma


@lru_cache(maxsize=32)
def _backend_class(path: str):
    return import_string(path)


def notify_backends(karma: KarmaAward) -> None:
    """Hand a new award to every configured backend, each in its own savepoint.

    A backend that raises is logged and its partial writes are rolled back to the savepoint,
    so the caller's transaction (ending a chat, filing feedback) carries on unharmed.
    """
    for path in livechat_settings.KARMA_BACKENDS:
        try:
            backend = _backend_class(path)()
            with transaction.atomic():
                backend.award(karma)
        except Exception:
            logger.exception("Karma backend %s failed on award %s", path, karma.pk)


def is_first_chat(user) -> bool:
    """Whether ``user`` has never been credited for answering a chat before."""
    return not KarmaAward.objects.filter(user=user, action=Action.CHAT_ANSWERED).exists()


def lock_user(user) -> None:
    """Serialise awards that depend on a user's history ("first chat ever") per user."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()


# --- Readers: totals and leaderboards (aggregate queries over the ledger) ---------------------

PERIODS = {"week": timedelta(days=7), "90d": timedelta(days=90), "all": None}


def _year_start(year: int | None = None):
    now = timezone.localtime()
    return now.replace(
        year=year or now.year, month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )


def totals(user) -> dict[str, int]:
    """A user's points for all time, the last 90 days and this calendar year, in one query."""
    now = timezone.now()
    result = KarmaAward.objects.filter(user=user).aggregate(
        all_time=Coalesce(Sum("points"), 0),
        last_90_days=Coalesce(Sum("points", filter=Q(created__gte=now - timedelta(days=90))), 0),
        this_year=Coalesce(Sum("points", filter=Q(created__gte=_year_start())), 0),
    )
    return {key: int(value) for key, value in result.items()}


def points_in_year(user, year: int) -> int:
    start = _year_start(year)
    end = start.replace(year=year + 1)
    result = KarmaAward.objects.filter(user=user, created__gte=start, created__lt=end).aggregate(
        points=Coalesce(Sum("points"), 0)
    )
    return int(result["points"])


def leaderboard(*, period: str = "all", locale: str | None = None, limit: int = 10) -> list[dict]:
    """The top ``limit`` users by points earned in ``period`` (week, 90d, all), optionally only
    from chats in ``locale``; rows of {"user_id", "points", "chats"}. One aggregate query."""
    if period not in PERIODS:
        raise InvalidInput(_("Unknown period."), code="invalid_period")
    awards = KarmaAward.objects.all()
    if PERIODS[period] is not None:
        awards = awards.filter(created__gte=timezone.now() - PERIODS[period])
    if locale:
        awards = awards.filter(locale=locale)
    rows = (
        awards.values("user_id")
        .annotate(
            points=Sum("points"),
            chats=Count("pk", filter=Q(action=Action.CHAT_ANSWERED)),
        )
        .filter(points__gt=0)
        .order_by("-points", "user_id")[:limit]
    )
    return [
        {"user_id": row["user_id"], "points": int(row["points"]), "chats": row["chats"]}
        for row in rows
    ]
