"""The chat socket (docs/websocket-protocol.md) through the real ASGI stack: who may connect, every
frame type, lossless replay, whisper privacy, monitors, invitations, transfers, limits."""

import asyncio

import psycopg
import pytest
from channels.db import database_sync_to_async as db
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from kitsune_livechat import realtime
from kitsune_livechat.models import ChatSession, Message, Participant, Trainee
from kitsune_livechat.services.conversation import messaging, participants
from kitsune_livechat.services.line import assignment, lifecycle, transfer
from kitsune_livechat.services.shared import loop_db, notify
from kitsune_livechat.services.shared.access import Caller, make_visitor_token, new_anonymous_key
from tests.factories import (
    ActiveChatFactory,
    AgentStatusFactory,
    ChatSessionFactory,
    HelperFactory,
    MessageFactory,
    SupervisorFactory,
    UserFactory,
)
from tests.sockets import chat_path, join_chat, open_socket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def send(user, chat, body, **kwargs):
    """Send as ``user`` through the service every door uses."""
    return db(messaging.send_message)(
        caller=Caller(user=user), session_id=chat.pk, body=body, **kwargs
    )


def seqs(frames, frame_type="message"):
    return [frame["seq"] for frame in frames if frame["type"] == frame_type]


# --- Who may connect --------------------------------------------------------------------------


async def test_visitor_helper_and_supervisor_connect(chat):
    supervisor = await db(SupervisorFactory)()
    for user, staff in ((chat.visitor, False), (chat.helper, True), (supervisor, True)):
        socket, greeting = await join_chat(chat.pk, user=user)
        types = [frame["type"] for frame in greeting]
        assert types == (["resumed", "participants", "status"] if staff else ["resumed", "status"])
        assert greeting[-1]["status"] == "active"
        assert greeting[-1]["helpers"] == [{"display_name": chat.helper.username, "role": "helper"}]
        await socket.close()


async def test_anonymous_visitor_connects_with_their_token():
    key = new_anonymous_key()
    chat = await db(ActiveChatFactory)(visitor=None, anonymous_key=key)

    socket, greeting = await join_chat(chat.pk, token=make_visitor_token(key))

    assert greeting[-1]["type"] == "status"
    await socket.close()


async def refused_code(path, user=None):
    socket, accepted = await open_socket(path, user=user)
    assert accepted, "refusals are accepted then closed, so the client sees the code"
    code = await socket.closed_with()
    await socket.close()
    return code


async def test_strangers_are_refused_with_4403_and_no_data(chat):
    stranger = await db(UserFactory)()
    other_helper = await db(HelperFactory)()
    other_key = new_anonymous_key()

    assert await refused_code(chat_path(chat.pk), user=stranger) == 4403
    assert await refused_code(chat_path(chat.pk), user=other_helper) == 4403
    assert await refused_code(chat_path(chat.pk)) == 4403
    assert await refused_code(chat_path(chat.pk, token=make_visitor_token(other_key))) == 4403
    assert await refused_code(chat_path(chat.pk, token="forged")) == 4403


async def test_no_such_chat_is_refused_with_4404(chat):
    assert (
        await refused_code(chat_path("9f4b4c1e-0000-4000-8000-000000000000"), chat.visitor) == 4404
    )
    assert await refused_code(chat_path("not-a-uuid"), chat.visitor) == 4404
    assert await refused_code("/ws/livechat/elsewhere/", chat.visitor) == 4404


async def test_cross_site_handshake_is_refused(chat):
    socket, accepted = await open_socket(
        chat_path(chat.pk), user=chat.visitor, origin=(b"origin", b"https://evil.example")
    )
    assert not accepted
    await socket.close()
    socket, accepted = await open_socket(chat_path(chat.pk), user=chat.visitor, origin=None)
    assert not accepted
    await socket.close()


# --- Messages ---------------------------------------------------------------------------------


async def test_message_reaches_everyone_and_echoes_to_the_sender(chat):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)

    await visitor.send("message.send", body="My tabs crash", client_msg_id="v-1")

    echo = await visitor.receive()
    delivered = await helper.receive()
    assert echo == delivered
    assert (echo["type"], echo["seq"], echo["body"], echo["role"]) == (
        "message",
        1,
        "My tabs crash",
        "visitor",
    )
    assert echo["client_msg_id"] == "v-1"
    await helper.send("message.send", body="Let's try safe mode", client_msg_id="h-1")
    assert (await visitor.receive())["seq"] == 2
    assert (await helper.receive())["seq"] == 2
    await visitor.close()
    await helper.close()


async def test_duplicate_client_msg_id_answers_the_stored_message_once(chat):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)

    await visitor.send("message.send", body="hello", client_msg_id="same")
    first = await visitor.receive()
    await helper.receive()
    await visitor.send("message.send", body="hello", client_msg_id="same")
    again = await visitor.receive()

    # The socket carried that seq already: it is confirmed, not sent a second time.
    assert again == {"type": "ack", "client_msg_id": "same", "seq": first["seq"]}
    assert await helper.nothing()
    assert await db(Message.objects.filter(session_id=chat.pk).count)() == 1
    await visitor.close()
    await helper.close()


async def test_whispers_and_notes_never_reach_the_visitor(chat):
    supervisor = await db(SupervisorFactory)()
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)
    monitor, _ = await join_chat(chat.pk, user=supervisor)

    await helper.send("message.send", body="ask in #sumo", kind="whisper")
    await helper.send("message.send", body="profile corruption", kind="note")
    await helper.send("message.send", body="Hi!")

    for staff in (helper, monitor):
        assert [f["kind"] for f in [await staff.receive() for _ in range(3)]] == [
            "whisper",
            "note",
            "text",
        ]
    live = await visitor.receive()
    assert (live["kind"], live["seq"]) == ("text", 3)
    assert await visitor.nothing()
    await visitor.close()
    # Nor on replay.
    visitor, greeting = await join_chat(chat.pk, user=chat.visitor)
    assert seqs(greeting) == [3]
    assert greeting[-2] == {"type": "resumed", "last_seq": 3}
    await visitor.send("resume", after_seq=0)
    replay = await visitor.receive_until("resumed")
    assert seqs(replay) == []  # this socket carried seq 3 already
    for socket in (visitor, helper, monitor):
        await socket.close()


