"""Bad input answers a 4xx ``{"detail", "code"}``, never a server error."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kitsune_livechat.api import api
from kitsune_livechat.models import ChatSession, Message
from tests.conftest import API, CSRF
from tests.factories import ActiveChatFactory, SupervisorFactory, UserFactory, chat_form

pytestmark = [pytest.mark.django_db, pytest.mark.queue(auto_assign=True)]

SESSION_ROUTES = sorted(
    {
        (method, path)
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
        if "{session_id}" in path
    }
)


@pytest.fixture
def supervisor():
    return SupervisorFactory(perms=["answer_chats", "supervise_chats", "view_insights"])


@pytest.mark.parametrize(("method", "path"), SESSION_ROUTES)
def test_non_uuid_chat_id_in_a_path_is_a_4xx(api_client, supervisor, method, path):
    client = api_client(supervisor)
    url = path.replace("/livechat/api/", "").replace("{session_id}", "0")
    response = getattr(client, method)(url) if method == "get" else getattr(client, method)(url, {})
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert set(response.json()) >= {"detail", "code"}


# --- NUL bytes --------------------------------------------------------------------------------


@pytest.fixture
def active_chat():
    return ActiveChatFactory()


def test_nul_byte_in_a_chat_request_is_a_400_and_stores_nothing(api_client, queue):
    client = api_client(UserFactory())
    for field in ("problem", "started_when", "frequency", "name", "title", "preferred_helper"):
        response = client.post("sessions", chat_form(**{field: "crash\x00es"}))
        assert response.status_code == 400, (field, response.status_code)
        assert response.json()["code"] == "nul_byte", field
    assert not ChatSession.objects.exists()


def test_nul_byte_in_a_nested_answer_or_a_key_is_a_400(api_client, queue):
    client = api_client(UserFactory())
    for answers in ({"q": ["a\x00"]}, {"k\x00": "v"}, {"deep": {"deeper": "\x00"}}):
        response = client.post("sessions", chat_form(answers=answers))
        assert response.status_code == 400
        assert response.json()["code"] == "nul_byte"


def test_nul_byte_in_a_message_is_a_400_and_the_chat_goes_on(api_client, active_chat):
    client = api_client(active_chat.visitor)
    url = f"sessions/{active_chat.pk}/messages"

    refused = client.post(url, {"body": "hel\x00lo", "client_msg_id": "m1"})
    accepted = client.post(url, {"body": "hello", "client_msg_id": "m1"})

    assert refused.status_code == 400
    assert refused.json()["code"] == "nul_byte"
    assert accepted.status_code == 201
    assert list(Message.objects.filter(session=active_chat).values_list("body", flat=True)) == [
        "hello"
    ]


def test_nul_byte_in_a_query_string_is_a_400(api_client, supervisor):
    client = api_client(supervisor)
    for path, params in (
        ("availability", {"article": "1\x00"}),
        ("kb/search", {"q": "tabs\x00"}),
        ("insights/stats", {"product": "firefox\x00"}),
    ):
        response = client.get(path, **params)
        assert response.status_code == 400, (path, response.status_code)
        assert response.json()["code"] == "nul_byte"


def test_nul_byte_on_insight_pages_is_a_400(supervisor):
    browser = Client()
    browser.force_login(supervisor)
    for name in ("livechat:insights", "livechat:insights_stats"):
        response = browser.get(reverse(name), {"locale": "de\x00"})
        assert response.status_code == 400, name


# --- Dates out of range -----------------------------------------------------------------------

FAR_DATES = (
    {"to": "9999-12-31"},
    {"from": "9999-12-30", "to": "9999-12-31"},
    {"from": "0001-01-01", "to": "0001-01-02"},
    {"to": "0001-01-01"},
)


@pytest.mark.parametrize("params", FAR_DATES)
def test_far_dates_on_the_insights_api_are_a_400(api_client, supervisor, params):
    for path in ("insights/stats", "insights/articles"):
        response = api_client(supervisor).get(path, **params)
        assert response.status_code == 400, (path, response.status_code)
        assert response.json()["code"] == "invalid_date"


@pytest.mark.parametrize("params", FAR_DATES)
def test_far_dates_on_insight_pages_and_csv_are_a_400(supervisor, params):
    browser = Client()
    browser.force_login(supervisor)
    urls = [
        reverse("livechat:insights"),
        reverse("livechat:insights_stats"),
        reverse("livechat:insights_export", args=["stats"]),
        reverse("livechat:insights_export", args=["feedback"]),
    ]
    for url in urls:
        response = browser.get(url, params)
        assert response.status_code == 400, (url, response.status_code)


def test_a_date_inside_the_range_still_works(api_client, supervisor):
    response = api_client(supervisor).get("insights/stats", **{"from": "2024-01-01"})
    assert response.status_code == 200


# --- Bodies the API cannot read ---------------------------------------------------------------


def test_multipart_without_a_boundary_is_a_400(queue):
    for user in (None, UserFactory()):
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.post(
            API + "sessions",
            data=b"--x\r\n",
            content_type="multipart/form-data",
            headers={"X-CSRFToken": CSRF},
        )
        assert response.status_code == 400
        assert response.json()["code"] in ("invalid_body", "invalid_json"), response.json()


def test_unauthenticated_body_over_the_upload_limit_is_a_413(queue):
    body = json.dumps(chat_form(problem="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)))
    response = Client().post(API + "sessions", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not ChatSession.objects.exists()


def test_body_that_is_not_json_is_a_400(api_client, active_chat):
    client = api_client(active_chat.visitor)
    response = client.client.post(
        API + f"sessions/{active_chat.pk}/messages",
        data="{not json",
        content_type="application/json",
        headers={"X-CSRFToken": CSRF},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"


def test_nul_byte_in_a_path_is_a_400(api_client):
    response = api_client().get("karma/users/ali%00ce")
    assert response.status_code == 400
    assert response.json()["code"] == "nul_byte"
