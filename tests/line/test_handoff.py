"""The forum follow-up as the visitor sees it before and after publishing, and links that work
wherever chat text ends up (forum, email, transcript, canned responses)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from questions.models import Question

from kitsune_livechat.models import CannedResponse, ChatSession
from kitsune_livechat.services.shared.site_links import absolute_links
from tests.factories import EndedChatFactory, HelperFactory, UserFactory

pytestmark = pytest.mark.django_db

PROBLEM = (
    "Firefox shows a blank page after the update. I tried a restart and Troubleshoot Mode, "
    "and nothing changed at all, even after reinstalling it twice."
)


@pytest.fixture
def chat():
    session = EndedChatFactory(
        problem=PROBLEM, started_when="after_update", frequency="always", locale="en-US"
    )
    session.messages.create(
        seq=1, role="helper", kind="text", body="Read /en-US/kb/clear-cache, then tell me."
    )
    session.messages.create(seq=2, role="helper", kind="whisper", body="Staff only /en-US/kb/x")
    session.last_seq = 2
    session.save()
    return session


def test_the_visitor_previews_the_question_then_publishes_it(api_client, chat):
    client = api_client(chat.visitor)
    preview = client.get(f"sessions/{chat.pk}/handoff/preview")
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    # A forum title, not the whole problem; choices read as the form showed them.
    assert body["title"] == "Firefox shows a blank page after the update."
    assert "When it started: After an update" in body["content"]
    assert "How often it happens: Every time" in body["content"]
    assert "after_update" not in body["content"] and "always" not in body["content"]
    # Links work away from the site.
    assert f"http://testserver{chat.article_url}" in body["content"]
    assert "Read http://testserver/en-US/kb/clear-cache, then tell me." in body["content"]
    assert "Staff only" not in body["content"]
    assert not Question.objects.exists()  # a preview publishes nothing

    edited = client.get(f"sessions/{chat.pk}/handoff/preview", title="Blank page after update")
    assert edited.json()["title"] == "Blank page after update"
    published = client.post(
        f"sessions/{chat.pk}/handoff", {"to": "forum", "title": "Blank page after update"}
    )
    assert published.status_code == 200, published.json()
    question = Question.objects.get()
    assert question.title == "Blank page after update"
    assert question.content == body["content"]


def test_nobody_else_previews_the_visitors_question(api_client, chat):
    for someone in (UserFactory(), HelperFactory()):
        response = api_client(someone).get(f"sessions/{chat.pk}/handoff/preview")
        assert response.status_code == 404, response.json()
        assert response.json()["code"] == "not_found"
    helper = api_client(chat.helper).get(f"sessions/{chat.pk}/handoff/preview")
    assert (helper.status_code, helper.json()["code"]) == (403, "visitor_only")
    too_long = api_client(chat.visitor).get(f"sessions/{chat.pk}/handoff/preview", title="x" * 300)
    assert too_long.status_code == 400
    assert not Question.objects.exists()


def test_the_site_url_setting_wins_and_email_links_are_absolute(
    api_client, chat, settings, django_capture_on_commit_callbacks
):
    settings.LIVECHAT_SITE_URL = "https://support.example.org/"
    ChatSession.objects.filter(pk=chat.pk).update(status=ChatSession.Status.MISSED)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(chat.visitor).post(
            f"sessions/{chat.pk}/handoff", {"to": "email", "email": "vera@example.com"}
        )
    assert response.status_code == 200, response.json()
    confirmation = mail.outbox[0]
    assert confirmation.to == ["vera@example.com"]
    assert f"https://support.example.org{chat.article_url}" in confirmation.body
    assert "https://support.example.org/en-US/kb/clear-cache" in confirmation.body
    assert "When it started: After an update" in confirmation.body


def test_the_transcript_links_absolutely(chat):
    client = Client()
    client.force_login(chat.visitor)
    body = client.get(reverse("livechat:transcript", args=[chat.pk])).content.decode()
    assert f"http://testserver{chat.article_url}" in body
    assert "Read http://testserver/en-US/kb/clear-cache, then tell me." in body


def test_canned_responses_arrive_with_full_links(api_client):
    CannedResponse.objects.create(
        key="cache", locale="en-US", title="Cache", body="See /en-US/kb/clear-cache."
    )
    items = api_client(HelperFactory()).get("canned", locale="en-US", q="cache").json()
    assert [item["body"] for item in items if item["key"] == "cache"] == [
        "See http://testserver/en-US/kb/clear-cache."
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("see /en-US/kb/a.", "see https://s.org/en-US/kb/a."),
        ("(/kb/a) and [/kb/b]", "(https://s.org/kb/a) and [https://s.org/kb/b]"),
        ("https://other.org/kb/a stays", "https://other.org/kb/a stays"),
        ("and/or, 1/2, / alone, //cdn.x/y", "and/or, 1/2, / alone, //cdn.x/y"),
    ],
)
def test_only_paths_standing_alone_become_links(text, expected):
    assert absolute_links(text, "https://s.org") == expected


@pytest.mark.django_db(transaction=True)
def test_the_preview_works_outside_a_transaction(api_client):
    """As under a real server: a read that locked rows would fail on PostgreSQL here."""
    chat = EndedChatFactory(problem=PROBLEM)
    response = api_client(chat.visitor).get(f"sessions/{chat.pk}/handoff/preview")
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Firefox shows a blank page after the update."