async def test_visitor_cannot_whisper(chat):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)

    await visitor.send("message.send", body="psst", kind="whisper", client_msg_id="w")

    error = await visitor.receive()
    assert error == {
        "type": "error",
        "code": "kind_not_allowed",
        "detail": "You cannot send this kind of message.",
        "client_msg_id": "w",
    }
    assert not await db(Message.objects.exists)()
    await visitor.close()


@override_settings(LIVECHAT_MAX_MESSAGE_LENGTH=20)
async def test_empty_and_too_long_messages_get_errors_and_the_socket_stays_usable(chat):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)

    await visitor.send("message.send", body="   ")
    assert (await visitor.receive())["code"] == "empty_message"
    await visitor.send("message.send", body="x" * 21)
    assert (await visitor.receive())["code"] == "message_too_long"
    await visitor.send("message.send", body=42)
    assert (await visitor.receive())["code"] == "invalid_body"
    await visitor.send("message.send", body="x" * 20)
    assert (await visitor.receive())["seq"] == 1
    assert await db(Message.objects.count)() == 1
    await visitor.close()


@override_settings(LIVECHAT_RATE_LIMIT_MESSAGES=3, LIVECHAT_RATE_LIMIT_SECONDS=60)
async def test_sends_are_rate_limited_per_connection(chat):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)

    for n in range(4):
        await visitor.send("message.send", body=f"m{n}", client_msg_id=f"c{n}")
    frames = [await visitor.receive() for _ in range(4)]

    # Echoes come through the channel layer, the error straight back: any order.
    [error] = [f for f in frames if f["type"] == "error"]
    assert (error["code"], error["client_msg_id"]) == ("rate_limited", "c3")
    assert sorted(f["client_msg_id"] for f in frames if f["type"] == "message") == [
        "c0",
        "c1",
        "c2",
    ]
    assert await db(Message.objects.count)() == 3
    await visitor.send("ping")
    assert await visitor.receive() == {"type": "pong", "last_seq": 3}
    await visitor.close()


async def test_bad_frames_get_errors_and_the_socket_stays_usable(chat):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)

    await visitor.send_text("{not json")
    assert (await visitor.receive())["code"] == "invalid_json"
    await visitor.send_text("[1, 2]")
    assert (await visitor.receive())["code"] == "invalid_frame"
    await visitor.send_text('{"body": "no type"}')
    assert (await visitor.receive())["code"] == "invalid_frame"
    await visitor.send("shout", body="hi")
    unknown = await visitor.receive()
    assert (unknown["code"], unknown["frame"]) == ("unknown_type", "shout")
    await visitor.communicator.send_to(bytes_data=b"\x00\x01")
    assert (await visitor.receive())["code"] == "invalid_frame"
    await visitor.send("resume", after_seq="yesterday")
    assert (await visitor.receive())["code"] == "invalid_seq"
    await visitor.send("typing", active="yes")
    assert (await visitor.receive())["code"] == "invalid_active"

    await visitor.send("ping")
    assert (await visitor.receive())["type"] == "pong"
    await visitor.close()


async def test_message_to_an_ended_chat_is_refused(chat):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    await db(lifecycle.end_chat)(caller=Caller(user=chat.helper), session_id=chat.pk)
    frames = await visitor.receive_until("status")
    assert frames[-1]["status"] == "ended"

    await visitor.send("message.send", body="wait!")

    assert (await visitor.receive())["code"] == "chat_closed"
    await visitor.close()


async def test_an_ended_chat_whose_event_was_lost_refuses_messages(chat, monkeypatch):
    """The statement that would store the message finds the chat over; the gate then answers."""
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    monkeypatch.setattr(realtime, "publish", lambda *args, **kwargs: None)
    await db(lifecycle.end_chat)(caller=Caller(user=chat.helper), session_id=chat.pk)

    await visitor.send("message.send", body="wait!")

    assert (await visitor.receive())["code"] == "chat_closed"
    assert not await db(Message.objects.filter(session=chat, body="wait!").exists)()
    await visitor.close()


# --- Typing and read marks --------------------------------------------------------------------


async def test_typing_shows_to_the_others_not_the_typist(chat):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)

    await visitor.send("typing", active=True)
    assert await helper.receive() == {
        "type": "typing",
        "active": True,
        "kind": "text",
        "author": chat.visitor.username,
        "role": "visitor",
    }
    assert await visitor.nothing()

    await helper.send("typing", active=True, kind="whisper")
    assert await visitor.nothing()
    await helper.send("typing", active=False)
    assert (await visitor.receive())["active"] is False
    await visitor.close()
    await helper.close()


async def test_typing_and_read_marks_cost_no_query_and_a_message_one_statement(chat, statements):
    """The socket's hot path: typing and read marks go out from what the socket knows; a
    message is one statement on PostgreSQL (elsewhere the portable bump, read and insert)."""
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)
    await visitor.send("message.send", body="warm up", client_msg_id="v-0")
    assert (await helper.receive())["seq"] == 1
    assert (await visitor.receive())["seq"] == 1
    statements.clear()

    await visitor.send("typing", active=True)
    assert (await helper.receive())["type"] == "typing"
    await helper.send("read", seq=1)
    assert (await visitor.receive())["type"] == "read"
    assert statements.statements == []

    await visitor.send("message.send", body="hello", client_msg_id="v-1")
    assert (await helper.receive())["seq"] == 2
    assert (await visitor.receive())["seq"] == 2
    verbs = [sql.split()[0].upper() for sql in statements.statements]
    if connection.vendor == "postgresql":
        assert verbs == ["WITH"]
    else:
        assert [verb for verb in verbs if verb != "BEGIN"] == ["UPDATE", "SELECT", "INSERT"]
    await visitor.close()
    await helper.close()


