"""Karma for chat work: the points ledger, the rules that keep it honest, and its readers.

``award()`` is the only writer of ``KarmaAward`` rows. The ledger row is the record itself, so
totals, leaderboards and profile panels read it with aggregate queries; the backends listed in
``LIVECHAT_KARMA_BACKENDS`` (Kitsune titles, badges...) receive each new award after it is stored.
"""

import logging
from datetime import timedelta
from functools import lru_cache

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ...conf import livechat_settings
from ...exceptions import Conflict, InvalidInput
from ...host import get_host_adapter
from ...locales import site_locale
from ...models import (
    ArticleFeedback,
    ChatSession,
    KarmaAward,
    Message,
    Participant,
    Rating,
    Trainee,
)
from ..shared.access import Caller, get_session_for
from ..shared.locks import lock_user
from ..shared.people import users_for_display
from ..shared.supervision import require_supervisor

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
    connection, finds the stored row instead of adding one (the database's unique constraints
    decide the race; without a session an action is credited once per user). None means no
    credit: zero points, or an anti-gaming rule refused it. Only a newly stored award is
    passed to the karma backends; a failing backend is logged and never breaks the caller.
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


def _lock_user(user) -> None:
    """Serialise awards that depend on a user's history ("first chat ever") per user."""
    lock_user(user.pk)


def _credit_answer(user, session: ChatSession) -> list[KarmaAward]:
    """Chat answered, plus the first-chat bonus when no other chat was ever credited.

    The user's row is locked so two chats ending at once cannot both count as the first.
    """
    with transaction.atomic():
        _lock_user(user)
        first = (
            not KarmaAward.objects.filter(user=user, action=Action.CHAT_ANSWERED)
            .exclude(session=session)
            .exists()
        )
        answered = award(user, Action.CHAT_ANSWERED, session)
        if answered is None:
            return []
        bonus = award(user, Action.FIRST_CHAT, session) if first else None
    return [karma for karma in (answered, bonus) if karma is not None]


def walked_away(session: ChatSession, *, answered_by: set[int], drafted_by: set[int]) -> bool:
    """Whether the chat's helper walked away from it.

    Walking away means: the helper owned the chat when it ended, had held it for at least
    ``KARMA_WALKED_AWAY_SECONDS``, and sent the visitor nothing at all (no message, and no
    draft waiting for a mentor). A chat handed on to someone else is not walked away from, and
    neither is one the visitor left before a helper could reasonably answer.
    """
    helper_id = session.helper_id
    if helper_id is None or helper_id in answered_by or helper_id in drafted_by:
        return False
    return chat_seconds(session) >= livechat_settings.KARMA_WALKED_AWAY_SECONDS


def credit_chat_end(session: ChatSession) -> list[KarmaAward]:
    """Credit everyone who worked a chat that just ended; safe to call again.

    - every helper who sent the visitor a message (the owner, invited helpers, a trainee whose
      drafts were approved): chat answered, and the first-chat bonus on their first one;
    - a trainee's mentor who was in the chat: mentored chat;
    - the owner who sent nothing: the walked-away deduction.
    The anti-gaming rules in ``award()`` apply to all credit.
    """
    if session.status != ChatSession.Status.ENDED:
        return []
    authors = (
        Message.objects.filter(session=session, role=Message.Role.HELPER, author__isnull=False)
        .filter(kind__in=(Message.Kind.TEXT, Message.Kind.DRAFT))
        .values_list("author_id", "kind")
        .distinct()
    )
    answered_by = {author for author, kind in authors if kind == Message.Kind.TEXT}
    drafted_by = {author for author, kind in authors if kind == Message.Kind.DRAFT}
    mentors = mentors_in_chat(session)
    people = get_user_model().objects.in_bulk(answered_by | set(mentors) | {session.helper_id})

    awards: list[KarmaAward] = []
    for user_id in sorted(answered_by):
        awards.extend(_credit_answer(people[user_id], session))
    for mentor_id in sorted(mentors):
        mentored = award(people[mentor_id], Action.MENTORED_CHAT, session)
        if mentored is not None:
            awards.append(mentored)
    if walked_away(session, answered_by=answered_by, drafted_by=drafted_by):
        deduction = award(people[session.helper_id], Action.WALKED_AWAY, session)
        if deduction is not None:
            awards.append(deduction)
    return awards


