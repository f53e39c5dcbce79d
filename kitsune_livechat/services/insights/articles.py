"""Article figures: which articles fail users and why (ranking, outcomes, wrong/right pairs,
themes of what was missing, trend and one article's insight).

Feedback themes count the words and tags stored as JSON lists by unnesting them in SQL."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    F,
    FloatField,
    Max,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast, TruncDate, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from ...conf import livechat_settings
from ...host import get_host_adapter
from ...models import ArticleFeedback, ChatSession

# --- Articles ---------------------------------------------------------------------------------
from .expressions import rounded
from .filters import Filters
from .stats import ratings

Status = ChatSession.Status
Outcome = ArticleFeedback.Outcome


def _article_figures() -> dict[str, Any]:
    judged = ~Q(feedback__outcome=Outcome.NOT_ARTICLE_RELATED) & Q(feedback__isnull=False)
    return {
        "chats": Count("pk"),
        "with_feedback": Count("feedback"),
        "judged": Count("pk", filter=judged),
        "failures": Count("pk", filter=Q(feedback__outcome__in=ArticleFeedback.FAILURES)),
        "solved": Count("pk", filter=Q(feedback__outcome=Outcome.ARTICLE_SOLVED)),
    }


def article_ranking(
    filters: Filters, *, min_sample: int | None = None, limit: int = 50
) -> list[dict]:
    """Articles that fail their readers most: chats from the article × failure rate.

    The failure rate is failing outcomes (incomplete, wrong, outdated, wrong article) over the
    chats whose feedback judged the article (everything but "not article related"). Articles
    with fewer judged chats than ``LIVECHAT_INSIGHTS_MIN_SAMPLE`` are left out, so one bad chat
    does not top the list. One query.
    """
    if min_sample is None:
        min_sample = livechat_settings.INSIGHTS_MIN_SAMPLE
    rows = (
        filters.sessions()
        .filter(article__isnull=False)
        .values("article")
        .annotate(
            **_article_figures(),
            title=Max("article_title"),
            url=Max("article_url"),
        )
        .filter(judged__gte=max(min_sample, 1))
        .annotate(failure_rate=Cast("failures", FloatField()) / Cast("judged", FloatField()))
        .annotate(score=Cast("chats", FloatField()) * F("failure_rate"))
        .order_by("-score", "-chats", "article")[:limit]
    )
    ranking = []
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
        row["failure_rate"] = rounded(row["failure_rate"], 4)
        row["score"] = rounded(row["score"], 2)
        ranking.append(row)
    return ranking


def outcome_breakdown(feedback: QuerySet[ArticleFeedback]) -> list[dict]:
    """Every outcome with its count (zeros included), in the model's order."""
    counts = dict(feedback.order_by().values_list("outcome").annotate(n=Count("pk")))
    return [
        {"outcome": value, "label": str(label), "count": counts.get(value, 0)}
        for value, label in Outcome.choices
    ]


def _article_summaries(ids: list[int]) -> dict[int, dict]:
    """Title and URL of host articles, read in one query."""
    if not ids:
        return {}
    adapter = get_host_adapter()
    found = adapter.article_model()._default_manager.in_bulk(ids)
    return {
        pk: {
            "id": pk,
            "title": getattr(article, "title", "") or str(article),
            "url": article.get_absolute_url() if hasattr(article, "get_absolute_url") else "",
        }
        for pk, article in found.items()
    }


def wrong_right_pairs(feedback: QuerySet[ArticleFeedback], *, limit: int = 20) -> list[dict]:
    """ "Visitor was on article A, article B solved it": pairs with how often, most first."""
    rows = list(
        feedback.filter(solved_by__isnull=False, article__isnull=False)
        .values("article", "solved_by")
        .annotate(count=Count("pk"))
        .order_by("-count", "article", "solved_by")[:limit]
    )
    articles = _article_summaries(
        sorted({row["article"] for row in rows} | {row["solved_by"] for row in rows})
    )
    unknown = {"title": _("(deleted article)"), "url": ""}
    return [
        {
            "count": row["count"],
            "wrong": {"id": row["article"], **{**unknown, **articles.get(row["article"], {})}},
            "right": {
                "id": row["solved_by"],
                **{**unknown, **articles.get(row["solved_by"], {})},
            },
        }
        for row in rows
    ]