async def test_a_ping_rechecks_everything_in_one_read_while_nothing_changed(chat, statements):
    """Every socket re-checks on each ``ping`` (and idle resync): the chat, the caller's place
    in it, their login, account and permissions, in one read; with nothing missed, nothing
    more."""
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)
    for socket in (visitor, helper):
        statements.clear()

        await socket.send("ping")

        assert (await socket.receive())["type"] == "pong"
        assert [sql.split()[0].upper() for sql in statements.statements] == ["SELECT"]
        await socket.close()


async def test_a_read_mark_beyond_what_the_socket_carried_is_checked_in_the_database(chat):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)
    await send(chat.helper, chat, "a whisper", kind="whisper")
    assert (await helper.receive())["seq"] == 1

    await visitor.send("read", seq=2)
    assert (await visitor.receive())["code"] == "invalid_seq"
    await visitor.send("read", seq=1)  # stored, though the visitor may not see it
    frame = await helper.receive()
    assert (frame["type"], frame["seq"]) == ("read", 1)
    await visitor.close()
    await helper.close()


async def test_read_marks_show_to_the_others(chat):
    await db(MessageFactory)(session=chat)
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)

    await helper.send("read", seq=1)

    assert await visitor.receive() == {
        "type": "read",
        "seq": 1,
        "author": chat.helper.username,
        "role": "helper",
    }
    assert await helper.nothing()
    await helper.send("read", seq=7)
    assert (await helper.receive())["code"] == "invalid_seq"
    await visitor.close()
    await helper.close()


# --- Stored read marks ------------------------------------------------------------------------


@db
def stored_marks(chat) -> tuple[int, int]:
    """(visitor_read_seq, staff_read_seq) as the chat's row holds them."""
    return ChatSession.objects.values_list("visitor_read_seq", "staff_read_seq").get(pk=chat.pk)


@db
def messages_in(chat, count: int) -> None:
    for _ in range(count):
        MessageFactory(session=chat, role=Message.Role.HELPER, author=chat.helper)


async def test_read_marks_survive_a_reconnect_and_the_other_side_sees_them(chat, api_client):
    await messages_in(chat, 3)
    visitor, greeting = await join_chat(chat.pk, user=chat.visitor)
    assert greeting[-1]["read"] == {"visitor": 0, "staff": 0}

    await visitor.send("read", seq=2)
    await visitor.send("read", seq=3)
    await visitor.close()  # the page is reloaded or closed

    assert await stored_marks(chat) == (3, 0)
    helper, greeting = await join_chat(chat.pk, user=chat.helper)
    assert greeting[-1]["read"] == {"visitor": 3, "staff": 0}
    await helper.send("read", seq=3)
    await helper.close()

    visitor, greeting = await join_chat(chat.pk, user=chat.visitor, after_seq=3)
    assert greeting[-1]["read"] == {"visitor": 3, "staff": 3}
    await visitor.close()
    session = await db(lambda: api_client(chat.visitor).get(f"sessions/{chat.pk}").json())()
    assert session["read"] == {"visitor": 3, "staff": 3}


async def test_a_read_frame_costs_no_query_and_its_mark_is_stored_once_on_the_next_ping(
    chat, statements
):
    await messages_in(chat, 3)
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)
    statements.clear()

    for seq in (1, 3, 2):
        await visitor.send("read", seq=seq)
        assert (await helper.receive())["seq"] == seq
    assert statements.statements == []
    assert await stored_marks(chat) == (0, 0)

    await visitor.send("ping")
    assert (await visitor.receive())["type"] == "pong"
    await visitor.send("ping")  # nothing new to store
    assert (await visitor.receive())["type"] == "pong"
    writes = [sql for sql in statements.statements if "visitor_read_seq" in sql and "UPDATE" in sql]
    assert len(writes) == 1
    assert await stored_marks(chat) == (3, 0)
    await visitor.close()
    await helper.close()


async def test_a_stored_read_mark_never_goes_down(chat):
    await messages_in(chat, 4)
    newer, _ = await join_chat(chat.pk, user=chat.helper)
    older, _ = await join_chat(chat.pk, user=chat.helper)  # a second tab, behind

    await newer.send("read", seq=4)
    await newer.send("ping")
    assert (await newer.receive())["type"] == "pong"
    await older.send("read", seq=2)
    await older.close()
    await newer.send("read", seq=1)
    await newer.send("ping")
    await newer.receive_until("pong")  # past the other tab's live mark
    await newer.close()

    assert await stored_marks(chat) == (0, 4)


async def test_a_read_mark_of_someone_no_longer_in_the_chat_is_not_stored(chat, api_client):
    """Access lost without any event: the pending mark's statement refuses it, as a message's
    would; a stranger's mark over HTTP is a 404 and stores nothing."""
    await messages_in(chat, 2)
    colleague = await db(HelperFactory)()
    await db(Participant.objects.create)(
        session=chat, user=colleague, role=Participant.Role.HELPER, state="active"
    )
    guest, _ = await join_chat(chat.pk, user=colleague)
    await guest.send("read", seq=2)
    await db(Participant.objects.filter(user=colleague).update)(state="left")
    await guest.close()

    stranger = await db(HelperFactory)()
    response = await db(lambda: api_client(stranger).post(f"sessions/{chat.pk}/read", {"seq": 2}))()
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert await stored_marks(chat) == (0, 0)


