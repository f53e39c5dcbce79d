from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from kitsune_livechat.models import ChatSession, Message
from kitsune_livechat.services.conversation.retention import REDACTED
from tests.factories import ActiveChatFactory, MessageFactory

pytestmark = pytest.mark.django_db


def chat(days_old: int, status=ChatSession.Status.ENDED) -> ChatSession:
    session = ActiveChatFactory(
        created=timezone.now() - timedelta(days=days_old),
        visitor_email="someone@example.com",
        user_agent="Mozilla/5.0 Firefox/120.0",
        answers={"version": "120"},
    )
    MessageFactory(session=session, body="my password is hunter2")
    ChatSession.objects.filter(pk=session.pk).update(status=status)
    return session


@override_settings(LIVECHAT_RETENTION_DAYS=30)
def test_purge_redacts_old_closed_chats_and_keeps_the_rest():
    old = chat(40)
    recent = chat(10)
    old_but_open = chat(40, status=ChatSession.Status.ACTIVE)
    out = StringIO()

    call_command("livechat_purge", stdout=out)

    assert "Redacted 1 chat(s) older than 30 days." in out.getvalue()
    old.refresh_from_db()
    assert old.problem == REDACTED
    assert (old.visitor_email, old.user_agent, old.answers) == ("", "", {})
    assert old.status == ChatSession.Status.ENDED  # the outcome stays for stats
    assert not Message.objects.filter(session=old).exists()
    assert Message.objects.filter(session=recent).count() == 1
    assert Message.objects.filter(session=old_but_open).count() == 1


@override_settings(LIVECHAT_RETENTION_DAYS=30)
def test_purge_twice_is_harmless():
    chat(40)
    first, second = StringIO(), StringIO()
    call_command("livechat_purge", stdout=first)
    call_command("livechat_purge", stdout=second)
    assert "Redacted 1" in first.getvalue()
    assert "Redacted 0" in second.getvalue()
