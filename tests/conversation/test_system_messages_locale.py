"""System lines are stored in the chat's language, whatever language the request, socket or
sweep that caused them runs in: the visitor reads them, not whoever triggered them."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from kitsune_livechat.host import get_host_adapter
from kitsune_livechat.models import AgentStatus, ChatSession, Message
from kitsune_livechat.services.line.sweep import sweep
from tests.conftest import ApiClient
from tests.factories import (
    ActiveChatFactory,
    AgentStatusFactory,
    ChatSessionFactory,
    online_helper,
)

pytestmark = pytest.mark.django_db


def browser(user, language: str) -> ApiClient:
    """An API client whose browser asks for ``language``, as a helper's console does."""
    client = ApiClient(user)
    client.client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def name(user) -> str:
    return get_host_adapter().display_name(user)


def system_lines(session) -> list[str]:
    """The system lines as the chat's visitor reads them over HTTP."""
    messages = ApiClient(session.visitor).get(f"sessions/{session.pk}/messages").json()
    return [m["body"] for m in messages if m["kind"] == "system"]


def test_a_german_chat_claimed_from_an_english_console_says_so_in_german(queue):
    chat = ChatSessionFactory(queue=queue, locale="de")
    helper = online_helper(user__username="hans")

    response = browser(helper, "en").post("agent/claim", {"session": str(chat.pk)})

    assert response.status_code == 200, response.json()
    assert response["Content-Language"] == "en-us"
    assert system_lines(chat) == [f"{name(helper)} ist dem Chat beigetreten."]


def test_an_english_chat_claimed_from_a_german_console_stays_english(queue):
    chat = ChatSessionFactory(queue=queue, locale="en-US")
    helper = online_helper(user__username="jonas")

    response = browser(helper, "de").post("agent/claim", {"session": str(chat.pk)})

    assert response.status_code == 200, response.json()
    assert response["Content-Language"] == "de"
    assert system_lines(chat) == [f"{name(helper)} joined the chat."]


def test_the_helper_ending_a_german_chat_in_english_ends_it_in_german(queue):
    helper = online_helper(user__username="hans")
    chat = ActiveChatFactory(queue=queue, helper=helper, locale="de")

    response = browser(helper, "en").post(f"sessions/{chat.pk}/end", {"reason": "resolved"})

    assert response.status_code == 200, response.json()
    assert system_lines(chat) == [f"{name(helper)} hat den Chat beendet."]


def test_a_transfer_line_is_german_and_the_typed_note_stays_with_staff(queue):
    first = online_helper(user__username="hans")
    second = online_helper(user__username="grete")
    chat = ActiveChatFactory(queue=queue, helper=first, locale="de")

    response = browser(first, "en").post(
        f"sessions/{chat.pk}/transfer", {"helper": "grete", "note": "Knows sync well"}
    )

    assert response.status_code == 200, response.json()
    assert system_lines(chat) == [f"{name(first)} hat den Chat an {name(second)} übergeben."]
    note = chat.messages.get(kind="note")
    assert (note.body, note.author) == ("Knows sync well", first)


def test_the_sweep_requeues_a_german_chat_in_german_whatever_is_active(queue):
    gone = AgentStatusFactory(
        status=AgentStatus.Status.OFFLINE, last_seen=timezone.now() - timedelta(minutes=6)
    )
    chat = ActiveChatFactory(queue=queue, helper=gone.user, locale="de")

    with translation.override("en-US"):
        assert sweep()["requeued"] == 1

    chat.refresh_from_db()
    assert chat.status == ChatSession.Status.WAITING
    line = Message.objects.get(session=chat, kind=Message.Kind.SYSTEM)
    assert line.body == (
        "Die Verbindung zu Ihrer freiwilligen Hilfe ist abgebrochen. Sie sind wieder in der "
        "Warteschlange, vor allen, die nach Ihnen gefragt haben; die nächsten Freiwilligen "
        "kommen dazu."
    )
