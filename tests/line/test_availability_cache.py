"""The availability answer from the shared cache: the same answer for every reader while the
line does not change, retired after commit by every change to a line or to presence; and the
chat button that costs its article page nothing."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from kitsune_livechat.models import AgentStatus
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


def test_a_logged_in_reader_gets_their_article_checked_and_the_line_shared(
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
