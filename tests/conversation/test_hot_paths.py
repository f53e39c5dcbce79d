"""A message costs one statement on PostgreSQL: the seq bump and the insert together, idempotent
on ``client_msg_id``, with the portable three-step fallback elsewhere. Query budgets fail here
on a regression; speed itself is measured in bench/."""

import uuid

import pytest
from django.db import connection

from kitsune_livechat.models import ChatSession, Message
from kitsune_livechat.services.conversation.messaging import store_message
from tests.factories import ActiveChatFactory

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


def sql_of(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


@pytest.fixture
def chat(db):
    return ActiveChatFactory()


@pytest.mark.postgres
def test_a_message_is_one_statement_on_postgresql(chat, django_assert_num_queries):
    with django_assert_num_queries(1):
        message, created = store_message(
            session_id=chat.pk, body="hello", role=Message.Role.VISITOR, client_msg_id="c1"
        )
    assert created and message.seq == 1 and message.pk
    stored = Message.objects.get(pk=message.pk)
    assert (stored.seq, stored.body, stored.client_msg_id) == (1, "hello", "c1")
    chat.refresh_from_db()
    assert chat.last_seq == 1


def test_a_retried_client_msg_id_returns_the_stored_message_and_leaves_no_gap(chat):
    first, created = store_message(
        session_id=chat.pk, body="hello", role=Message.Role.VISITOR, client_msg_id="c1"
    )
    again, created_again = store_message(
        session_id=chat.pk, body="hello", role=Message.Role.VISITOR, client_msg_id="c1"
    )
    after, _created = store_message(session_id=chat.pk, body="next", role=Message.Role.VISITOR)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert [m.seq for m in Message.objects.filter(session=chat).order_by("seq")] == [1, 2]
    assert after.seq == 2


def test_the_first_helper_answer_is_stamped_once(chat):
    store_message(session_id=chat.pk, body="hi", role=Message.Role.HELPER, first_response=True)
    chat.refresh_from_db()
    stamped = chat.first_response_at
    assert stamped is not None
    store_message(session_id=chat.pk, body="more", role=Message.Role.HELPER, first_response=True)
    chat.refresh_from_db()
    assert chat.first_response_at == stamped


def test_a_message_for_no_chat_is_refused():
    with pytest.raises(ChatSession.DoesNotExist):
        store_message(session_id=uuid.uuid4(), body="lost", role=Message.Role.VISITOR)
    assert not Message.objects.exists()


def test_sending_over_http_costs_one_statement_for_the_message(
    chat, api_client, django_assert_num_queries
):
    """Session, user, the access gate (row lock), the author's name and the message: one
    statement on PostgreSQL (the savepoints are the test's transaction), three elsewhere."""
    client = api_client(chat.visitor)
    client.post(f"sessions/{chat.pk}/messages", {"body": "warm up", "client_msg_id": "c0"})
    with django_assert_num_queries(7 if POSTGRES else 11) as queries:
        response = client.post(
            f"sessions/{chat.pk}/messages", {"body": "hello", "client_msg_id": "c1"}
        )
    assert response.status_code == 201
    assert response.json()["seq"] == 2
    writes = [q for q in sql_of(queries) if "INSERT INTO" in q]
    assert len(writes) == 1
