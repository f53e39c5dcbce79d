"""Exports as rows: the columns of each CSV export and its rows, read in chunks.

``values_list(...).iterator(chunk_size)`` keeps only one chunk in memory (a server-side cursor on
PostgreSQL, ``fetchmany`` on SQLite); the pages stream the rows out as CSV (``pages.csv``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ...models import ChatSession, ChatTag, Focus
from .expressions import duration_seconds, first_response_seconds, wait_seconds
from .filters import Filters
from .stats import queue_days

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Export:
    """One export: the file's name, its header row and its rows (a lazy iterator)."""

    filename: str
    header: list[str]
    rows: Iterable[Iterable[Any]]


# --- Feedback ---------------------------------------------------------------------------------

FEEDBACK_COLUMNS = [
    ("created", "created"),
    ("session", "session_id"),
    ("queue", "session__queue__slug"),
    ("locale", "session__locale"),
    ("product", "session__product"),
    ("article_id", "article_id"),
    ("article_title", "session__article_title"),
    ("revision_id", "revision_id"),
    ("outcome", "outcome"),
    ("solved_by_id", "solved_by_id"),
    ("missing", "missing"),
    ("suggested_change", "suggested_change"),
    ("tags", "tags"),
    ("flagged_for_review", "flagged_for_review"),
    ("author", "author__username"),
]


def feedback_rows_queryset(filters: Filters):
    """Every article feedback in the range, oldest first, as tuples of the export's columns."""
    return (
        filters.feedback()
        .order_by("created", "pk")
        .values_list(*(column for _, column in FEEDBACK_COLUMNS))
    )


def feedback_rows(filters: Filters) -> Iterator[tuple]:
    """The feedback rows, read ``CHUNK_SIZE`` at a time."""
    return feedback_rows_queryset(filters).iterator(chunk_size=CHUNK_SIZE)


def feedback_export(filters: Filters) -> Export:
    return Export(
        _filename("feedback", filters),
        [name for name, _ in FEEDBACK_COLUMNS],
        feedback_rows(filters),
    )


# --- Focus answers ----------------------------------------------------------------------------

FOCUS_COLUMNS = [
    ("session", "pk"),
    ("created", "created"),
    ("status", "status"),
    ("queue", "queue__slug"),
    ("locale", "locale"),
    ("product", "product"),
    ("browser", "browser"),
    ("browser_version", "browser_version"),
    ("article_id", "article_id"),
    ("outcome", "feedback__outcome"),
]


def focus_answer_rows(focus: Focus, filters: Filters) -> Iterator[list]:
    """One row per chat of the focus: its context, outcome, then one column per question."""
    keys = [q["key"] for q in focus.questions]
    rows = (
        ChatSession.objects.filter(filters.session_q(), focus=focus)
        .order_by("created", "pk")
        .values_list(*(column for _, column in FOCUS_COLUMNS), "answers")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for *context, answers in rows:
        answers = answers or {}
        yield [*context, *(answers.get(key) for key in keys)]


def focus_answers_export(focus: Focus, filters: Filters) -> Export:
    header = [name for name, _ in FOCUS_COLUMNS] + [q["key"] for q in focus.questions]
    return Export(
        _filename(f"focus-{focus.slug}", filters), header, focus_answer_rows(focus, filters)
    )


# --- One row per chat -------------------------------------------------------------------------

CHAT_COLUMNS = [
    ("session", "pk"),
    ("created", "created"),
    ("status", "status"),
    ("queue", "queue__slug"),
    ("locale", "locale"),
    ("product", "product"),
    ("article_id", "article_id"),
    ("article_title", "article_title"),
    ("focus", "focus__title"),
    ("helper", "helper__username"),
    ("wait_seconds", "wait"),
    ("first_response_seconds", "first_response"),
    ("duration_seconds", "duration"),
    ("end_reason", "end_reason"),
    ("forum_question_id", "handoff_question_id"),
    ("outcome", "feedback__outcome"),
    ("missing", "feedback__missing"),
    ("suggested_change", "feedback__suggested_change"),
    ("rating", "rating__score"),
    ("rating_comment", "rating__comment"),
    ("article_helped", "rating__article_helped"),
]
CHAT_HEADER = [name for name, _ in CHAT_COLUMNS[:1]] + ["tags"] + [n for n, _ in CHAT_COLUMNS[1:]]


def chat_rows(sessions) -> Iterator[list]:
    """One row per chat: context, waits, tags, the helper's outcome and the visitor's rating.

    Tags are read once per chunk of chats (one query for ``CHUNK_SIZE`` rows), not per row.
    """
    rows = (
        sessions.annotate(
            wait=wait_seconds(),
            first_response=first_response_seconds(),
            duration=duration_seconds(),
        )
        .order_by("created", "pk")
        .values_list(*(column for _, column in CHAT_COLUMNS))
        .iterator(chunk_size=CHUNK_SIZE)
    )
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_SIZE:
            yield from _with_tags(chunk)
            chunk = []
    yield from _with_tags(chunk)


def _with_tags(chunk: list[tuple]) -> Iterator[list]:
    tags: dict[Any, list[str]] = {}
    pairs = ChatTag.objects.filter(session_id__in=[row[0] for row in chunk]).order_by("name")
    for session_id, name in pairs.values_list("session_id", "name"):
        tags.setdefault(session_id, []).append(name)
    for session_id, *rest in chunk:
        rest = [round(v, 3) if type(v) is float else v for v in rest]
        yield [session_id, tags.get(session_id, []), *rest]


def chats_export(filters: Filters, *, sessions=None) -> Export:
    """Every chat of the filter (or of ``sessions``, already narrowed), one row each."""
    if sessions is None:
        sessions = filters.sessions()
    return Export(_filename("chats", filters), CHAT_HEADER, chat_rows(sessions))


# --- Stats ------------------------------------------------------------------------------------

STATS_COLUMNS = [
    "day",
    "queue",
    "requested",
    "answered",
    "abandoned",
    "missed",
    "handed_off",
    "ended",
    "wait_p50",
    "wait_p90",
    "first_response_avg",
    "duration_avg",
    "ratings",
    "rating_avg",
]


def stats_rows(filters: Filters) -> Iterator[list]:
    """Per queue and day (already aggregated in the database: one row per group)."""
    for row in queue_days(filters):
        yield [row[column] for column in STATS_COLUMNS]


def stats_export(filters: Filters) -> Export:
    return Export(_filename("stats", filters), STATS_COLUMNS, stats_rows(filters))


def _filename(kind: str, filters: Filters) -> str:
    span = "-".join(d.isoformat() for d in (filters.start, filters.end) if d) or "all"
    return f"livechat-{kind}-{span}.csv"
