"""A message costs one statement on PostgreSQL: the seq bump and the insert together, idempotent
on ``client_msg_id``, with the portable three-step fallback elsewhere; a socket's message
carries the access check in that statement, and its typing and read marks cost no query.
Query budgets fail here on a regression; speed itself is measured in bench/."""

import gc
import threading
import time
import uuid
import weakref
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from django.db import connection, transaction
from django.test import Client

from kitsune_livechat import realtime
from kitsune_livechat.exceptions import Conflict, Forbidden
from kitsune_livechat.models import ChatSession, Message, Participant, Trainee
from kitsune_livechat.services.conversation import messaging
from kitsune_livechat.services.conversation.messaging import store_message
from kitsune_livechat.services.shared import loop_db
from kitsune_livechat.services.shared.access import Caller, get_session_for
from tests.factories import ActiveChatFactory, HelperFactory, SupervisorFactory, UserFactory

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


def sql_of(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


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


# --- A socket's message: the access check is in the statement ----------------------------------


def sender_of(user, chat, session_key=None) -> messaging.Sender:
    caller = Caller(user=user)
    return messaging.sender_for(caller, get_session_for(caller, chat.pk), session_key)


@pytest.mark.postgres
def test_a_socket_message_is_one_statement_on_postgresql(chat, django_assert_num_queries):
    sender = sender_of(chat.visitor, chat)
    with django_assert_num_queries(1):
        message = messaging.post(sender, body="hello", client_msg_id="c1")
    assert (message.seq, message.author_name, message.role) == (1, sender.author, "visitor")
    assert Message.objects.get(pk=message.pk).seq == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threshold", [None, 0])
def test_the_sockets_statements_run_prepared_where_the_site_turns_preparing_on(
    chat, monkeypatch, threshold
):
    """Django leaves preparing off for transaction poolers; the loop's connections follow its
    ``prepare_threshold``, binding on the server when it is set."""
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepare_threshold", threshold)
    loop_db.close_all()
    sender = sender_of(chat.visitor, chat)

    async def send_and_look():
        for n in (1, 2):
            message = await messaging.apost(sender, body=f"hello {n}", client_msg_id=f"c{n}")
            assert message.seq == n
        return await loop_db.fetch_all(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%bumped%"]
        )

    prepared = async_to_sync(send_and_look)()
    loop_db.close_all()
    assert len(prepared) == (0 if threshold is None else 1)
    assert list(Message.objects.order_by("seq").values_list("body", flat=True)) == [
        "hello 1",
        "hello 2",
    ]


@pytest.mark.postgres
def test_a_text_message_stored_and_sent_is_freed_without_the_cycle_collector(chat):
    """A chat process makes thousands of messages a second: one left in a reference cycle
    waits for the collector, whose passes stall every socket of the process."""
    sender = sender_of(chat.visitor, chat)
    gc.collect()
    gc.disable()
    try:
        message = messaging.post(sender, body="hello", client_msg_id="c1")
        frame = messaging.message_json(message)
        freed = weakref.ref(message)
        del message
        assert freed() is None
    finally:
        gc.enable()
    assert (frame["seq"], frame["attachment"]) == (1, None)


def test_typing_and_read_marks_from_what_the_socket_knows_cost_no_query(
    chat, django_assert_num_queries
):
    sender = sender_of(chat.helper, chat)
    with django_assert_num_queries(0):
        typing = messaging.typing_event(sender, status="active", active=True, kind="whisper")
        read = messaging.read_event(sender, seq=3)
    assert typing == (
        realtime.session_staff_group(chat.pk),
        realtime.typing_frame(active=True, kind="whisper", author=sender.author, role="helper"),
    )
    assert read == (
        realtime.session_group(chat.pk),
        realtime.read_frame(seq=3, author=sender.author, role="helper"),
    )


def test_a_socket_stores_its_read_mark_in_one_statement_that_never_lowers_it(
    chat, django_assert_num_queries
):
    chat.last_seq = 5
    chat.save(update_fields=["last_seq"])
    visitor, helper = sender_of(chat.visitor, chat), sender_of(chat.helper, chat)
    with django_assert_num_queries(1):
        assert messaging.store_read(visitor, 4)
    with django_assert_num_queries(1):
        assert not messaging.store_read(visitor, 3)
    assert messaging.store_read(helper, 5)
    assert not messaging.store_read(helper, 6)  # no such seq yet
    chat.refresh_from_db()
    assert (chat.visitor_read_seq, chat.staff_read_seq) == (4, 5)


def test_typing_is_refused_in_an_ended_chat_and_for_kinds_the_role_may_not_send(chat):
    visitor = sender_of(chat.visitor, chat)
    with pytest.raises(Conflict):
        messaging.typing_event(visitor, status="ended", active=True, kind="text")
    with pytest.raises(Forbidden):
        messaging.typing_event(visitor, status="active", active=True, kind="whisper")


def _end(chat, helper):
    chat.status = ChatSession.Status.ENDED
    chat.save(update_fields=["status"])


def _transfer(chat, helper):
    chat.helper = HelperFactory()
    chat.save(update_fields=["helper"])


def _remove(chat, helper):
    Participant.objects.filter(session=chat, user=helper).update(state=Participant.State.LEFT)


def _supervise(chat, helper):
    chat.supervised = True
    chat.save(update_fields=["supervised"])


def staff_in(chat, *, invited: bool):
    """The chat's helper, or a helper invited in as a participant."""
    if not invited:
        return chat.helper
    helper = HelperFactory()
    Participant.objects.create(
        session=chat, user=helper, role=Participant.Role.HELPER, state="active"
    )
    return helper


@pytest.mark.parametrize(
    "invited, change",
    [
        (False, _end),
        (False, _transfer),
        (False, _supervise),
        (True, _end),
        (True, _remove),
        (True, _supervise),
    ],
)
def test_a_message_from_a_stale_sender_stores_nothing(chat, change, invited):
    """The chat ended, the helper was transferred away or removed, the chat became supervised
    since the socket was admitted: the statement refuses, and the socket asks the gate."""
    helper = staff_in(chat, invited=invited)
    sender = sender_of(helper, chat)
    change(chat, helper)

    assert messaging.post(sender, body="too late", client_msg_id="h1") is None
    assert not Message.objects.exists()
    assert ChatSession.objects.get(pk=chat.pk).last_seq == 0


@pytest.mark.parametrize("invited, change", [(False, _transfer), (True, _remove)])
def test_a_read_mark_from_a_stale_sender_stores_nothing(chat, change, invited):
    """Transferred away or removed since the socket was admitted: not their chat any more."""
    chat.last_seq = 2
    chat.save(update_fields=["last_seq"])
    helper = staff_in(chat, invited=invited)
    sender = sender_of(helper, chat)
    change(chat, helper)

    assert not messaging.store_read(sender, 2)
    assert ChatSession.objects.get(pk=chat.pk).staff_read_seq == 0


def test_a_read_mark_is_stored_after_the_chat_ended(chat):
    """The visitor reads the helper's last words on the ended screen."""
    chat.last_seq = 2
    chat.save(update_fields=["last_seq"])
    sender = sender_of(chat.visitor, chat)
    _end(chat, chat.helper)

    assert messaging.store_read(sender, 2)
    assert ChatSession.objects.get(pk=chat.pk).visitor_read_seq == 2


def test_a_message_after_the_login_ended_stores_nothing(chat):
    client = Client()
    client.force_login(chat.visitor)
    key = client.session.session_key
    sender = sender_of(chat.visitor, chat, key)
    assert sender.login_in_statement
    assert messaging.post(sender, body="before", client_msg_id="v1").seq == 1

    client.logout()

    assert messaging.post(sender, body="after", client_msg_id="v2") is None
    assert list(Message.objects.values_list("body", flat=True)) == ["before"]


def test_a_retried_socket_message_stores_once(chat):
    sender = sender_of(chat.visitor, chat)
    first = messaging.post(sender, body="hello", client_msg_id="c1")
    assert messaging.post(sender, body="hello", client_msg_id="c1") is None
    assert list(Message.objects.values_list("pk", "seq")) == [(first.pk, 1)]
    assert ChatSession.objects.get(pk=chat.pk).last_seq == 1


def test_a_trainee_who_lost_their_mentor_cannot_post(chat):
    newbie = UserFactory()
    trainee = Trainee.objects.create(
        user=newbie, stage=Trainee.Stage.TRAINING, mentor=SupervisorFactory()
    )
    Participant.objects.create(
        session=chat, user=newbie, role=Participant.Role.TRAINEE, state="active"
    )
    sender = sender_of(newbie, chat)
    assert messaging.post(sender, body="psst", kind="whisper").seq == 1

    Trainee.objects.filter(pk=trainee.pk).update(mentor=None)

    assert messaging.post(sender, body="psst again", kind="whisper") is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tries_of_a_message_racing_for_the_chat_store_it_once_and_spend_one_seq():
    """A client that reconnects and sends again while its first try still waits for the
    chat's row: both statements wait, one stores the message, the other stores nothing and
    leaves no gap in the seqs."""
    chat = ActiveChatFactory()
    sender = sender_of(chat.visitor, chat)
    locked, release = threading.Event(), threading.Event()

    def hold_the_chat():
        try:
            with transaction.atomic():
                ChatSession.objects.select_for_update().get(pk=chat.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    def send():
        try:
            return messaging.post(sender, body="once", client_msg_id="same")
        finally:
            connection.close()

    with ThreadPoolExecutor(3) as pool:
        holder = pool.submit(hold_the_chat)
        assert locked.wait(10)
        tries = [pool.submit(send) for _ in range(2)]
        time.sleep(0.5)  # both statements are waiting for the chat's row now
        release.set()
        holder.result(10)
        stored = [message for message in (t.result(10) for t in tries) if message is not None]

    assert [message.seq for message in stored] == [1]
    assert list(Message.objects.filter(session=chat).values_list("seq", flat=True)) == [1]
    assert ChatSession.objects.get(pk=chat.pk).last_seq == 1