async def test_a_hidden_monitors_reading_is_not_stored_for_the_visitor_to_see(chat):
    await messages_in(chat, 2)
    supervisor = await db(SupervisorFactory)()
    await db(participants.join_as_monitor)(caller=Caller(user=supervisor), session_id=chat.pk)
    monitor, _ = await join_chat(chat.pk, user=supervisor)

    await monitor.send("read", seq=2)
    await monitor.close()

    assert await stored_marks(chat) == (0, 0)


# --- Replay and resume ------------------------------------------------------------------------


async def test_reconnect_replays_what_was_sent_meanwhile(chat):
    visitor, greeting = await join_chat(chat.pk, user=chat.visitor)
    await visitor.send("message.send", body="first", client_msg_id="1")
    await visitor.send("message.send", body="second", client_msg_id="2")
    seen = [await visitor.receive(), await visitor.receive()]
    await visitor.close()

    await send(chat.helper, chat, "are you there?")
    await send(chat.helper, chat, "a note", kind="note")
    await send(chat.helper, chat, "hello?")

    visitor, greeting = await join_chat(chat.pk, user=chat.visitor, after_seq=seqs(seen)[-1])

    assert seqs(greeting) == [3, 5]
    assert greeting[-2] == {"type": "resumed", "last_seq": 5}
    await visitor.close()


async def test_resume_frame_replays_after_a_seq(chat):
    for n in range(4):
        await db(MessageFactory)(session=chat, body=f"m{n}")
    helper, greeting = await join_chat(chat.pk, user=chat.helper)
    assert seqs(greeting) == [1, 2, 3, 4]

    await helper.send("resume", after_seq=2)

    frames = await helper.receive_until("resumed")
    assert seqs(frames) == []  # all carried by this socket already: never twice
    assert frames[-1] == {"type": "resumed", "last_seq": 4}
    await helper.close()
    helper, greeting = await join_chat(chat.pk, user=chat.helper, after_seq=4)
    await db(MessageFactory)(session=chat, body="m4")  # stored without a live event

    await helper.send("resume", after_seq=2)

    frames = await helper.receive_until("resumed")
    assert seqs(frames) == [5]
    assert frames[-1] == {"type": "resumed", "last_seq": 5}
    await helper.close()


async def test_long_chats_replay_in_pages(chat, monkeypatch):
    monkeypatch.setattr(messaging, "PAGE_SIZE", 3)
    real_history = messaging.history
    pages = []

    def history(**kwargs):
        access, batch = real_history(**kwargs)
        pages.append([message.seq for message in batch])
        return access, batch

    monkeypatch.setattr(messaging, "history", history)
    for _n in range(7):
        await db(MessageFactory)(session=chat)

    visitor, greeting = await join_chat(chat.pk, user=chat.visitor, after_seq=1)

    assert seqs(greeting) == [2, 3, 4, 5, 6, 7]
    assert pages == [[2, 3, 4], [5, 6, 7], []]
    await visitor.close()


async def test_a_message_stored_during_the_replay_is_not_lost(chat, monkeypatch):
    """The socket joins its groups before reading the database: a message committed after
    the replay's read still arrives, live."""
    real_history = messaging.history
    sent = []

    def history_then_a_new_message(**kwargs):
        result = real_history(**kwargs)
        if not sent:
            sent.append(
                messaging.send_message(
                    caller=Caller(user=chat.helper), session_id=chat.pk, body="just now"
                )
            )
        return result

    await db(MessageFactory)(session=chat, body="old")
    monkeypatch.setattr(messaging, "history", history_then_a_new_message)

    visitor, greeting = await join_chat(chat.pk, user=chat.visitor)
    frames = greeting + [await visitor.receive()]

    assert seqs(frames) == [1, 2]
    assert frames[-1]["body"] == "just now"
    assert await visitor.nothing()
    await visitor.close()


async def test_a_message_arriving_during_a_replay_page_comes_once_and_in_order(chat, monkeypatch):
    """Live events wait while a replay page is read; the page covers them, so each seq reaches
    the socket once and in order."""
    monkeypatch.setattr(messaging, "PAGE_SIZE", 2)
    real_history = messaging.history
    calls = []

    def history_with_news(**kwargs):
        calls.append(kwargs["after_seq"])
        if len(calls) == 1:
            messaging.send_message(caller=Caller(user=chat.helper), session_id=chat.pk, body="new")
        return real_history(**kwargs)

    for n in range(3):
        await db(MessageFactory)(session=chat, body=f"old {n}")
    monkeypatch.setattr(messaging, "history", history_with_news)

    visitor, greeting = await join_chat(chat.pk, user=chat.visitor)

    assert seqs(greeting) == [1, 2, 3, 4]
    assert greeting[-2] == {"type": "resumed", "last_seq": 4}
    assert await visitor.nothing()
    await visitor.close()


async def test_connecting_without_after_seq_then_resuming_repeats_nothing(chat):
    for n in range(3):
        await db(MessageFactory)(session=chat, body=f"m{n}")
    visitor, greeting = await join_chat(chat.pk, user=chat.visitor)
    assert seqs(greeting) == [1, 2, 3]

    await visitor.send("resume", after_seq=0)
    await visitor.send("resume", after_seq=1)
    frames = await visitor.receive_until("resumed") + await visitor.receive_until("resumed")

    assert seqs(frames) == []
    await visitor.close()


