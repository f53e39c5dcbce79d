"""SQL expressions the figures share: durations in seconds and percentiles.

Percentiles use PostgreSQL's ``percentile_cont``; on other databases the same interpolation is
done on the one or two rows around each percentile, picked out by a window query."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber

# The wait percentiles every figure reports: median and 90th.
PERCENTILES = (Fraction(1, 2), Fraction(9, 10))


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


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


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
