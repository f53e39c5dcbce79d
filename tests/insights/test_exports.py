"""CSV exports: exact contents, filters, and streaming a large export in constant memory."""

import asyncio
import csv
import io
import tracemalloc
import warnings
from datetime import UTC, datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from config.asgi import application
from django.db import connection
from django.test import Client
from django.urls import reverse

from kitsune_livechat.models import ArticleFeedback, ChatSession, Focus
from kitsune_livechat.pages import downloads
from kitsune_livechat.services.insights import exports
from kitsune_livechat.services.insights.filters import Filters
from tests.factories import (
    ArticleFeedbackFactory,
    DefaultQueueFactory,
    DocumentFactory,
    EndedChatFactory,
    HelperFactory,
    UserFactory,
)
from tests.sockets import session_cookie

pytestmark = pytest.mark.django_db

Outcome = ArticleFeedback.Outcome
DAY = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)


def download(client, kind, **params):
    response = client.get(reverse("livechat:insights_export", args=[kind]), params)
    assert response.status_code == 200, response
    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    text = b"".join(response.streaming_content).decode()
    return response, list(csv.reader(io.StringIO(text)))


def test_feedback_csv_has_one_exact_row_per_feedback(editor_client):
    article = DocumentFactory(title='Sync, bookmarks and "tabs"')
    right = DocumentFactory()
    helper = HelperFactory(username="ann")
    chat = EndedChatFactory(
        article=article, helper=helper, created=DAY, product="firefox", locale="de"
    )
    ArticleFeedbackFactory(
        session=chat,
        outcome=Outcome.WRONG_ARTICLE,
        solved_by=right,
        missing='=HYPERLINK("http://evil.example")',
        suggested_change="Line one\nline two",
        tags=["sync", "firefox-120"],
        flagged_for_review=True,
        created=DAY + timedelta(minutes=15),
    )
    outside = EndedChatFactory(created=DAY - timedelta(days=30))
    ArticleFeedbackFactory(session=outside)

    response, rows = download(
        editor_client, "feedback", **{"from": "2024-03-01", "to": "2024-03-31"}
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="livechat-feedback-2024-03-01-2024-03-31.csv"'
    )
    assert rows == [
        [name for name, _ in exports.FEEDBACK_COLUMNS],
        [
            "2024-03-04T10:15:00+00:00",
            str(chat.pk),
            "general",
            "de",
            "firefox",
            str(article.pk),
            'Sync, bookmarks and "tabs"',
            str(article.current_revision_id),
            "wrong_article",
            str(right.pk),
            '\'=HYPERLINK("http://evil.example")',  # never run as a spreadsheet formula
            "Line one\nline two",
            "sync;firefox-120",
            "yes",
            "ann",
        ],
    ]


def test_focus_answers_csv_has_a_column_per_question(editor_client):
    focus = Focus.objects.create(
        title="Sync",
        slug="sync",
        questions=[
            {"key": "version", "label": "Version", "type": "text"},
            {"key": "backup", "label": "Backup?", "type": "yesno"},
        ],
    )
    first = EndedChatFactory(
        focus=focus, created=DAY, answers={"version": "120", "backup": True}, browser="Firefox"
    )
    ArticleFeedbackFactory(session=first, outcome=Outcome.ARTICLE_OUTDATED)
    second = EndedChatFactory(focus=focus, created=DAY + timedelta(hours=1), answers={})
    EndedChatFactory(created=DAY, answers={"version": "1"})  # no focus: not exported

    response, rows = download(editor_client, "focus", focus=focus.pk)
    assert response["Content-Disposition"].endswith('filename="livechat-focus-sync-all.csv"')
    header = [name for name, _ in exports.FOCUS_COLUMNS] + ["version", "backup"]
    assert rows[0] == header
    assert [dict(zip(header, row, strict=True)) for row in rows[1:]] == [
        {
            "session": str(first.pk),
            "created": "2024-03-04T10:00:00+00:00",
            "status": "ended",
            "queue": "general",
            "locale": "en-US",
            "product": "",
            "browser": "Firefox",
            "browser_version": "",
            "article_id": str(first.article_id),
            "outcome": "article_outdated",
            "version": "120",
            "backup": "yes",
        },
        {
            "session": str(second.pk),
            "created": "2024-03-04T11:00:00+00:00",
            "status": "ended",
            "queue": "general",
            "locale": "en-US",
            "product": "",
            "browser": "",
            "browser_version": "",
            "article_id": str(second.article_id),
            "outcome": "",
            "version": "",
            "backup": "",
        },
    ]