async def test_a_lost_live_event_is_filled_from_the_database_before_the_next(chat, monkeypatch):
    """A message whose broadcast never left (the layer was down) reaches the socket, read from
    the database, before the next live one: no gap, no reordering."""
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)
    real_publish = messaging.publish_message
    monkeypatch.setattr(messaging, "publish_message", lambda message: None)
    await send(chat.helper, chat, "lost on the way")
    monkeypatch.setattr(messaging, "publish_message", real_publish)

    await send(chat.helper, chat, "arrives live")

    for socket in (visitor, helper):
        frames = [await socket.receive(), await socket.receive()]
        assert [(f["seq"], f["body"]) for f in frames] == [
            (1, "lost on the way"),
            (2, "arrives live"),
        ]
        assert await socket.nothing()
    await visitor.close()
    await helper.close()


async def test_the_reply_to_a_send_keeps_order_and_survives_a_silent_layer(chat, monkeypatch):
    """The sender gets its message from the stored row, after any it had not seen yet, even
    when no broadcast arrives; a retry of it is acknowledged, never repeated."""
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    monkeypatch.setattr(messaging, "publish_message", lambda message: None)
    await send(chat.helper, chat, "helper first")

    await visitor.send("message.send", body="visitor second", client_msg_id="v-1")
    frames = [await visitor.receive(), await visitor.receive()]
    await visitor.send("message.send", body="visitor second", client_msg_id="v-1")
    ack = await visitor.receive()

    assert [(f["seq"], f["body"]) for f in frames] == [(1, "helper first"), (2, "visitor second")]
    assert ack == {"type": "ack", "client_msg_id": "v-1", "seq": 2}
    assert await visitor.nothing()
    assert await db(Message.objects.filter(session_id=chat.pk).count)() == 2
    await visitor.close()


# --- Position while waiting -------------------------------------------------------------------


@override_settings(LIVECHAT_POSITION_PUSH_DELAY=0.05)
async def test_waiting_visitor_gets_one_position_update_per_burst():
    first = await db(ChatSessionFactory)()
    second = await db(ChatSessionFactory)(queue=first.queue)
    visitor, greeting = await join_chat(second.pk, user=second.visitor)
    assert (greeting[-1]["status"], greeting[-1]["position"]) == ("waiting", 2)
    assert greeting[-1]["wait_seconds"] >= 0

    await db(lifecycle.end_chat)(caller=Caller(user=first.visitor), session_id=first.pk)

    def burst():
        for _n in range(5):
            notify.line_moved(first.queue_id)

    await db(burst)()
    update = await visitor.receive()
    assert (update["type"], update["change"], update["position"]) == ("status", "position", 1)
    assert await visitor.nothing(0.3)
    await visitor.close()


@override_settings(LIVECHAT_POSITION_PUSH_DELAY=0.05)
async def test_assigned_visitor_gets_no_stale_position():
    chat = await db(ChatSessionFactory)()
    helper = await db(HelperFactory)()
    await db(AgentStatusFactory)(user=helper)
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)

    await db(notify.line_moved)(chat.queue_id)
    await db(assignment.claim_chat)(user=helper, session_id=chat.pk)

    frames = await visitor.receive_until("status")
    while frames[-1].get("change") != "assigned":
        frames += await visitor.receive_until("status")
    assert frames[-1]["status"] == "active"
    await asyncio.sleep(0.1)
    assert await visitor.nothing()
    await visitor.close()


# --- Access changes while connected -----------------------------------------------------------


async def test_helper_transferred_away_stops_receiving_at_once(chat):
    successor = await db(HelperFactory)()
    await db(AgentStatusFactory)(user=successor)
    await db(AgentStatusFactory)(user=chat.helper)
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    old, _ = await join_chat(chat.pk, user=chat.helper)

    await db(transfer.transfer_chat)(
        caller=Caller(user=chat.helper), session_id=chat.pk, to_helper=successor.username
    )

    announcement = await old.receive()
    assert announcement["kind"] == "system"
    assert await old.closed_with() == 4403
    frames = await visitor.receive_until("status")
    assert frames[-1]["change"] == "transferred"
    assert frames[-1]["helpers"] == [{"display_name": successor.username, "role": "helper"}]
    new, _ = await join_chat(chat.pk, user=successor)
    await visitor.send("message.send", body="hello again")
    assert (await new.receive())["body"] == "hello again"
    assert await refused_code(chat_path(chat.pk), user=chat.helper) == 4403
    await visitor.close()
    await new.close()
    await old.close()


async def test_a_helper_transferred_away_whose_event_was_lost_cannot_post(chat, monkeypatch):
    successor = await db(HelperFactory)()
    await db(AgentStatusFactory)(user=successor)
    await db(AgentStatusFactory)(user=chat.helper)
    old, _ = await join_chat(chat.pk, user=chat.helper)
    monkeypatch.setattr(realtime, "publish", lambda *args, **kwargs: None)
    await db(transfer.transfer_chat)(
        caller=Caller(user=chat.helper), session_id=chat.pk, to_helper=successor.username
    )

    await old.send("message.send", body="still mine?")

    assert await old.closed_with() == 4403
    assert not await db(Message.objects.filter(session=chat, body="still mine?").exists)()
    await old.close()


async def test_access_lost_without_an_event_refuses_the_next_message(chat):
    """Access lost without any event (say, an admin edited the chat): the statement that would
    store the next message refuses it, and the gate closes the socket."""
    colleague = await db(HelperFactory)()
    await db(Participant.objects.create)(
        session=chat, user=colleague, role=Participant.Role.HELPER, state="active"
    )
    guest, _ = await join_chat(chat.pk, user=colleague)
    await db(Participant.objects.filter(user=colleague).update)(state="left")

    await guest.send("message.send", body="still here?")

    assert await guest.closed_with() == 4403
    assert not await db(Message.objects.filter(session=chat).exists)()
    await guest.close()


