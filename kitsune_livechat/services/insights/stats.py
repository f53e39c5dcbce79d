"""Numbers about chats, computed in the database: queue days, helpers, articles and focuses.

Every figure is an aggregate query (``values().annotate()``), so the cost grows with the number
of groups shown, not with the number of chats. Percentiles use PostgreSQL's
``percentile_cont``; on other databases the same interpolation is done on the one or two rows
around each percentile, picked out by a window query. Feedback themes count the words and tags
stored as JSON lists by unnesting them in SQL.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    Q,
    QuerySet,
    Window,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, RowNumber, TruncDate, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from ...conf import livechat_settings
from ...exceptions import Forbidden, InvalidInput, NotAuthenticated
from ...host import get_host_adapter
from ...locales import site_locale
from ...models import ArticleFeedback, ChatSession, ChatTag, Focus, Rating
from ..shared.cleaning import check_structure
from ..shared.people import display_names
from ..shared.roles import reads_insights

Status = ChatSession.Status
Outcome = ArticleFeedback.Outcome
PERCENTILES = (Fraction(1, 2), Fraction(9, 10))
DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 3 * 366
# Dates a filter may name.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2999, 12, 31)
NO_OUTCOME = "none"


# --- Filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which chats a figure covers: created between two local dates (inclusive), and more."""

    start: date | None = None
    end: date | None = None
    product: str = ""
    locale: str = ""
    queue: str = ""  # queue slug
    tag: str = ""  # a chat tag
    focus: int | None = None  # a focus campaign's id
    helper: str = ""  # the username of the chat's helper

    @classmethod
    def from_params(
        cls, params: Any, *, today: date | None = None, default_days: int | None = DEFAULT_DAYS
    ) -> Filters:
        """Read ``from``, ``to``, ``product``, ``locale``, ``queue``, ``tag`` (query string or
        dict).

        Without dates, the last ``default_days`` days (None: all time). Bad dates raise
        InvalidInput (``invalid_date``).
        """
        today = today or timezone.localdate()
        check_structure([params.get(name) for name in ("from", "to", "product", "locale", "queue")])
        end = _parse_date(params.get("to"), "to")
        start = _parse_date(params.get("from"), "from")
        if default_days is not None:
            end = end or today
            start = start or end - timedelta(days=default_days - 1)
        if start and end and start > end:
            raise InvalidInput(
                _("The start date must not be after the end date."), code="bad_range"
            )
        if start and end and (end - start).days > MAX_RANGE_DAYS:
            raise InvalidInput(_("Pick a range of at most three years."), code="bad_range")
        return cls(
            start=start,
            end=end,
            product=str(params.get("product") or "").strip(),
            locale=site_locale(str(params.get("locale") or "")) or "",
            queue=str(params.get("queue") or "").strip(),
            tag=str(params.get("tag") or "").strip().lower(),
            focus=_parse_id(params.get("focus"), "focus"),
            helper=str(params.get("helper") or "").strip(),
        )

    def as_params(self) -> dict[str, str]:
        """The filters as query-string values (for links between pages and exports)."""
        params = {
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "product": self.product,
            "locale": self.locale,
            "queue": self.queue,
            "tag": self.tag,
            "focus": str(self.focus) if self.focus else "",
            "helper": self.helper,
        }
        return {key: value for key, value in params.items() if value}

    def session_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.start:
            q &= Q(**{f"{prefix}created__gte": _local_midnight(self.start)})
        if self.end:
            q &= Q(**{f"{prefix}created__lt": _local_midnight(self.end + timedelta(days=1))})
        if self.product:
            q &= Q(**{f"{prefix}product": self.product})
        if self.locale:
            q &= Q(**{f"{prefix}locale": self.locale})
        if self.queue:
            q &= Q(**{f"{prefix}queue__slug": self.queue})
        if self.tag:
            tagged = ChatTag.objects.filter(name=self.tag).values("session_id")
            q &= Q(**{f"{prefix}pk__in": tagged})
        if self.focus:
            q &= Q(**{f"{prefix}focus_id": self.focus})
        if self.helper:
            username = get_user_model().USERNAME_FIELD
            q &= Q(**{f"{prefix}helper__{username}": self.helper})
        return q

    def sessions(self) -> QuerySet[ChatSession]:
        return ChatSession.objects.filter(self.session_q())

    def feedback(self) -> QuerySet[ArticleFeedback]:
        return ArticleFeedback.objects.filter(self.session_q("session__"))

    def days(self) -> list[date]:
        if not (self.start and self.end):
            return []
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def _parse_id(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if number < 1:
        raise InvalidInput(_("%(name)s must be an id.") % {"name": name}, code="invalid_filter")
    return number


def _parse_date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        day = None
    # Far from today, range arithmetic and local midnights overflow ``date``.
    if day is None or not EARLIEST_DATE <= day <= LATEST_DATE:
        raise InvalidInput(
            _("“%(name)s” must be a date like 2024-01-31.") % {"name": name}, code="invalid_date"
        )
    return day


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- Expressions ------------------------------------------------------------------------------


class Seconds(Func):
    """Seconds from ``start`` to ``end`` as a float, exact to the microsecond.

    PostgreSQL subtracts to an interval; databases without a native duration type (SQLite,
    MySQL) give microseconds.
    """

    output_field = FloatField()

    def __init__(self, end: str, start: str):
        super().__init__(ExpressionWrapper(F(end) - F(start), output_field=DurationField()))

    def as_sql(self, compiler, connection, **extra_context):
        if connection.features.has_native_duration_field:
            extra_context["template"] = "EXTRACT(EPOCH FROM %(expressions)s)"
        else:
            extra_context["template"] = "(%(expressions)s / 1000000.0)"
        sql, params = super().as_sql(compiler, connection, **extra_context)
        if connection.vendor == "postgresql":
            sql = f"CAST({sql} AS double precision)"
        return sql, params


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(p) WITHIN GROUP (ORDER BY expr)``: interpolated."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, percentile: Fraction, **extra):
        super().__init__(expression, percentile=float(percentile), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        extra_context["percentile"] = repr(float(self.extra["percentile"]))
        return super().as_sql(compiler, connection, **extra_context)


def wait_seconds() -> Seconds:
    """From the request until a helper took the chat."""
    return Seconds("assigned_at", "created")


def first_response_seconds() -> Seconds:
    """From the request until the helper's first message."""
    return Seconds("first_response_at", "created")


def duration_seconds() -> Seconds:
    """From the helper taking the chat until its end."""
    return Seconds("ended_at", "assigned_at")


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


# --- Percentiles ------------------------------------------------------------------------------


def percentiles(
    queryset: QuerySet,
    value: Any,
    *,
    group_by: dict[str, Any] | None = None,
    points: tuple[Fraction, ...] = PERCENTILES,
    method: str | None = None,
) -> dict[tuple, dict[Fraction, float]]:
    """Continuous percentiles of ``value`` over ``queryset``, per group.

    Same definition as PostgreSQL's ``percentile_cont``: position p·(n−1) in the sorted values,
    interpolated linearly between its neighbours; rows where the value is NULL are ignored.
    ``group_by`` maps names to expressions; the result is keyed by the tuple of group values
    (``()`` without grouping). ``method`` forces "aggregate" or "window" (tests compare them).
    """
    group_by = group_by or {}
    names = list(group_by)
    queryset = queryset.annotate(_value=value).filter(_value__isnull=False)
    if group_by:
        queryset = queryset.annotate(**group_by)
    method = method or ("aggregate" if connection.vendor == "postgresql" else "window")
    result: dict[tuple, dict[Fraction, float]] = {}
    if method == "aggregate":
        aggregates = {f"_p{i}": PercentileCont(F("_value"), p) for i, p in enumerate(points)}
        if names:
            rows = queryset.order_by().values(*names).annotate(**aggregates)
        else:
            rows = [queryset.order_by().aggregate(**aggregates)]
        for row in rows:
            if row[f"_p{0}"] is None:
                continue
            key = tuple(row[name] for name in names)
            result[key] = {p: float(row[f"_p{i}"]) for i, p in enumerate(points)}
        return result

    # Portable path: number each group's rows in value order, keep the rows next to each
    # percentile's position. For p = a/b, row r (1-based) of n is kept when
    # b(r-2) < a(n-1) < b·r, i.e. r-1 is floor or ceil of p(n-1): integer arithmetic, exact.
    partition = [F(name) for name in names] or None
    numbered = queryset.annotate(
        _rn=Window(RowNumber(), partition_by=partition, order_by=[F("_value").asc(), F("pk")]),
        _n=Window(Count("pk"), partition_by=partition),
    )
    picked: dict[tuple, dict[int, float]] = {}
    sizes: dict[tuple, int] = {}
    for p in points:
        a, b = p.numerator, p.denominator
        rows = (
            numbered.annotate(_gap=b * F("_rn") - a * (F("_n") - 1))
            .filter(_gap__gt=0, _gap__lt=2 * b)
            .order_by()
            .values_list(*names, "_rn", "_n", "_value")
        )
        for *key, rn, n, val in rows:
            key = tuple(key)
            picked.setdefault(key, {})[rn] = float(val)
            sizes[key] = n
    for key, by_row in picked.items():
        n = sizes[key]
        result[key] = {}
        for p in points:
            position = p * (n - 1)
            low = math.floor(position)
            fraction = position - low
            lower = by_row[low + 1]
            upper = by_row.get(low + 2, lower)
            result[key][p] = lower + float(fraction) * (upper - lower)
    return result


# --- Queue days, totals, helpers --------------------------------------------------------------


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
        row[name] = _round(row[name], 1)
    row["rating_avg"] = _round(row["rating_avg"], 2)
    return row


def _with_percentiles(row: dict, points: dict[Fraction, float] | None) -> dict:
    points = points or {}
    row["wait_p50"] = _round(points.get(Fraction(1, 2)), 1)
    row["wait_p90"] = _round(points.get(Fraction(9, 10)), 1)
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
    summary["average"] = _round(summary["average"], 2)
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


# --- Articles ---------------------------------------------------------------------------------


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
        row["failure_rate"] = _round(row["failure_rate"], 4)
        row["score"] = _round(row["score"], 2)
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
        _round(figures["failures"] / figures["judged"], 4) if figures["judged"] else None
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


# --- Focuses ----------------------------------------------------------------------------------

# JSON booleans come back as true/false (PostgreSQL) or 1/0 (SQLite); 1 == True in a set.
YES_VALUES = {True, "1", "true", "True"}
NO_VALUES = {False, "0", "false", "False"}


def _answer_value(question: dict, raw: Any) -> Any:
    if question.get("type") == "yesno":
        if raw in YES_VALUES:
            return True
        if raw in NO_VALUES:
            return False
    return raw


def _answer_label(question: dict, value: Any) -> str:
    if value is None:
        return _("(no answer)")
    if question.get("type") == "yesno":
        return _("Yes") if value is True else _("No") if value is False else str(value)
    return str(value)


def focus_answers(focus: Focus, filters: Filters | None = None, *, text_limit: int = 20) -> dict:
    """Per question: how many chats gave each answer, and those chats' feedback outcomes.

    One aggregate query per question (a focus has at most 20), plus one for the status counts.
    Choice and yes/no answers list every option, zeros included; text answers the most frequent
    ``text_limit`` values.
    """
    sessions = ChatSession.objects.filter(focus=focus)
    if filters is not None:
        sessions = sessions.filter(filters.session_q())
    by_status = dict(sessions.order_by().values_list("status").annotate(n=Count("pk")))
    outcomes = [*Outcome.values, NO_OUTCOME]
    questions = []
    for question in focus.questions:
        key = question["key"]
        rows = (
            sessions.annotate(answer=KT(f"answers__{key}"))
            .values("answer", "feedback__outcome")
            .annotate(n=Count("pk"))
            .order_by()
        )
        answers: dict[Any, dict] = {}
        kind = question.get("type", "text")
        if kind == "choice":
            for choice in question.get("choices") or []:
                value = str(choice["value"]) if isinstance(choice, dict) else str(choice)
                answers[value] = {"count": 0, "outcomes": dict.fromkeys(outcomes, 0)}
        elif kind == "yesno":
            for value in (True, False):
                answers[value] = {"count": 0, "outcomes": dict.fromkeys(outcomes, 0)}
        for row in rows:
            value = _answer_value(question, row["answer"])
            entry = answers.setdefault(value, {"count": 0, "outcomes": dict.fromkeys(outcomes, 0)})
            entry["count"] += row["n"]
            entry["outcomes"][row["feedback__outcome"] or NO_OUTCOME] += row["n"]
        listed = [
            {"value": value, "label": _answer_label(question, value), **entry}
            for value, entry in answers.items()
        ]
        if kind == "text":
            listed.sort(key=lambda a: (a["value"] is None, -a["count"], str(a["value"])))
            no_answer = [a for a in listed if a["value"] is None]
            listed = [a for a in listed if a["value"] is not None][:text_limit] + no_answer
        questions.append(
            {
                "key": key,
                "label": question.get("label", key),
                "type": kind,
                "answers": listed,
            }
        )
    return {
        "focus": {
            "id": focus.pk,
            "slug": focus.slug,
            "title": focus.title,
            "capacity": focus.capacity,
        },
        "chats": sum(by_status.values()),
        "by_status": {status: by_status.get(status, 0) for status in Status.values},
        "outcomes": outcomes,
        "questions": questions,
    }


def require_insights(caller: Any) -> None:
    """Insight pages, stats and exports are for people with ``livechat.view_insights``."""
    if not caller.is_authenticated:
        raise NotAuthenticated()
    if not reads_insights(caller.account):
        raise Forbidden(
            _("You need the permission to view live chat insights."), code="no_insights"
        )
