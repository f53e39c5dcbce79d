"""Queue and helper figures, computed in the database: queue days, totals, the daily series,
helpers and ratings.

Every figure is an aggregate query (``values().annotate()``), so the cost grows with the number
of groups shown, not with the number of chats."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.db.models import (
    Avg,
    Count,
    F,
    Q,
)
from django.db.models.functions import TruncDate

from ...models import ChatSession, Rating
from ..shared.people import display_names

# --- Queue days, totals, helpers --------------------------------------------------------------
from .expressions import (
    duration_seconds,
    first_response_seconds,
    percentiles,
    rounded,
    wait_seconds,
)
from .filters import Filters

Status = ChatSession.Status


def _count_figures() -> dict[str, Any]:
    """Per-group counts and averages shared by queue days, totals and helper rows."""
    answered = Q(assigned_at__isnull=False)
    return {
        "requested": Count("pk"),
        "answered": Count("pk", filter=answered),
        "abandoned": Count("pk", filter=Q(status=Status.ABANDONED)),
        "missed": Count("pk", filter=Q(status=Status.MISSED)),
        "handed_off": Count("pk", filter=Q(handoff_question_id__isnull=False)),
        "ended": Count("pk", filter=Q(status=Status.ENDED)),
        "first_response_avg": Avg(first_response_seconds()),
        "duration_avg": Avg(duration_seconds(), filter=Q(status=Status.ENDED) & answered),
        "ratings": Count("rating"),
        "rating_avg": Avg("rating__score"),
    }


def _shape(row: dict) -> dict:
    for name in ("first_response_avg", "duration_avg"):
        row[name] = rounded(row[name], 1)
    row["rating_avg"] = rounded(row["rating_avg"], 2)
    return row


def _with_percentiles(row: dict, points: dict[Fraction, float] | None) -> dict:
    points = points or {}
    row["wait_p50"] = rounded(points.get(Fraction(1, 2)), 1)
    row["wait_p90"] = rounded(points.get(Fraction(9, 10)), 1)
    return row


def queue_days(filters: Filters) -> list[dict]:
    """Per queue and local day: requested, answered, abandoned, missed, handed off, ended,
    wait p50/p90 (seconds to a helper, answered chats), average first-response time and
    duration (seconds), number and average of ratings. Days without chats are left out.
    Three queries on PostgreSQL, four elsewhere, whatever the number of chats.
    """
    sessions = filters.sessions()
    rows = list(
        sessions.annotate(day=TruncDate("created"))
        .values("queue__slug", "queue__name", "day")
        .annotate(**_count_figures())
        .order_by("day", "queue__name", "queue__slug")
    )
    waits = percentiles(
        sessions,
        wait_seconds(),
        group_by={"_queue": F("queue__slug"), "_day": TruncDate("created")},
    )
    days = []
    for row in rows:
        queue = row.pop("queue__slug")
        row = {"queue": queue, "queue_name": row.pop("queue__name"), **row}
        days.append(_with_percentiles(_shape(row), waits.get((queue, row["day"]))))
    return days


def totals(filters: Filters) -> dict:
    """The same figures as ``queue_days`` over the whole range and all matching queues."""
    sessions = filters.sessions()
    row = sessions.order_by().aggregate(**_count_figures())
    waits = percentiles(sessions, wait_seconds()).get(())
    return _with_percentiles(_shape(row), waits)


def daily_series(filters: Filters) -> list[dict]:
    """Requested/answered/abandoned/missed and wait p50/p90 per day across queues, every day
    of the range (days without chats as zeros, without waits as None)."""
    sessions = filters.sessions()
    by_day = {
        row["day"]: row
        for row in sessions.annotate(day=TruncDate("created"))
        .values("day")
        .annotate(
            requested=Count("pk"),
            answered=Count("pk", filter=Q(assigned_at__isnull=False)),
            abandoned=Count("pk", filter=Q(status=Status.ABANDONED)),
            missed=Count("pk", filter=Q(status=Status.MISSED)),
        )
        .order_by("day")
    }
    waits = percentiles(sessions, wait_seconds(), group_by={"_day": TruncDate("created")})
    empty = {"requested": 0, "answered": 0, "abandoned": 0, "missed": 0}
    series = []
    for day in filters.days() or sorted(by_day):
        row = {**empty, **by_day.get(day, {}), "day": day}
        series.append(_with_percentiles(row, waits.get((day,))))
    return series


def helpers(filters: Filters, *, limit: int = 100) -> list[dict]:
    """Per helper who owned chats in the range: chats handled and how they went."""
    rows = list(
        filters.sessions()
        .filter(helper__isnull=False, assigned_at__isnull=False)
        .values("helper")
        .annotate(
            chats=Count("pk"),
            ended=Count("pk", filter=Q(status=Status.ENDED)),
            handed_off=Count("pk", filter=Q(handoff_question_id__isnull=False)),
            first_response_avg=Avg(first_response_seconds()),
            duration_avg=Avg(duration_seconds(), filter=Q(status=Status.ENDED)),
            ratings=Count("rating"),
            rating_avg=Avg("rating__score"),
            feedback_filed=Count("feedback"),
        )
        .order_by("-chats", "helper")[:limit]
    )
    names = display_names([row["helper"] for row in rows])
    for row in rows:
        row["name"] = names.get(row["helper"], "")
        _shape(row)
    return rows


def ratings(filters: Filters, *, article_id: int | None = None) -> dict:
    """How visitors rated chats: count, average, each score, and "did the article help?"."""
    qs = Rating.objects.filter(filters.session_q("session__"))
    if article_id is not None:
        qs = qs.filter(session__article_id=article_id)
    summary = qs.aggregate(
        count=Count("pk"),
        average=Avg("score"),
        helped=Count("pk", filter=Q(article_helped=True)),
        not_helped=Count("pk", filter=Q(article_helped=False)),
    )
    by_score = dict(qs.values_list("score").annotate(n=Count("pk")).order_by())
    summary["average"] = rounded(summary["average"], 2)
    summary["scores"] = {score: by_score.get(score, 0) for score in range(1, 6)}
    return summary


def stats(filters: Filters) -> dict:
    """Everything the stats page and API show for a range."""
    return {
        "filters": filters.as_params(),
        "totals": totals(filters),
        "days": daily_series(filters),
        "queue_days": queue_days(filters),
        "helpers": helpers(filters),
        "ratings": ratings(filters),
    }