def test_stats_csv_rows_per_queue_and_day(editor_client):
    helper = HelperFactory()
    for wait in (10, 30):
        created = DAY
        EndedChatFactory(
            helper=helper,
            created=created,
            assigned_at=created + timedelta(seconds=wait),
            first_response_at=created + timedelta(seconds=wait + 10),
            ended_at=created + timedelta(seconds=wait + 100),
        )
    ChatSession.objects.create(
        queue=DefaultQueueFactory(), locale="en-US", problem="?", status="missed", created=DAY
    )
    _, rows = download(editor_client, "stats", **{"from": "2024-03-04", "to": "2024-03-04"})
    assert rows == [
        exports.STATS_COLUMNS,
        ["2024-03-04", "general", "3", "2", "0", "1", "0", "2"]
        + ["20.0", "28.0", "30.0", "100.0", "0", ""],
    ]


def test_exports_refuse_people_without_the_permission():
    client = Client()
    client.force_login(HelperFactory())
    for kind in ("feedback", "stats"):
        assert client.get(reverse("livechat:insights_export", args=[kind])).status_code == 403


# --- A large export ---------------------------------------------------------------------------

ROWS = 100_000


def _insert_select(model, exprs: dict, source: str, params: list) -> None:
    """INSERT INTO model's table SELECT one row per row of ``source``, in the database.

    Every concrete column is filled: from ``exprs`` (SQL with %s placeholders, as a
    (sql, params) pair) or else with the field's Python default. Generating rows in SQL keeps
    100,000-row fixtures fast (bulk_create prepares every value in Python and SQLite caps a
    statement at 999 parameters, i.e. ~20 chats).
    """
    columns, selects, select_params = [], [], []
    for field in model._meta.concrete_fields:
        if field.get_internal_type().endswith("AutoField"):
            continue  # numbered by the database
        columns.append(connection.ops.quote_name(field.column))
        if field.name in exprs:
            sql, values = exprs[field.name]
        else:
            sql, values = "%s", [field.get_db_prep_save(field.get_default(), connection)]
        if connection.vendor == "postgresql":
            # Parameters in a SELECT list have no type of their own there.
            sql = f"CAST({sql} AS {field.db_type(connection)})"
        selects.append(sql)
        select_params.extend(values)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(selects)} {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*select_params, *params])


