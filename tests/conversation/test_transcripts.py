"""The transcript by email: to the right address, in the chat's language, links absolute."""

import pytest
from django.test import override_settings
from django.urls import reverse

from kitsune_livechat.models import ChatSession, Message
from kitsune_livechat.services.shared.access import make_visitor_token
from tests.factories import EndedChatFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended_chat():
    session = EndedChatFactory(
        visitor=UserFactory(username="mia", email="mia@example.com"),
        problem="Bookmarks vanished after the update.",
    )
    MessageFactory(session=session, role=Message.Role.VISITOR, author_name="Mia", body="Hello")
    MessageFactory(
        session=session,
        role=Message.Role.HELPER,
        author_name="Priya",
        body="See /en-US/kb/restore-bookmarks for the steps.",
    )
    MessageFactory(
        session=session,
        role=Message.Role.HELPER,
        kind=Message.Kind.WHISPER,
        author_name="Priya",
        body="secret staff whisper",
    )
    return session


def request_transcript(client, session, capture, **data):
    with capture(execute=True):
        return client.post(f"sessions/{session.pk}/transcript/email", data)


def test_signed_in_visitor_gets_it_at_their_account_address(
    api_client, ended_chat, mailoutbox, django_capture_on_commit_callbacks
):
    response = request_transcript(
        api_client(ended_chat.visitor),
        ended_chat,
        django_capture_on_commit_callbacks,
        email="someone.else@example.com",
    )

    assert response.status_code == 202, response.json()
    assert response.json() == {"email": "mia@example.com"}
    (message,) = mailoutbox
    assert message.to == ["mia@example.com"]
    assert "Bookmarks vanished after the update." in message.body
    assert "Priya: See http://testserver/en-US/kb/restore-bookmarks for the steps." in message.body
    assert f"http://testserver{ended_chat.article_url}" in message.body
    assert "secret staff whisper" not in message.body
    chat_path = reverse("livechat:chat_session", args=[ended_chat.pk])
    assert f"Your chat: http://testserver{chat_path}" in message.body


def test_it_is_written_in_the_chats_language(
    api_client, ended_chat, mailoutbox, django_capture_on_commit_callbacks
):
    ChatSession.objects.filter(pk=ended_chat.pk).update(locale="de")
    response = request_transcript(
        api_client(ended_chat.visitor), ended_chat, django_capture_on_commit_callbacks
    )

    assert response.status_code == 202
    assert mailoutbox[0].body.startswith("Hier ist das Protokoll Ihres Live-Chats.")
    assert "Frage: Bookmarks vanished" in mailoutbox[0].body


def test_anonymous_visitor_names_an_address(
    api_client, mailoutbox, django_capture_on_commit_callbacks
):
    session = EndedChatFactory(visitor=None, anonymous_key="anon-key-1")
    client = api_client(token=make_visitor_token("anon-key-1"))

    missing = request_transcript(client, session, django_capture_on_commit_callbacks, email="nope")
    sent = request_transcript(
        client, session, django_capture_on_commit_callbacks, email="anna@example.net"
    )

    assert missing.status_code == 400
    assert missing.json()["code"] == "invalid_email"
    assert sent.status_code == 202
    assert [m.to for m in mailoutbox] == [["anna@example.net"]]


def test_only_the_visitor_of_a_finished_chat_may_ask(
    api_client, ended_chat, mailoutbox, django_capture_on_commit_callbacks
):
    stranger = request_transcript(
        api_client(UserFactory()), ended_chat, django_capture_on_commit_callbacks
    )
    helper = request_transcript(
        api_client(ended_chat.helper), ended_chat, django_capture_on_commit_callbacks
    )
    ChatSession.objects.filter(pk=ended_chat.pk).update(status=ChatSession.Status.ACTIVE)
    running = request_transcript(
        api_client(ended_chat.visitor), ended_chat, django_capture_on_commit_callbacks
    )

    assert stranger.status_code == 404
    assert stranger.json()["code"] == "not_found"
    assert helper.status_code == 403
    assert running.status_code == 409
    assert running.json()["code"] == "chat_open"
    assert mailoutbox == []


def test_account_without_an_address_is_told(
    api_client, mailoutbox, django_capture_on_commit_callbacks
):
    session = EndedChatFactory(visitor=UserFactory(email=""))
    response = request_transcript(
        api_client(session.visitor), session, django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert response.json()["code"] == "no_email"
    assert mailoutbox == []


@override_settings(LIVECHAT_TRANSCRIPT_EMAILS_PER_HOUR=2)
def test_requests_are_rate_limited_per_chat(
    api_client, ended_chat, mailoutbox, django_capture_on_commit_callbacks
):
    client = api_client(ended_chat.visitor)
    codes = [
        request_transcript(client, ended_chat, django_capture_on_commit_callbacks).status_code
        for _ in range(3)
    ]
    assert codes == [202, 202, 429]
    assert len(mailoutbox) == 2
