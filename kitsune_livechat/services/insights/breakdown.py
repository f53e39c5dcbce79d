"""Outcomes and ratings by tag, by focus campaign and by helper, and the chats behind a figure.

Insight readers (``view_insights``) and supervisors see every chat; a helper sees the same
figures over their own chats only, so they can learn from their outcomes without seeing others'.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from ...exceptions import Forbidden, InvalidInput, NotAuthenticated
from ...host import get_host_adapter
from ...models import ArticleFeedback, ChatSession, ChatTag, Focus
from ..shared.access import Caller
from ..shared.people import users_for_display
from ..shared.roles import is_helper, is_supervisor, reads_insights
from .filters import Filters

Outcome = ArticleFeedback.Outcome
DIMENSIONS = ("tag", "focus", "helper")
KEYS = {"tag": "chat_tags__name", "focus": "focus_id", "helper": "helper_id"}
CHAT_LIMIT = 500


def scope_of(caller: Caller) -> int | None:
    """None: every chat; a user id: only that helper's chats. Others are refused."""
    if not caller.is_authenticated:
        raise NotAuthenticated()
    if reads_insights(caller.account) or is_supervisor(caller.account):
        return None
    if is_helper(caller.account):
        return caller.user_id
    raise Forbidden(_("Only live chat contributors see these figures."), code="no_insights")


def _sessions(filters: Filters, helper_id: int | None) -> QuerySet[ChatSession]:
    sessions = filters.sessions()
    return sessions if helper_id is None else sessions.filter(helper_id=helper_id)


def breakdown(*, caller: Caller, filters: Filters, by: str) -> list[dict[str, Any]]:
    """Per tag, focus or helper: chats, each feedback outcome, ratings and their average, and
    the filter values (``params``) that list the chats behind the row."""
    if by not in DIMENSIONS:
        raise InvalidInput(_("Break down by tag, focus or helper."), code="invalid_breakdown")
    helper_id = scope_of(caller)
    key = KEYS[by]
    rows = list(
        _sessions(filters, helper_id)
        .filter(**{f"{key}__isnull": False})
        .values(key)
        .annotate(
            chats=Count("pk"),
            ratings=Count("rating"),
            rating_avg=Avg("rating__score"),
            judged=Count("feedback"),
            **{f"outcome_{o}": Count("pk", filter=Q(feedback__outcome=o)) for o in Outcome.values},
        )
        .order_by("-chats", key)
    )
    labels, params = _labels(by, [row[key] for row in rows])
    result = []
    for row in rows:
        value = row[key]
        result.append(
            {
                "key": str(value),
                "label": labels.get(value, str(value)),
                "params": params.get(value, {}),
                "chats": row["chats"],
                "judged": row["judged"],
                "outcomes": {o: row[f"outcome_{o}"] for o in Outcome.values},
                "ratings": row["ratings"],
                "rating_avg": round(row["rating_avg"], 2) if row["rating_avg"] else None,
            }
        )
    return result


def _labels(by: str, values: list) -> tuple[dict, dict]:
    if by == "tag":
        return {v: v for v in values}, {v: {"tag": v} for v in values}
    if by == "focus":
        titles = dict(Focus.objects.filter(pk__in=values).values_list("pk", "title"))
        return titles, {v: {"focus": str(v)} for v in values}
    adapter = get_host_adapter()
    users = users_for_display(values)
    return (
        {pk: adapter.display_name(user) for pk, user in users.items()},
        {pk: {"helper": user.get_username()} for pk, user in users.items()},
    )


def chats(*, caller: Caller, filters: Filters, limit: int = CHAT_LIMIT) -> list[dict[str, Any]]:
    """The chats behind a figure, newest first: what the drill-down lists."""
    helper_id = scope_of(caller)
    username = get_user_model().USERNAME_FIELD
    rows = list(
        _sessions(filters, helper_id)
        .order_by("-created", "pk")
        .values(
            "id",
            "created",
            "status",
            "locale",
            "problem",
            "article_title",
            "focus__title",
            f"helper__{username}",
            "feedback__outcome",
            "rating__score",
            "rating__comment",
        )[:limit]
    )
    tags: dict[Any, list[str]] = {}
    pairs = ChatTag.objects.filter(session_id__in=[r["id"] for r in rows]).order_by("name")
    for session_id, name in pairs.values_list("session_id", "name"):
        tags.setdefault(session_id, []).append(name)
    labels = dict(Outcome.choices)
    return [
        {
            "id": str(row["id"]),
            "created": row["created"],
            "status": row["status"],
            "locale": row["locale"],
            "problem": row["problem"][:200],
            "article": row["article_title"],
            "focus": row["focus__title"] or "",
            "helper": row[f"helper__{username}"] or "",
            "tags": tags.get(row["id"], []),
            "outcome": row["feedback__outcome"] or "",
            "outcome_label": str(labels.get(row["feedback__outcome"], "")),
            "rating": row["rating__score"],
            "comment": row["rating__comment"] or "",
        }
        for row in rows
    ]
