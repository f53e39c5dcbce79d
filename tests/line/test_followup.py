"""Email follow-up: the visitor leaves an address and someone can actually answer it."""

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings

from kitsune_livechat.models import ChatSession, Message
from tests.factories import (
    ActiveChatFactory,
    ChatSessionFactory,
    DefaultQueueFactory,
    MessageFactory,
    UserFactory,
    chat_form,
)

pytestmark = pytest.mark.django_db


class BrokenMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("no mail server")


def follow_up(api_client, session, address, capture):
    with capture(execute=True):
        response = api_client(session.visitor).post(
            f"sessions/{session.pk}/handoff", {"to": "email", "email": address}
        )
    assert response.status_code == 200, response.json()
    return response


@override_settings(LIVECHAT_FOLLOWUP_EMAIL="team@support.example.org")
def test_missed_chat_reaches_the_team_and_confirms_to_the_visitor(
    api_client, visitor, django_capture_on_commit_callbacks
):
    session = ChatSessionFactory(
        queue=DefaultQueueFactory(),
        visitor=visitor,
        status=ChatSession.Status.MISSED,
        problem="Videos stutter on YouTube since version 128.",
        frequency="Every time",
    )

    follow_up(api_client, session, "mia.home@example.com", django_capture_on_commit_callbacks)

    confirmation, request = mail.outbox
    assert confirmation.to == ["mia.home@example.com"]
    assert (
        confirmation.subject == "We got your question: Videos stutter on YouTube since version 128."
    )
    assert "Every time" in confirmation.body
    assert request.to == ["team@support.example.org"]
    assert request.reply_to == ["mia.home@example.com"]
    assert "answered by email at mia.home@example.com" in request.body
    assert session.article_title in request.body


@override_settings(LIVECHAT_FOLLOWUP_EMAIL="team@support.example.org")
def test_ended_chat_goes_to_the_team_never_to_its_helper(
    api_client, visitor, django_capture_on_commit_callbacks
):
    """A reply from the helper's own mailbox would give the visitor their private address."""
    session = ActiveChatFactory(visitor=visitor, helper=UserFactory(email="priya@example.org"))
    MessageFactory(session=session, role=Message.Role.HELPER, body="Try a new profile.")
    MessageFactory(
        session=session, role=Message.Role.HELPER, kind=Message.Kind.WHISPER, body="Staff only"
    )
    ChatSession.objects.filter(pk=session.pk).update(status=ChatSession.Status.ENDED)

    follow_up(api_client, session, "mia@example.com", django_capture_on_commit_callbacks)

    request = mail.outbox[1]
    assert request.to == ["team@support.example.org"]
    assert all("priya@example.org" not in message.recipients() for message in mail.outbox)
    assert all("priya@example.org" not in message.body for message in mail.outbox)
    assert "Try a new profile." in request.body
    assert "Staff only" not in request.body
    assert "Staff only" not in mail.outbox[0].body


@override_settings(LIVECHAT_FOLLOWUP_EMAIL="")
def test_without_a_team_address_only_the_visitor_is_told(
    api_client, visitor, django_capture_on_commit_callbacks
):
    session = ChatSessionFactory(visitor=visitor, status=ChatSession.Status.MISSED)

    follow_up(api_client, session, "mia@example.com", django_capture_on_commit_callbacks)

    assert [message.to for message in mail.outbox] == [["mia@example.com"]]


@override_settings(
    EMAIL_BACKEND="tests.line.test_followup.BrokenMailServer",
    LIVECHAT_FOLLOWUP_EMAIL="team@support.example.org",
)
def test_a_broken_mail_server_keeps_the_address(
    api_client, visitor, django_capture_on_commit_callbacks, caplog
):
    session = ChatSessionFactory(visitor=visitor, status=ChatSession.Status.MISSED)

    follow_up(api_client, session, "mia@example.com", django_capture_on_commit_callbacks)

    session.refresh_from_db()
    assert session.followup_email == "mia@example.com"
    assert "Could not send the follow-up email" in caplog.text


def test_someone_elses_chat_sends_nothing(api_client, visitor, django_capture_on_commit_callbacks):
    session = ChatSessionFactory(status=ChatSession.Status.MISSED)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(visitor).post(
            f"sessions/{session.pk}/handoff", {"to": "email", "email": "mia@example.com"}
        )

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert mail.outbox == []


@override_settings(LIVECHAT_FOLLOWUP_EMAIL="team@support.example.org")
def test_one_email_follow_up_per_chat(api_client, visitor, django_capture_on_commit_callbacks):
    session = ChatSessionFactory(visitor=visitor, status=ChatSession.Status.MISSED)
    follow_up(api_client, session, "mia@example.com", django_capture_on_commit_callbacks)
    sent = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        again = api_client(visitor).post(
            f"sessions/{session.pk}/handoff", {"to": "email", "email": "mia@example.com"}
        )
        other = api_client(visitor).post(
            f"sessions/{session.pk}/handoff", {"to": "email", "email": "victim@example.net"}
        )

    assert again.status_code == 200
    assert (other.status_code, other.json()["code"]) == (409, "already_handed_off")
    assert len(mail.outbox) == sent == 2
    session.refresh_from_db()
    assert session.followup_email == "mia@example.com"


@override_settings(LIVECHAT_FOLLOWUP_EMAIL="team@support.example.org", LIVECHAT_FALLBACK_LIMIT=2)
def test_fallback_emails_without_a_chat_are_rate_limited(
    api_client, visitor, django_capture_on_commit_callbacks
):
    """A closed queue takes the email fallback in the request itself; a flood of them stops."""

    DefaultQueueFactory()  # nobody online: closed
    client = api_client(visitor)
    codes = []
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "sessions", chat_form(fallback="email", email=f"m{n}@example.com")
            )
        codes.append((response.status_code, response.json().get("code")))

    assert [status for status, _ in codes] == [201, 201, 429]
    assert codes[2][1] == "fallback_rate_limited"
    assert ChatSession.objects.filter(visitor=visitor).count() == 2
    assert len(mail.outbox) == 4
