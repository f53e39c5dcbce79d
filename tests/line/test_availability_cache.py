"""The availability answer from the shared cache: the same answer for every reader while the
line does not change, retired after commit by every change to a line or to presence; and the
chat button that costs its article page nothing."""

import asyncio
import io
import json
import sys
import time

import pytest
from channels.db import database_sync_to_async
from config.asgi import application
from config.wsgi import application as wsgi_application
from django.core.cache import cache
from django.core.signals import request_started
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from kitsune_livechat.models import AgentStatus
from kitsune_livechat.services.line import assignment
from tests.factories import (
    DefaultQueueFactory,
    DocumentFactory,
    UserFactory,
    chat_form,
    online_helper,
)

pytestmark = pytest.mark.django_db

# Reading a line counts the helpers online; placing a reader (article, focus, queue) does not.
LINE_TABLES = ("livechat_agentstatus",)


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.LIVECHAT_AVAILABILITY_CACHE_SECONDS = 5
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def line(db):
    """A queue without auto-assignment, one helper online with two seats, and an article."""
    queue = DefaultQueueFactory(auto_assign=False, seconds_per_chat=60, full_multiplier=1)
    return {"queue": queue, "helper": online_helper(capacity=2), "article": DocumentFactory()}


def ask(api_client, article, user=None):
    response = api_client(user).get("availability", article=article.pk)
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_repeated_question_is_answered_without_a_query(
    api_client, line, django_assert_num_queries
):
    first = ask(api_client, line["article"])
    assert (first["state"], first["online"]) == ("open", 1)
    with django_assert_num_queries(0):
        assert ask(api_client, line["article"]) == first


def test_off_every_question_reads_the_line(
    api_client, line, settings, django_assert_max_num_queries
):
    settings.LIVECHAT_AVAILABILITY_CACHE_SECONDS = 0
    ask(api_client, line["article"])
    with CaptureQueriesContext(connection) as queries:
        ask(api_client, line["article"])
    assert any(table in q["sql"] for q in queries.captured_queries for table in LINE_TABLES)


def test_requests_claims_ends_and_presence_retire_the_answer(
    api_client, line, django_capture_on_commit_callbacks
):
    article, helper = line["article"], line["helper"]
    assert ask(api_client, article)["wait_seconds"] == 0

    visitors = [UserFactory(), UserFactory()]
    with django_capture_on_commit_callbacks(execute=True):
        first = api_client(visitors[0]).post("sessions", chat_form(article)).json()
    assert ask(api_client, article)["wait_seconds"] == 60  # one chat ahead now

    with django_capture_on_commit_callbacks(execute=True):
        api_client(visitors[1]).post("sessions", chat_form(article))
    full = ask(api_client, article)
    assert (full["state"], full["reason"]) == ("full", "line_full")  # 2 seats, 2 waiting

    with django_capture_on_commit_callbacks(execute=True):
        assert api_client(helper).post("agent/claim", {"session": first["id"]}).status_code == 200
    assert ask(api_client, article)["state"] == "open"

    with django_capture_on_commit_callbacks(execute=True):
        api_client(visitors[0]).post(f"sessions/{first['id']}/end", {})
    assert ask(api_client, article)["state"] == "open"

    with django_capture_on_commit_callbacks(execute=True):
        api_client(helper).put("agent/status", {"status": "offline"})
    closed = ask(api_client, article)
    assert (closed["state"], closed["reason"]) == ("closed", "nobody_online")


def test_a_change_outside_the_events_waits_for_the_cache_time(api_client, line, settings):
    """What no event reports (here a row edited behind the app's back) shows once the entry
    expires; the setting bounds how stale an answer can be."""
    assert ask(api_client, line["article"])["state"] == "open"
    AgentStatus.objects.update(status=AgentStatus.Status.OFFLINE)
    assert ask(api_client, line["article"])["state"] == "open"
    cache.clear()  # the entry's time is up
    assert ask(api_client, line["article"])["state"] == "closed"


def test_a_logged_in_reader_gets_their_article_checked_and_the_open_line(
    api_client, line, django_capture_on_commit_callbacks
):
    reader = UserFactory()
    anonymous = ask(api_client, line["article"])
    with CaptureQueriesContext(connection) as queries:
        assert ask(api_client, line["article"], reader) == anonymous
    sql = [q["sql"] for q in queries.captured_queries]
    assert any("wiki_document" in q for q in sql)  # the article is looked up for them
    assert not [q for q in sql for table in LINE_TABLES if table in q], sql  # the line is shared

    with django_capture_on_commit_callbacks(execute=True):
        api_client(line["helper"]).put("agent/status", {"status": "away"})
    assert ask(api_client, line["article"], reader)["state"] == "closed"


def test_bad_input_is_never_cached(api_client, line):
    assert api_client().get("availability", article="nope").status_code == 400
    assert api_client().get("availability", article="nope").json()["code"] == "unknown_article"