async def test_invited_helper_joins_and_leaves(chat):
    colleague = await db(HelperFactory)()
    helper, _ = await join_chat(chat.pk, user=chat.helper)
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    assert await refused_code(chat_path(chat.pk), user=colleague) == 4403

    await db(participants.invite)(
        caller=Caller(user=chat.helper), session_id=chat.pk, username=colleague.username
    )
    invited = await helper.receive()
    assert invited["type"] == "participants"
    assert invited["participants"][1]["state"] == "invited"
    assert await visitor.nothing()

    await db(participants.accept_invitation)(caller=Caller(user=colleague), session_id=chat.pk)
    joined = await visitor.receive_until("status")
    assert joined[0]["body"] == f"{colleague.username} joined the chat."
    assert colleague.username in [p["display_name"] for p in joined[-1]["helpers"]]

    guest, _ = await join_chat(chat.pk, user=colleague)
    await guest.send("message.send", body="hi, I'm a second helper")
    assert (await visitor.receive())["role"] == "helper"
    assert (await guest.receive())["role"] == "helper"
    await db(participants.leave)(caller=Caller(user=colleague), session_id=chat.pk)
    left = await guest.receive()
    assert left["body"] == f"{colleague.username} left the chat."
    assert await guest.closed_with() == 4403
    for socket in (helper, visitor, guest):
        await socket.close()


async def test_monitor_stays_invisible_until_they_speak(chat):
    supervisor = await db(SupervisorFactory)()
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    await db(participants.join_as_monitor)(caller=Caller(user=supervisor), session_id=chat.pk)
    monitor, greeting = await join_chat(chat.pk, user=supervisor)
    people = next(f for f in greeting if f["type"] == "participants")["participants"]
    assert {"username": supervisor.username, "role": "monitor", "visible": False}.items() <= (
        people[1].items()
    )

    await monitor.send("typing", active=True)
    await monitor.send("read", seq=0)
    await monitor.send("message.send", body="watch the crash reports", kind="whisper")
    assert await visitor.nothing()

    await monitor.send("message.send", body="Hello from the team")
    message = await visitor.receive()
    status = await visitor.receive()
    assert (message["body"], message["role"]) == ("Hello from the team", "observer")
    assert (status["type"], status["change"]) == ("status", "participants")
    assert supervisor.username in [p["display_name"] for p in status["helpers"]]
    await visitor.close()
    await monitor.close()


async def test_observing_trainee_gets_the_chat_but_cannot_write_to_the_visitor(chat):
    user = await db(UserFactory)()
    mentor = await db(SupervisorFactory)()
    await db(Trainee.objects.create)(user=user, stage=Trainee.Stage.TRAINING, mentor=mentor)
    assert await refused_code(chat_path(chat.pk), user=user) == 4403
    await db(participants.knock)(caller=Caller(user=user), session_id=chat.pk)
    assert await refused_code(chat_path(chat.pk), user=user) == 4403
    await db(participants.admit)(
        caller=Caller(user=chat.helper), session_id=chat.pk, username=user.username
    )

    trainee, _ = await join_chat(chat.pk, user=user)
    await trainee.send("message.send", body="hello")
    assert (await trainee.receive())["code"] == "kind_not_allowed"
    await trainee.send("message.send", body="why safe mode?", kind="whisper")
    assert (await trainee.receive())["role"] == "observer"
    await trainee.close()


async def test_server_errors_become_error_frames(chat, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(messaging, "_socket_message", broken)
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)

    await visitor.send("message.send", body="hello")

    assert (await visitor.receive())["code"] == "server_error"
    await visitor.send("ping")
    assert await visitor.receive() == {"type": "pong", "last_seq": 0}
    await visitor.close()


# --- Faults: the channel layer and the database -----------------------------------------------


def silent_layer(monkeypatch):
    """Messages are stored but their broadcast is lost, as while Redis is down."""
    monkeypatch.setattr(messaging, "publish_message", lambda message: None)


async def test_ping_sends_what_a_layer_outage_lost(chat, monkeypatch):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)
    silent_layer(monkeypatch)
    await send(chat.helper, chat, "during the outage")
    await send(chat.helper, chat, "a whisper meanwhile", kind="whisper")
    assert await visitor.nothing()

    await visitor.send("ping", last_seq=0)
    await helper.send("ping")

    frames = await visitor.receive_until("pong")
    assert [(f["type"], f.get("seq")) for f in frames] == [("message", 1), ("pong", None)]
    assert frames[-1]["last_seq"] == 2
    assert seqs(await helper.receive_until("pong")) == [1, 2]
    await visitor.send("ping", last_seq=2)
    assert await visitor.receive() == {"type": "pong", "last_seq": 2}
    await visitor.send("ping", last_seq=-1)
    assert (await visitor.receive())["code"] == "invalid_seq"
    await visitor.close()
    await helper.close()


async def test_a_ping_catches_up_in_one_read_a_page_with_each_callers_view(
    chat, monkeypatch, statements
):
    """What a socket missed comes back with its re-check, as a replay would give it: the
    visitor without whispers and drafts, staff with which draft a message came from. Where
    statements run on the event loop, that is one read a page while the standing holds."""
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)
    monkeypatch.setattr(messaging, "PAGE_SIZE", 2)
    draft = await db(MessageFactory)(session=chat, role="helper", kind="draft", body="draft")
    await db(MessageFactory)(session=chat, role="helper", kind="whisper", body="whisper")
    await db(MessageFactory)(session=chat, role="helper", body="sent", draft=draft)
    await db(MessageFactory)(session=chat, body="thanks")

    for socket, user, pages in ((visitor, chat.visitor, 2), (helper, chat.helper, 3)):
        statements.clear()
        await socket.send("ping")
        frames = await socket.receive_until("pong")
        reads = len(statements)

        _access, replay = await db(messaging.history)(
            caller=Caller(user=user), session_id=chat.pk, limit=None
        )
        expected = [realtime.message_frame(messaging.message_json(m)) for m in replay]
        assert frames == [*expected, {"type": "pong", "last_seq": 4}]
        if loop_db.available():
            assert reads == pages
    assert [f["draft_seq"] for f in expected] == [None, None, 1, None]
    await visitor.close()
    await helper.close()