def mentors_in_chat(session: ChatSession) -> set[int]:
    """Ids of mentors who were in this chat with a trainee of theirs (observing or answering)."""
    present = set(
        Participant.objects.filter(session=session, joined_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    present.add(session.helper_id)
    trainee_in_chat = Q(user_id=session.helper_id) | Q(
        user__livechat_participations__session=session,
        user__livechat_participations__role=Participant.Role.TRAINEE,
        user__livechat_participations__joined_at__isnull=False,
    )
    rows = (
        Trainee.objects.filter(trainee_in_chat, mentor__isnull=False)
        .exclude(stage=Trainee.Stage.GRADUATED, graduated__lt=session.created)
        .values_list("user_id", "mentor_id")
        .distinct()
    )
    return {mentor for user, mentor in rows if mentor in present and mentor != user}


GOOD_RATING_SCORE = 4


def credit_rating(rating: Rating) -> KarmaAward | None:
    """A good rating (4 or 5 of 5) credits the helper who owned the chat; safe to call again."""
    session = rating.session
    result = None
    if rating.score >= GOOD_RATING_SCORE and session.helper_id is not None:
        result = award(session.helper, Action.GOOD_RATING, session)
    return result


# Feedback that said the article itself needs work; a later approved revision credits it.
REVISION_OUTCOMES = (
    ArticleFeedback.Outcome.ARTICLE_INCOMPLETE,
    ArticleFeedback.Outcome.ARTICLE_WRONG,
    ArticleFeedback.Outcome.ARTICLE_OUTDATED,
)


def credit_feedback_revisions() -> list[KarmaAward]:
    """Find feedback that led to an article revision, record it and credit its author.

    Feedback counts when it reported the article incomplete, wrong or outdated (or flagged it
    for review) and the host approved a new revision of that article after the feedback was
    filed, within ``KARMA_FEEDBACK_REVISION_DAYS`` (the revision the feedback was about does not
    count). The host adapter answers which revisions were approved since; each feedback is
    credited once (``led_to_revision_id`` is set).
    """
    adapter = get_host_adapter()
    window = timedelta(days=livechat_settings.KARMA_FEEDBACK_REVISION_DAYS)
    pending = (
        ArticleFeedback.objects.filter(
            Q(flagged_for_review=True) | Q(outcome__in=REVISION_OUTCOMES),
            led_to_revision_id__isnull=True,
            article__isnull=False,
            created__gte=timezone.now() - window,
        )
        .select_related("article", "author", "session")
        .order_by("created")
    )
    awards = []
    for feedback in pending:
        revision_ids = [
            revision_id
            for revision_id in adapter.approved_revision_ids_since(
                feedback.article, feedback.created
            )
            if revision_id != feedback.revision_id
        ]
        if not revision_ids:
            continue
        with transaction.atomic():
            updated = ArticleFeedback.objects.filter(
                pk=feedback.pk, led_to_revision_id__isnull=True
            ).update(led_to_revision_id=revision_ids[0])
            if updated and feedback.author is not None:
                credit = award(feedback.author, Action.FEEDBACK_LED_TO_REVISION, feedback.session)
                if credit is not None:
                    awards.append(credit)
    return awards


def refresh() -> dict[str, int]:
    """Periodic karma work (``livechat_karma``, ``livechat_sweep``): credit feedback that led
    to revisions, then let backends with a ``refresh()`` (auto titles) catch up with time."""
    credited = credit_feedback_revisions()
    refreshed = 0
    for path in livechat_settings.KARMA_BACKENDS:
        try:
            backend = _backend_class(path)()
            if hasattr(backend, "refresh"):
                with transaction.atomic():
                    backend.refresh()
                refreshed += 1
        except Exception:
            logger.exception("Karma backend %s failed to refresh", path)
    return {"feedback_credited": len(credited), "backends_refreshed": refreshed}


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
        awards = awards.filter(locale=site_locale(locale) or locale)
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


def leaderboard_entries(
    *, period: str = "all", locale: str | None = None, limit: int = 10
) -> list[dict]:
    """The leaderboard as people see it: rank, display name, profile link, points, chats."""
    rows = leaderboard(period=period, locale=locale, limit=limit)
    users = users_for_display([row["user_id"] for row in rows])
    adapter = get_host_adapter()
    entries = []
    for rank, row in enumerate(rows, start=1):
        user = users.get(row["user_id"])
        if user is None:
            continue
        entries.append(
            {
                "rank": rank,
                "display_name": adapter.display_name(user),
                "profile_url": adapter.profile_url(user),
                "points": row["points"],
                "chats": row["chats"],
            }
        )
    return entries


RECENT_WORK = 5


def _chat_titles(user) -> list[str]:
    """The live chat titles the user holds in the host (Kitsune's auto titles), if any."""
    try:
        title_model = apps.get_model("karma", "Title")
    except LookupError:
        return []
    names = [livechat_settings.TOP_HELPERS_TITLE]
    return list(
        title_model.objects.filter(users=user, name__in=names)
        .order_by("name")
        .values_list("name", flat=True)
    )


def profile_summary(user) -> dict:
    """Everything the profile panel shows, in a constant number of aggregate queries:
    points per period, chats helped, average rating, articles improved through feedback,
    live chat titles and the most recent credited work."""
    helped = ChatSession.objects.filter(helper=user, status=ChatSession.Status.ENDED).aggregate(
        chats=Count("pk"), rating=Avg("rating__score")
    )
    improved = (
        ArticleFeedback.objects.filter(author=user, led_to_revision_id__isnull=False)
        .values("article_id")
        .distinct()
        .count()
    )
    recent = [
        {
            "action": karma.action,
            "label": karma.get_action_display(),
            "points": karma.points,
            "article_title": karma.session.article_title if karma.session_id else "",
            "article_url": karma.session.article_url if karma.session_id else "",
            "created": karma.created,
        }
        for karma in KarmaAward.objects.filter(user=user)
        .select_related("session")
        .order_by("-created", "-pk")[:RECENT_WORK]
    ]
    rating = helped["rating"]
    return {
        "totals": totals(user),
        "chats_helped": helped["chats"],
        "rating_average": round(float(rating), 1) if rating is not None else None,
        "articles_improved": improved,
        "titles": _chat_titles(user),
        "recent": recent,
    }


# --- Supervisors ------------------------------------------------------------------------------

# What a supervisor may credit by hand: every action but the correction ``revoke_for_chat`` writes.
AWARDABLE = tuple(action for action in Action if action != Action.REVOKED)


def award_for_chat(*, caller: Caller, session_id, action: str) -> KarmaAward | None:
    """A supervisor credits (or, with ``walked_away``, debits) an ended chat's helper for an
    action the automatic rules missed, e.g. after an outage.

    It goes through ``award()`` like every other entry, so the ledger keeps one writer: an
    action is still credited once per helper and chat, and the anti-gaming rules still refuse
    credit (None) for a too short chat, the helper's own chat or a repeated pair.
    """
    require_supervisor(caller)
    if action not in AWARDABLE:
        raise InvalidInput(_("There is no such karma action."), code="invalid_action")
    session = get_session_for(caller, session_id).session
    if session.is_open:
        raise Conflict(_("Karma is credited once the chat has ended."), code="chat_open")
    if session.helper_id is None:
        raise Conflict(_("This chat has no helper to credit."), code="no_helper")
    with transaction.atomic():
        return award(session.helper, action, session)


def revoke_for_chat(*, caller: Caller, session_id, user_id) -> KarmaAward | None:
    """A supervisor takes back the karma a person earned (or lost) in one chat.

    The ledger is never edited: ``award()`` stores one correcting ``revoked`` entry worth minus
    the person's net points for that chat, once per person and chat. None when they had none.
    """
    require_supervisor(caller)
    if session_id is None:
        raise InvalidInput(_("Only karma earned in a chat can be revoked."), code="no_chat")
    session = get_session_for(caller, session_id).session
    with transaction.atomic():
        lock_user(user_id)
        earned = KarmaAward.objects.filter(user_id=user_id, session=session)
        if earned.filter(action=Action.REVOKED).exists():
            raise Conflict(_("This karma was already revoked."), code="already_revoked")
        net = earned.aggregate(points=Coalesce(Sum("points"), 0))["points"]
        if not net:
            return None
        user = get_user_model()._default_manager.get(pk=user_id)
        return award(user, Action.REVOKED, session, points=-net)
