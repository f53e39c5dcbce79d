"""Hostile client frames on both sockets: each gets one ``error`` frame, nothing is stored, and
the socket keeps working. The fuzz is seeded and bounded, so a failure replays exactly."""

import json
import random
import string

import pytest
from channels.db import database_sync_to_async as db
from django.test.utils import override_settings

from kitsune_livechat.conf import livechat_settings
from kitsune_livechat.models import Message
from tests.factories import ActiveChatFactory, AgentStatusFactory
from tests.sockets import CONSOLE_PATH, join_chat, open_socket

pytestmark = pytest.mark.django_db(transaction=True)

SEED = 20261128
FRAMES_PER_SOCKET = 80


def nested(depth: int) -> str:
    return '{"type": "ping", "x": ' + "[" * depth + "]" * depth + "}"


def garbage(rng: random.Random) -> str:
    alphabet = string.printable + '\x00\u2028\ud7ff{}[]":,'
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 64)))


def bad_frames(rng: random.Random, send_type: str) -> list[str | bytes]:
    """Frames that are wrong by construction, in every family the protocol must survive."""
    size = livechat_settings.MAX_FRAME_SIZE
    fixed: list[str | bytes] = [
        " ",
        "null",
        "[]",
        '"ping"',
        "{",
        '{"type": null}',
        '{"type": 5}',
        '{"type": ["ping"]}',
        '{"type": "no.such.frame"}',
        '{"type": "ping\\u0000"}',
        json.dumps({"type": "ping", "x": "\x00"}),
        json.dumps({"type": "ping", "\x00": 1}),
        nested(1000),
        nested(100),
        "[" * 100_000,
        json.dumps({"type": "ping", "pad": "x" * size}),
        "x" * (size * 4),
        b"\x00\x01binary",
    ]
    if send_type:
        fixed += [
            json.dumps({"type": send_type, "body": "hi\x00", "client_msg_id": "nul"}),
            json.dumps({"type": send_type, "body": 123}),
            json.dumps({"type": send_type, "body": ["a"]}),
            json.dumps({"type": send_type, "body": "ok", "kind": "bogus"}),
            json.dumps({"type": send_type, "body": "ok", "client_msg_id": {"a": 1}}),
            json.dumps(
                {"type": send_type, "body": "x" * (livechat_settings.MAX_MESSAGE_LENGTH + 1)}
            ),
            json.dumps({"type": "typing", "active": "yes"}),
            json.dumps({"type": "read", "seq": "x"}),
            json.dumps({"type": "read", "seq": 10**30}),
            json.dumps({"type": "resume", "after_seq": -1}),
            json.dumps({"type": "resume", "after_seq": "1e400"}),
        ]
    frames = list(fixed)
    while len(frames) < FRAMES_PER_SOCKET:
        frame = garbage(rng)
        try:
            parsed = json.loads(frame)
        except ValueError:
            parsed = None
        if frame and not isinstance(parsed, dict):
            frames.append(frame)
    rng.shuffle(frames)
    return frames


async def send_raw(socket, frame: str | bytes) -> None:
    if isinstance(frame, bytes):
        await socket.communicator.send_to(bytes_data=frame)
    else:
        await socket.send_text(frame)


async def assert_each_frame_is_refused(socket, frames) -> None:
    for frame in frames:
        await send_raw(socket, frame)
        answer = await socket.receive()
        assert answer["type"] == "error", (frame[:80], answer)
        assert answer["code"] and answer["detail"], answer
        assert await socket.nothing(0.01), frame[:80]


@override_settings(LIVECHAT_RATE_LIMIT_MESSAGES=1000)
@pytest.mark.slow
async def test_chat_socket_answers_every_bad_frame_and_stays_usable():
    chat = await db(ActiveChatFactory)()
    rng = random.Random(SEED)
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)
    helper, _ = await join_chat(chat.pk, user=chat.helper)

    await assert_each_frame_is_refused(visitor, bad_frames(rng, "message.send"))
    await assert_each_frame_is_refused(helper, bad_frames(rng, "message.send"))

    await visitor.send("message.send", body="still here", client_msg_id="after")
    echo = await visitor.receive()
    assert (echo["type"], echo["seq"], echo["body"]) == ("message", 1, "still here")
    assert (await helper.receive())["body"] == "still here"
    assert await db(Message.objects.filter(session=chat).count)() == 1
    await visitor.close()
    await helper.close()


async def test_console_socket_answers_every_bad_frame_and_stays_usable():
    status = await db(AgentStatusFactory)()
    rng = random.Random(SEED + 1)
    console, accepted = await open_socket(CONSOLE_PATH, user=status.user)
    assert accepted
    assert (await console.receive())["type"] == "queue"
    while not await console.nothing(0.1):
        await console.receive()

    await assert_each_frame_is_refused(console, bad_frames(rng, ""))

    await console.send("ping")
    assert (await console.receive())["type"] == "pong"
    await console.close()


async def test_nul_byte_in_a_message_names_the_send_and_stores_nothing():
    chat = await db(ActiveChatFactory)()
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)

    await visitor.send("message.send", body="a\x00b", client_msg_id="m-1")
    error = await visitor.receive()

    assert (error["type"], error["code"], error["client_msg_id"]) == ("error", "nul_byte", "m-1")
    assert not await db(Message.objects.filter(session=chat).exists)()
    await visitor.close()


async def test_a_frame_nested_1000_deep_gets_an_error_and_the_socket_stays_open():
    chat = await db(ActiveChatFactory)()
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)

    await visitor.send_text(nested(1000))
    error = await visitor.receive()
    await visitor.send("ping")

    assert error["type"] == "error"
    assert (await visitor.receive())["type"] == "pong"
    await visitor.close()


@override_settings(LIVECHAT_MAX_FRAME_SIZE=100)
async def test_frames_over_the_size_cap_are_refused_unread():
    chat = await db(ActiveChatFactory)()
    visitor, _ = await join_chat(chat.pk, user=chat.visitor)

    await visitor.send("message.send", body="x" * 100, client_msg_id="big")
    error = await visitor.receive()

    assert (error["type"], error["code"]) == ("error", "frame_too_large")
    assert not await db(Message.objects.filter(session=chat).exists)()
    await visitor.close()