@override_settings(LIVECHAT_RESYNC_SECONDS=0.2)
async def test_an_idle_socket_catches_up_by_itself_after_a_layer_outage(chat, monkeypatch):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    silent_layer(monkeypatch)

    await send(chat.helper, chat, "nobody pushed this")

    frame = await visitor.receive()
    assert (frame["seq"], frame["body"]) == (1, "nobody pushed this")
    assert await visitor.nothing(0.5)
    await visitor.close()


def flaky(monkeypatch, failures):
    """A socket's message statement fails with a dropped database connection ``failures``
    times: on the event loop's connection where it runs there, else in the database thread."""
    calls = []
    if loop_db.available():
        real_execute = psycopg.AsyncConnection.execute

        async def execute(self, query, *args, **kwargs):
            if str(query).lstrip().startswith("WITH bumped"):
                calls.append(query)
                if len(calls) <= failures:
                    raise psycopg.OperationalError("server closed the connection unexpectedly")
            return await real_execute(self, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.AsyncConnection, "execute", execute)
        return calls
    real = messaging.post

    def post(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) <= failures:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(messaging, "post", post)
    return calls


async def test_a_transient_database_error_is_retried_by_the_server(chat, monkeypatch):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    calls = flaky(monkeypatch, failures=2)

    await visitor.send("message.send", body="hello", client_msg_id="v-1")

    frame = await visitor.receive()
    assert (frame["type"], frame["client_msg_id"]) == ("message", "v-1")
    assert len(calls) == 3
    assert await db(Message.objects.filter(session_id=chat.pk).count)() == 1
    await visitor.close()


async def test_a_failed_send_names_its_client_msg_id_and_a_retry_stores_it_once(chat, monkeypatch):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    flaky(monkeypatch, failures=3)

    await visitor.send("message.send", body="hello", client_msg_id="v-1")
    error = await visitor.receive()
    await visitor.send("message.send", body="hello", client_msg_id="v-1")
    stored = await visitor.receive()
    await visitor.send("message.send", body="hello", client_msg_id="v-1")
    again = await visitor.receive()

    assert error == {
        "type": "error",
        "code": "server_error",
        "detail": "Something went wrong. Please try again.",
        "client_msg_id": "v-1",
    }
    assert (stored["type"], stored["seq"], stored["client_msg_id"]) == ("message", 1, "v-1")
    assert again == {"type": "ack", "client_msg_id": "v-1", "seq": 1}
    assert await db(Message.objects.filter(session_id=chat.pk).count)() == 1
    await visitor.close()


# --- Access re-read from the database ---------------------------------------------------------


@db
def log_out(cookie):
    """The site's logout, with the browser's session cookie."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert client.post(reverse("users.logout")).status_code in (200, 302)


async def test_logging_out_closes_the_sockets_of_that_login_only(chat):
    cookie, other_login = await session_cookie(chat.helper), await session_cookie(chat.helper)
    helper, _ = await join_chat(chat.pk, cookie=cookie)
    elsewhere, _ = await join_chat(chat.pk, cookie=other_login)
    console, accepted = await open_socket("/ws/livechat/agent/", cookie=cookie)
    assert accepted

    await log_out(cookie)

    assert await helper.closed_with() == 4401
    while (output := await console.communicator.receive_output(3))["type"] != "websocket.close":
        pass
    assert output["code"] == 4401
    await elsewhere.send("ping")
    assert (await elsewhere.receive())["type"] == "pong"
    await send(chat.visitor, chat, "still here?")
    assert (await elsewhere.receive())["body"] == "still here?"
    for socket in (helper, elsewhere, console):
        await socket.close()


async def test_a_message_after_a_logout_whose_event_was_lost_is_refused(chat, monkeypatch):
    cookie = await session_cookie(chat.visitor)
    visitor, _ = await join_chat(chat.pk, cookie=cookie)
    monkeypatch.setattr(realtime, "access_changed", lambda user_id: None)
    await log_out(cookie)

    await visitor.send("message.send", body="after the logout")

    assert await visitor.closed_with() == 4401
    assert not await db(Message.objects.filter(session=chat).exists)()
    await visitor.close()


async def test_a_deactivated_users_socket_is_closed_and_refused(chat):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)

    def deactivate():
        chat.visitor.is_active = False
        chat.visitor.save()

    await db(deactivate)()

    assert await visitor.closed_with() == 4401
    assert await refused_code(chat_path(chat.pk), user=chat.visitor) == 4403
    await visitor.close()


async def test_a_deactivation_without_an_event_shows_at_the_next_ping(chat):
    helper, _ = await join_chat(chat.pk, user=chat.helper)
    await db(type(chat.helper).objects.filter(pk=chat.helper.pk).update)(is_active=False)

    await helper.send("ping")

    assert await helper.closed_with() == 4401
    await helper.close()


def revoke(user, codename):
    user.user_permissions.remove(Permission.objects.get(codename=codename))


def lose_every_event(monkeypatch):
    """The channel layer drops everything from now on: only the socket's own re-check is left."""
    monkeypatch.setattr(realtime, "_send_on_commit", lambda group, message: None)


def make_superuser_observer():
    return UserFactory(is_superuser=True)


def group_supervisor():
    group = Group.objects.create(name="Chat supervisors")
    group.permissions.add(Permission.objects.get(codename="supervise_chats"))
    user = UserFactory()
    user.groups.add(group)
    return user