def _json_list_counts(
    feedback: QuerySet[ArticleFeedback], field_name: str, limit: int
) -> list[tuple[str, int]]:
    """How many feedback rows hold each item of a JSON list field, most first, in SQL.

    PostgreSQL unnests with ``jsonb_array_elements_text``, SQLite with ``json_each``. Lists are
    de-duplicated when stored, so a count is the number of feedback rows mentioning the item.
    """
    column = connection.ops.quote_name(ArticleFeedback._meta.get_field(field_name).column)
    table = connection.ops.quote_name(ArticleFeedback._meta.db_table)
    pk = connection.ops.quote_name(ArticleFeedback._meta.pk.column)
    ids_sql, ids_params = feedback.order_by().values("pk").query.sql_with_params()
    if connection.vendor == "postgresql":
        source = f"jsonb_array_elements_text(f.{column}) AS item(value)"
        item = "item.value"
    elif connection.vendor == "sqlite":
        source = f"json_each(f.{column}) AS item"
        item = "item.value"
    else:
        # No portable JSON unnesting: count the stored lists as they stream by.
        counter: Counter[str] = Counter()
        for values in feedback.values_list(field_name, flat=True).iterator(chunk_size=2000):
            counter.update(values or [])
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    sql = (
        f"SELECT {item} AS term, COUNT(*) AS n FROM {table} f, {source} "
        f"WHERE f.{pk} IN ({ids_sql}) GROUP BY {item} ORDER BY n DESC, term LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids_params, limit])
        return [(str(term), int(n)) for term, n in cursor.fetchall()]


def themes(feedback: QuerySet[ArticleFeedback], *, limit: int = 15) -> dict[str, list[dict]]:
    """Missing-information themes: the most frequent words of "what was missing" and tags."""
    return {
        "terms": [
            {"term": term, "count": n} for term, n in _json_list_counts(feedback, "terms", limit)
        ],
        "tags": [{"tag": tag, "count": n} for tag, n in _json_list_counts(feedback, "tags", limit)],
    }


def trend(filters: Filters, *, article_id: int | None = None, period: str = "") -> list[dict]:
    """Chats, judged chats and failures per day or week (``period``; chosen by range if empty)."""
    if not period:
        span = (filters.end - filters.start).days if filters.start and filters.end else 0
        period = "day" if span <= 62 else "week"
    trunc = TruncDate("created") if period == "day" else TruncWeek("created")
    sessions = filters.sessions()
    if article_id is not None:
        sessions = sessions.filter(article_id=article_id)
    rows = (
        sessions.annotate(period_start=trunc)
        .values("period_start")
        .annotate(**_article_figures())
        .order_by("period_start")
    )
    by_start = {}
    for row in rows:
        start = row.pop("period_start")
        if isinstance(start, datetime):
            start = timezone.localtime(start).date() if timezone.is_aware(start) else start.date()
        by_start[start] = row
    starts = sorted(by_start)
    if filters.start and filters.end:
        # Every period of the range, so a chart's x axis is evenly spaced in time.
        step = timedelta(days=1 if period == "day" else 7)
        first = filters.start - timedelta(days=0 if period == "day" else filters.start.weekday())
        starts = [first + step * n for n in range((filters.end - first) // step + 1)]
    empty = dict.fromkeys(_article_figures(), 0)
    return [{"period": period, "start": s, **by_start.get(s, empty)} for s in starts]


def article_insight(filters: Filters, article_id: int) -> dict:
    """Everything the per-article page shows, for chats started from ``article_id``."""
    sessions = filters.sessions().filter(article_id=article_id)
    feedback = filters.feedback().filter(session__article_id=article_id)
    figures = sessions.order_by().aggregate(
        **_article_figures(),
        abandoned=Count("pk", filter=Q(status=Status.ABANDONED)),
        missed=Count("pk", filter=Q(status=Status.MISSED)),
        handed_off=Count("pk", filter=Q(handoff_question_id__isnull=False)),
    )
    figures["failure_rate"] = (
        rounded(figures["failures"] / figures["judged"], 4) if figures["judged"] else None
    )
    recent = feedback.order_by("-created", "-pk")
    return {
        "figures": figures,
        "outcomes": outcome_breakdown(feedback),
        "solved_instead": wrong_right_pairs(feedback),
        "themes": themes(feedback),
        "missing": list(
            recent.exclude(missing="").values("created", "outcome", "missing", "session_id")[:20]
        ),
        "suggestions": list(
            recent.exclude(suggested_change="").values(
                "created", "outcome", "suggested_change", "session_id"
            )[:20]
        ),
        "ratings": ratings(filters, article_id=article_id),
        "trend": trend(filters, article_id=article_id),
        "revisions": list(
            feedback.exclude(revision_id=None)
            .values("revision_id")
            .annotate(
                count=Count("pk"),
                failures=Count("pk", filter=Q(outcome__in=ArticleFeedback.FAILURES)),
            )
            .order_by("-revision_id")[:10]
        ),
    }