def make_feedback(count: int) -> None:
    """``count`` ended chats one second apart from DAY, each with article feedback."""
    queue = DefaultQueueFactory()
    article = DocumentFactory()
    helper = HelperFactory()
    postgres = connection.vendor == "postgresql"
    if postgres:
        numbers = "FROM generate_series(0, %s - 1) AS n(i)"
        new_id = ("md5(random()::text || i::text)::uuid", [])
        created = ("%s::timestamptz + make_interval(secs => i)", [DAY])
    else:
        numbers = "FROM (WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < %s) SELECT i FROM n)"  # noqa: E501
        new_id = ("lower(hex(randomblob(16)))", [])
        created = (
            "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, '+' || i || ' seconds')",
            [DAY.strftime("%Y-%m-%d %H:%M:%S")],
        )
    value = lambda v: ("%s", [v])  # noqa: E731
    _insert_select(
        ChatSession,
        {
            "id": new_id,
            "status": value(ChatSession.Status.ENDED),
            "queue": value(queue.pk),
            "article": value(article.pk),
            "article_title": value(article.title),
            "locale": value("en-US"),
            "product": value("firefox"),
            "problem": value("It crashes"),
            "helper": value(helper.pk),
            "created": created,
        },
        numbers,
        [count],
    )
    session = connection.ops.quote_name(ChatSession._meta.db_table)
    _insert_select(
        ArticleFeedback,
        {
            "session": ("s.id", []),
            "author": value(helper.pk),
            "article": value(article.pk),
            "outcome": value(Outcome.ARTICLE_INCOMPLETE),
            "missing": value("The article does not say where the sync settings moved to."),
            "suggested_change": value("Add a screenshot of the new sync settings page."),
            "tags": value(
                ArticleFeedback._meta.get_field("tags").get_db_prep_save(
                    ["sync", "settings"], connection
                )
            ),
            "created": ("s.created", []),
            "updated": ("s.created", []),
        },
        f"FROM {session} s WHERE s.queue_id = %s",
        [queue.pk],
    )


@pytest.mark.slow
def test_a_100000_row_export_streams_in_constant_memory(editor_client):
    make_feedback(ROWS)
    url = reverse("livechat:insights_export", args=["feedback"])
    params = {"from": "2024-03-01", "to": "2024-03-31"}

    tracemalloc.start()
    try:
        response = editor_client.get(url, params)
        assert response.streaming
        lines = size = 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\r\n")
            size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == ROWS + 1

    # What holding every row at once would take, scaled up from a tenth of them.
    tracemalloc.start()
    try:
        sample = list(exports.feedback_rows_queryset(exports_filters(params))[: ROWS // 10])
        _, sample_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(sample) == ROWS // 10
    all_rows = sample_peak * 10
    mb = 1_000_000
    print(f"export: {size / mb:.1f} MB CSV, peak {peak / mb:.2f} MB, rows {all_rows / mb:.0f} MB")
    # The peak is a small fraction of both the CSV and the rows: it does not grow with them.
    assert peak < size / 4
    assert peak < all_rows / 20


def exports_filters(params):
    return Filters.from_params(params)


@pytest.mark.django_db(transaction=True)
async def test_under_asgi_the_export_streams_as_it_is_read(monkeypatch):
    """Django buffers a synchronous iterator whole under ASGI; this one must not be: the first
    block reaches the client before the rest is read, and the content is complete."""

    rows = downloads.LINES_PER_CHUNK * 5
    await database_sync_to_async(make_feedback)(rows)
    editor = await database_sync_to_async(UserFactory)(username="editor", perms=["view_insights"])
    cookie = await session_cookie(editor)
    blocks_read = 0
    real_stream = downloads.stream_csv

    def counted(header, rows_):
        nonlocal blocks_read
        for block in real_stream(header, rows_):
            blocks_read += 1
            yield block

    monkeypatch.setattr(downloads, "stream_csv", counted)
    sent: list[tuple[int, bytes]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": reverse("livechat:insights_export", args=["feedback"]),
        "raw_path": b"",
        "query_string": b"from=2024-03-01&to=2024-03-31",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", f"sessionid={cookie}".encode())],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    answers = []

    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client stays connected

    async def send(message):
        answers.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            sent.append((blocks_read, message["body"]))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await application(scope, receive, send)

    assert answers[0]["status"] == 200
    assert not [w for w in caught if "synchronous iterators" in str(w.message)]
    assert sent[0][0] <= 2, "the first block was sent only after reading further ones"
    assert blocks_read >= 5
    lines = list(csv.reader(io.StringIO(b"".join(body for _, body in sent).decode())))
    assert len(lines) == rows + 1
    assert lines[0] == [name for name, _ in exports.FEEDBACK_COLUMNS]