LOST_CHANGES = {
    "helper loses answer_chats": ("helper", lambda chat, user: revoke(user, "answer_chats")),
    "helper transferred away": (
        "helper",
        lambda chat, user: ChatSession.objects.filter(pk=chat.pk).update(helper=HelperFactory()),
    ),
    "supervisor's group loses the permission": (
        group_supervisor,
        lambda chat, user: user.groups.get().permissions.clear(),
    ),
    "superuser flag taken away": (
        make_superuser_observer,
        lambda chat, user: type(user).objects.filter(pk=user.pk).update(is_superuser=False),
    ),
    "participant left": (
        "participant",
        lambda chat, user: Participant.objects.filter(user=user).update(state="left"),
    ),
    "participant's role changed": (
        "participant",
        lambda chat, user: Participant.objects.filter(user=user).update(
            role=Participant.Role.MONITOR
        ),
    ),
}


@pytest.mark.parametrize("change", LOST_CHANGES, ids=list(LOST_CHANGES))
async def test_a_change_whose_event_was_lost_closes_the_socket_at_the_next_ping(
    chat, monkeypatch, change
):
    """The one-read re-check sees everything the gate decided from, and so does what the gate
    would do: close the socket of someone who may no longer be in the chat."""
    who, apply = LOST_CHANGES[change]

    def someone():
        if who == "helper":
            return chat.helper
        if who == "participant":
            user = HelperFactory()
            Participant.objects.create(
                session=chat, user=user, role=Participant.Role.HELPER, state="active"
            )
            return user
        return who()

    user = await db(someone)()
    socket, _ = await join_chat(chat.pk, user=user)
    await socket.send("ping")
    assert (await socket.receive())["type"] == "pong"
    lose_every_event(monkeypatch)
    await db(apply)(chat, user)

    await socket.send("ping")

    assert await socket.closed_with() == 4403
    await socket.close()


async def test_a_logout_whose_event_was_lost_closes_the_socket_at_the_next_ping(chat, monkeypatch):
    cookie = await session_cookie(chat.visitor)
    visitor, _ = await join_chat(chat.pk, cookie=cookie)
    lose_every_event(monkeypatch)
    await log_out(cookie)

    await visitor.send("ping")

    assert await visitor.closed_with() == 4401
    await visitor.close()


async def test_an_end_whose_event_was_lost_shows_at_the_next_ping(chat, monkeypatch):
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    lose_every_event(monkeypatch)
    await db(ChatSession.objects.filter(pk=chat.pk).update)(status=ChatSession.Status.ENDED)

    await visitor.send("ping")
    assert (await visitor.receive())["type"] == "pong"
    await visitor.send("typing", active=True)

    assert (await visitor.receive())["code"] == "chat_closed"
    await visitor.close()


async def test_after_a_change_that_keeps_the_caller_in_a_ping_is_one_read_again(
    chat, monkeypatch, statements
):
    helper, _ = await join_chat(chat.pk, user=chat.helper)
    lose_every_event(monkeypatch)
    await db(chat.helper.user_permissions.add)(
        await db(Permission.objects.get)(codename="supervise_chats")
    )
    statements.clear()

    await helper.send("ping")
    assert (await helper.receive())["type"] == "pong"
    assert len(statements.statements) > 1  # the standing changed: the whole gate answered
    statements.clear()
    await helper.send("ping")

    assert (await helper.receive())["type"] == "pong"
    assert len(statements.statements) == 1
    await helper.close()


async def test_a_supervisor_who_lost_the_permission_stops_getting_whispers(chat):
    supervisor = await db(SupervisorFactory)()
    monitor_user = await db(SupervisorFactory)()
    await db(participants.join_as_monitor)(caller=Caller(user=monitor_user), session_id=chat.pk)
    watching, _ = await join_chat(chat.pk, user=supervisor)
    monitor, _ = await join_chat(chat.pk, user=monitor_user)

    await db(revoke)(supervisor, "supervise_chats")
    await db(revoke)(monitor_user, "supervise_chats")
    await send(chat.helper, chat, "between us", kind="whisper")

    for socket in (watching, monitor):
        assert await socket.closed_with() == 4403
        await socket.close()
    assert await refused_code(chat_path(chat.pk), user=supervisor) == 4403


async def test_resume_never_replays_whispers_to_someone_no_longer_entitled(chat, monkeypatch):
    """Even when the event about the lost permission never arrives."""
    supervisor = await db(SupervisorFactory)()
    watching, _ = await join_chat(chat.pk, user=supervisor)
    monkeypatch.setattr(realtime, "access_changed", lambda user_id: None)
    monkeypatch.setattr(messaging, "publish_message", lambda message: None)
    await send(chat.helper, chat, "between us", kind="whisper")
    await db(revoke)(supervisor, "supervise_chats")

    await watching.send("resume", after_seq=0)

    assert await watching.closed_with() == 4403
    await watching.close()


async def test_a_helper_who_lost_the_permission_loses_the_chat_and_strangers_stay_out(chat):
    stranger = await db(HelperFactory)()
    helper, _ = await join_chat(chat.pk, user=chat.helper)

    await db(revoke)(chat.helper, "answer_chats")

    assert await helper.closed_with() == 4403
    await helper.close()
    assert await refused_code(chat_path(chat.pk), user=chat.helper) == 4403
    assert await refused_code(chat_path(chat.pk), user=stranger) == 4403


async def test_a_group_losing_the_permission_closes_its_members_sockets(chat):
    def supervisor_by_group():
        group = Group.objects.create(name="Chat supervisors")
        group.permissions.add(Permission.objects.get(codename="supervise_chats"))
        user = UserFactory()
        user.groups.add(group)
        return user, group

    user, group = await db(supervisor_by_group)()
    watching, _ = await join_chat(chat.pk, user=user)

    await db(group.permissions.clear)()

    assert await watching.closed_with() == 4403
    await watching.close()
    assert await refused_code(chat_path(chat.pk), user=user) == 4403