def test_a_failing_cache_is_bypassed(api_client, line, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("the cache is down")

    for name in ("get", "get_many", "set_many"):
        monkeypatch.setattr(cache, name, broken)
    assert ask(api_client, line["article"])["state"] == "open"


def test_the_button_renders_without_a_query(line, rf, django_assert_num_queries):
    article = line["article"]
    template = Template("{% load livechat_tags %}{% livechat_button article %}")
    context = Context({"article": article, "request": rf.get("/")})
    with django_assert_num_queries(0):
        html = template.render(context)
    assert f'data-article="{article.pk}"' in html
    assert "data-livechat-button" in html


# --- The whole response replayed before the host's stack (api/replay.py) ----------------------


async def asgi_get(path: str, query: str, *headers: tuple[bytes, bytes]) -> tuple[int, list, bytes]:
    """One GET through the example site's ASGI application, as a browser sends it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    messages: list[dict] = []
    sent = asyncio.Event()

    async def receive():
        if not sent.is_set():
            sent.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # no disconnect while the answer is written

    async def send(message):
        messages.append(message)

    await application(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], [tuple(h) for h in start["headers"]], body


def wsgi_get(path: str, query: str, *headers: tuple[bytes, bytes]) -> tuple[int, list, bytes]:
    """One GET through the example site's WSGI application, as a WSGI server passes it on."""
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        environ["HTTP_" + name.decode().upper().replace("-", "_")] = value.decode("latin-1")
    started: list = []

    def start_response(status, response_headers, exc_info=None):
        started[:] = [status, response_headers]

    result = wsgi_application(environ, start_response)
    body = b"".join(result)
    getattr(result, "close", lambda: None)()  # as a WSGI server does
    status, response_headers = started
    names = [(name.lower().encode(), value.encode("latin-1")) for name, value in response_headers]
    return int(status.split(" ", 1)[0]), names, body


@pytest.fixture(params=["asgi", "wsgi"])
def get(request):
    """A GET through the example site's ASGI or WSGI application, each with its replay door."""
    if request.param == "asgi":
        return asgi_get
    return database_sync_to_async(wsgi_get)


@pytest.fixture
def stack_runs():
    """How many requests reached Django's handler (and so the host's middleware)."""
    started: list = []

    def count(**kwargs):
        started.append(1)

    request_started.connect(count)
    yield started
    request_started.disconnect(count)


@pytest.fixture
def open_line(transactional_db):
    queue = DefaultQueueFactory(auto_assign=False, seconds_per_chat=60, full_multiplier=1)
    return {"queue": queue, "helper": online_helper(capacity=2), "article": DocumentFactory()}


PATH = "/livechat/api/availability"


@pytest.mark.django_db(transaction=True)
async def test_a_repeated_anonymous_question_gets_the_stacks_own_response_again(
    open_line, stack_runs, get
):
    query = f"article={open_line['article'].pk}"
    first = await get(PATH, query, (b"accept-language", b"de"))
    assert first[0] == 200 and json.loads(first[2])["state"] == "open"
    header_names = {name.lower() for name, _value in first[1]}
    assert {b"content-security-policy", b"x-frame-options", b"vary"} <= header_names
    assert len(stack_runs) == 1

    assert await get(PATH, query, (b"accept-language", b"de")) == first
    assert len(stack_runs) == 1  # answered before the host's middleware

    # Another language, a session or a visitor token is another request: the stack answers.
    await get(PATH, query, (b"accept-language", b"fr"))
    await get(PATH, query, (b"accept-language", b"de"), (b"cookie", b"sessionid=abc"))
    await get(PATH, query, (b"accept-language", b"de"), (b"x-livechat-token", b"t"))
    assert len(stack_runs) == 4


@pytest.mark.django_db(transaction=True)
async def test_a_replayed_response_follows_the_line(open_line, stack_runs, get):
    query = f"article={open_line['article'].pk}"
    assert json.loads((await get(PATH, query))[2])["state"] == "open"
    await database_sync_to_async(
        lambda: assignment.set_agent_status(user=open_line["helper"], status="offline")
    )()
    closed = json.loads((await get(PATH, query))[2])
    assert (closed["state"], closed["reason"]) == ("closed", "nobody_online")
    assert len(stack_runs) == 2


@pytest.mark.django_db(transaction=True)
async def test_refusals_and_unshared_answers_are_never_replayed(
    open_line, settings, stack_runs, get
):
    for _ in range(2):
        assert (await get(PATH, "article=nope"))[0] == 400
    settings.LIVECHAT_AVAILABILITY_CACHE_SECONDS = 0
    for _ in range(2):
        assert (await get(PATH, f"article={open_line['article'].pk}"))[0] == 200
    assert len(stack_runs) == 4


@pytest.mark.django_db(transaction=True)
async def test_a_replay_expires_with_the_shared_answer(open_line, stack_runs, monkeypatch, get):
    query = f"article={open_line['article'].pk}"
    await get(PATH, query)
    await get(PATH, query)
    assert len(stack_runs) == 1
    later = time.time() + 6  # past LIVECHAT_AVAILABILITY_CACHE_SECONDS
    monkeypatch.setattr(time, "time", lambda: later)
    await get(PATH, query)
    assert len(stack_runs) == 2
