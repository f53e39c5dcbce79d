"""Sending and reading messages over HTTP (docs/http-api.md), as clients without sockets do."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from kitsune_livechat.models import ChatSession, Message, Trainee
from kitsune_livechat.services.shared.access import make_visitor_token, new_anonymous_key
from tests.factories import (
    ActiveChatFactory,
    ChatSessionFactory,
    EndedChatFactory,
    HelperFactory,
    MessageFactory,
    SupervisorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def url(chat, tail="messages"):
    return f"sessions/{chat.pk}/{tail}"


def test_visitor_sends_and_helper_reads(chat, api_client):
    response = api_client(chat.visitor).post(
        url(chat), {"body": "  Hello  ", "client_msg_id": "a1"}
    )

    assert response.status_code == 201
    sent = response.json()
    assert sent["seq"] == 1
    assert sent["body"] == "Hello"
    assert sent["role"] == "visitor"
    assert sent["kind"] == "text"
    assert sent["client_msg_id"] == "a1"
    assert sent["author"] == chat.visitor.username
    assert "@" not in sent["author"]
    listed = api_client(chat.helper).get(url(chat)).json()
    assert [m["body"] for m in listed] == ["Hello"]


def test_repeated_client_msg_id_returns_the_stored_message(chat, api_client):
    visitor = api_client(chat.visitor)
    first = visitor.post(url(chat), {"body": "Once", "client_msg_id": "retry-1"})
    again = visitor.post(url(chat), {"body": "Once", "client_msg_id": "retry-1"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Message.objects.filter(session=chat).count() == 1
    chat.refresh_from_db()
    assert chat.last_seq == 1


def test_someone_elses_client_msg_id_is_refused_without_revealing_it(chat, api_client):
    """A visitor guessing the client_msg_id of a whisper must not get the whisper back."""
    whisper = {"body": "secret", "client_msg_id": "w-1", "kind": "whisper"}
    assert api_client(chat.helper).post(url(chat), whisper).status_code == 201

    response = api_client(chat.visitor).post(url(chat), {"body": "hi", "client_msg_id": "w-1"})

    assert response.status_code == 409
    assert response.json()["code"] == "client_msg_id_taken"
    assert "secret" not in response.content.decode()


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "empty_message"), ("   \n ", "empty_message"), ("x" * 11, "message_too_long")],
)
@override_settings(LIVECHAT_MAX_MESSAGE_LENGTH=10)
def test_bad_bodies_are_refused_and_nothing_is_stored(chat, api_client, body, code):
    ok = api_client(chat.visitor).post(url(chat), {"body": "x" * 10})
    assert ok.status_code == 201

    response = api_client(chat.visitor).post(url(chat), {"body": body})

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert Message.objects.filter(session=chat).count() == 1


def test_client_msg_id_longer_than_64_is_refused(chat, api_client):
    response = api_client(chat.visitor).post(url(chat), {"body": "hi", "client_msg_id": "x" * 65})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_client_msg_id"
    assert not Message.objects.exists()


@pytest.mark.parametrize("kind", ["whisper", "note"])
def test_visitor_cannot_send_staff_kinds(chat, api_client, kind):
    response = api_client(chat.visitor).post(url(chat), {"body": "psst", "kind": kind})
    assert response.status_code == 403
    assert response.json()["code"] == "kind_not_allowed"
    assert not Message.objects.exists()


@pytest.mark.parametrize("kind", ["system", "draft", "shout"])
def test_clients_cannot_send_service_kinds(chat, api_client, kind):
    response = api_client(chat.helper).post(url(chat), {"body": "hi", "kind": kind})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_kind"
    assert not Message.objects.exists()


def test_whispers_and_notes_reach_staff_only(chat, api_client):
    helper = api_client(chat.helper)
    helper.post(url(chat), {"body": "Hi, I can help", "client_msg_id": "h1"})
    helper.post(url(chat), {"body": "ask a colleague", "kind": "whisper"})
    helper.post(url(chat), {"body": "probably a profile issue", "kind": "note"})
    api_client(chat.visitor).post(url(chat), {"body": "thanks"})

    seen_by_visitor = api_client(chat.visitor).get(url(chat)).json()
    seen_by_helper = helper.get(url(chat)).json()

    assert [m["seq"] for m in seen_by_visitor] == [1, 4]
    assert {m["kind"] for m in seen_by_visitor} == {"text"}
    assert [m["kind"] for m in seen_by_helper] == ["text", "whisper", "note", "text"]
    monitor = api_client(SupervisorFactory())
    assert [m["seq"] for m in monitor.get(url(chat)).json()] == [1, 2, 3, 4]


def test_history_after_seq_and_limit(chat, api_client):
    for n in range(5):
        MessageFactory(session=chat, body=f"m{n}")
    visitor = api_client(chat.visitor)

    assert [m["seq"] for m in visitor.get(url(chat), after_seq=3).json()] == [4, 5]
    assert [m["seq"] for m in visitor.get(url(chat), after_seq=1, limit=2).json()] == [2, 3]
    assert visitor.get(url(chat), after_seq=5).json() == []


def test_someone_elses_chat_looks_missing(chat, api_client):
    stranger = api_client(UserFactory())
    other_helper = api_client(HelperFactory())

    for client in (stranger, other_helper):
        assert client.post(url(chat), {"body": "hi"}).status_code == 404
        assert client.get(url(chat)).status_code == 404
        assert client.post(url(chat, "read"), {"seq": 0}).status_code == 404
    assert stranger.get("sessions/00000000-0000-0000-0000-000000000000/messages").status_code == 404
    assert stranger.get("sessions/not-a-uuid/messages").status_code == 404
    assert not Message.objects.exists()


def test_anonymous_needs_a_token(chat, api_client):
    response = api_client().post(url(chat), {"body": "hi"})
    assert response.status_code == 401
    assert api_client().get(url(chat)).status_code == 401


def test_anonymous_visitor_chats_with_their_token(api_client):
    key = new_anonymous_key()
    chat = ActiveChatFactory(visitor=None, anonymous_key=key, visitor_name="Sam")

    visitor = api_client(token=make_visitor_token(key))
    response = visitor.post(url(chat), {"body": "Hello", "client_msg_id": "c1"})

    assert response.status_code == 201
    assert response.json()["author"] == "Sam"
    assert response.json()["role"] == "visitor"
    intruder = api_client(token=make_visitor_token(new_anonymous_key()))
    assert intruder.get(url(chat)).status_code == 404
    forged = api_client(token=make_visitor_token(key) + "x")
    assert forged.get(url(chat)).status_code == 401


def test_ended_chat_takes_no_messages_but_keeps_its_history(api_client):
    chat = EndedChatFactory()
    MessageFactory(session=chat, body="before the end", client_msg_id="old")

    visitor = api_client(chat.visitor)
    response = visitor.post(url(chat), {"body": "hello?"})

    assert response.status_code == 409
    assert response.json()["code"] == "chat_closed"
    assert visitor.post(url(chat), {"body": "x", "client_msg_id": "old"}).status_code == 200
    assert [m["body"] for m in visitor.get(url(chat)).json()] == ["before the end"]


def test_waiting_visitor_may_add_details(api_client):
    chat = ChatSessionFactory()
    response = api_client(chat.visitor).post(url(chat), {"body": "It started yesterday"})
    assert response.status_code == 201


def test_first_response_is_the_helpers_first_text(chat, api_client):
    helper = api_client(chat.helper)
    api_client(chat.visitor).post(url(chat), {"body": "hi"})
    helper.post(url(chat), {"body": "looking into it", "kind": "note"})
    chat.refresh_from_db()
    assert chat.first_response_at is None

    first = helper.post(url(chat), {"body": "Hello!"}).json()
    helper.post(url(chat), {"body": "Second"})

    chat.refresh_from_db()
    assert chat.first_response_at.isoformat() == first["created"]


def test_bodies_are_plain_text_with_safe_links(chat, api_client):
    body = (
        '<script>alert(1)</script> see https://support.mozilla.org/kb/x?a=1&b=2 "q" '
        "javascript:alert(2)"
    )
    sent = api_client(chat.visitor).post(url(chat), {"body": body}).json()

    assert sent["body"] == body
    html = sent["html"]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<a href="https://support.mozilla.org/kb/x?a=1&amp;b=2" rel="nofollow">' in html
    assert 'href="javascript' not in html
    assert Message.objects.get().body == body


def test_multiline_bodies_keep_their_lines(chat, api_client):
    sent = api_client(chat.visitor).post(url(chat), {"body": "one\ntwo"}).json()
    assert sent["html"] == "one<br>two"


@override_settings(LIVECHAT_RATE_LIMIT_MESSAGES=3, LIVECHAT_RATE_LIMIT_SECONDS=60)
def test_http_sends_are_rate_limited(chat, api_client):
    cache.clear()
    visitor = api_client(chat.visitor)
    codes = [visitor.post(url(chat), {"body": f"m{n}"}).status_code for n in range(4)]

    assert codes == [201, 201, 201, 429]
    assert visitor.post(url(chat), {"body": "more"}).json()["code"] == "rate_limited"
    assert Message.objects.filter(session=chat).count() == 3
    # The helper has their own budget.
    assert api_client(chat.helper).post(url(chat), {"body": "hi"}).status_code == 201


def test_read_marks(chat, api_client):
    MessageFactory(session=chat)
    helper = api_client(chat.helper)

    assert helper.post(url(chat, "read"), {"seq": 1}).json() == {"seq": 1}
    too_far = helper.post(url(chat, "read"), {"seq": 2})
    assert too_far.status_code == 400
    assert too_far.json()["code"] == "invalid_seq"
    assert helper.post(url(chat, "read"), {"seq": -1}).status_code == 400


def test_a_read_mark_over_http_is_stored_for_its_side_and_never_lowered(chat, api_client):
    MessageFactory(session=chat)
    MessageFactory(session=chat)
    helper, visitor = api_client(chat.helper), api_client(chat.visitor)

    helper.post(url(chat, "read"), {"seq": 2})
    helper.post(url(chat, "read"), {"seq": 1})
    visitor.post(url(chat, "read"), {"seq": 1})

    assert helper.get(f"sessions/{chat.pk}").json()["read"] == {"visitor": 1, "staff": 2}
    chat.refresh_from_db()
    assert (chat.visitor_read_seq, chat.staff_read_seq) == (1, 2)


def test_supervised_trainee_text_waits_as_a_draft_the_visitor_never_sees(api_client):
    trainee_user = UserFactory(perms=["answer_chats"])
    Trainee.objects.create(user=trainee_user, stage=Trainee.Stage.TRAINING)
    chat = ActiveChatFactory(helper=trainee_user, supervised=True)

    sent = api_client(trainee_user).post(url(chat), {"body": "Try safe mode"})

    assert sent.status_code == 201
    assert sent.json()["kind"] == "draft"
    assert api_client(chat.visitor).get(url(chat)).json() == []
    chat.refresh_from_db()
    assert chat.first_response_at is None


def _send_queries(client, chat, n):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url(chat), {"body": f"message {n}", "client_msg_id": f"c{n}"})
    assert response.status_code == 201
    return len(queries)


@pytest.mark.parametrize("who", ["visitor", "helper"])
def test_queries_per_sent_message_do_not_grow_with_the_chat(
    chat, api_client, django_assert_num_queries, who
):
    client = api_client(getattr(chat, who))
    client.post(url(chat), {"body": "warm up", "client_msg_id": "c0"})
    first = _send_queries(client, chat, 1)
    chat.refresh_from_db()
    for _n in range(197):
        MessageFactory(session=chat)

    with django_assert_num_queries(first):
        response = client.post(url(chat), {"body": "message 200", "client_msg_id": "c200"})

    assert response.json()["seq"] == 200


def test_queries_per_history_page_do_not_grow_with_the_chat(
    chat, api_client, django_assert_num_queries
):
    client = api_client(chat.visitor)
    MessageFactory(session=chat)
    with CaptureQueriesContext(connection) as small:
        client.get(url(chat))
    chat.refresh_from_db()
    for _n in range(300):
        MessageFactory(session=chat)

    with django_assert_num_queries(len(small)):
        response = client.get(url(chat), after_seq=100)

    assert len(response.json()) == 201


def test_status_survives_a_burst_of_sends(chat, api_client):
    """Seqs stay gapless and ordered however many messages come in."""
    visitor, helper = api_client(chat.visitor), api_client(chat.helper)
    for n in range(10):
        (visitor if n % 2 else helper).post(url(chat), {"body": f"m{n}"})
    seqs = list(Message.objects.filter(session=chat).values_list("seq", flat=True))
    assert seqs == list(range(1, 11))
    assert ChatSession.objects.get(pk=chat.pk).last_seq == 10
