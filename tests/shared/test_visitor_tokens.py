"""Anonymous visitors' tokens: sent in the first frame instead of the URL, and expiring after
their chat with a grace period."""

from datetime import timedelta
from pathlib import Path

import pytest
from channels.db import database_sync_to_async as db
from django.test import override_settings
from django.utils import timezone

from kitsune_livechat.consumers import chat as chat_consumer
from kitsune_livechat.models import ChatSession
from kitsune_livechat.services.shared.access import make_visitor_token, new_anonymous_key
from tests.factories import ActiveChatFactory, EndedChatFactory
from tests.sockets import chat_path, join_chat, open_socket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_anonymous_allowed"),
]


@pytest.fixture
def _anonymous_allowed():
    with override_settings(LIVECHAT_ALLOW_ANONYMOUS=True):
        yield


async def anonymous_chat(factory=ActiveChatFactory, **fields):
    key = new_anonymous_key()
    chat = await db(factory)(visitor=None, anonymous_key=key, **fields)
    return chat, make_visitor_token(key)


async def test_the_token_in_the_first_frame_opens_the_chat():
    chat, token = await anonymous_chat()
    socket, accepted = await open_socket(chat_path(chat.pk, after_seq=0))
    assert accepted

    await socket.send("auth", token=token)
    frames = await socket.receive_until("status")

    assert [frame["type"] for frame in frames] == ["resumed", "status"]
    await socket.send("message.send", body="hello", client_msg_id="a1")
    assert (await socket.receive())["body"] == "hello"
    await socket.close()


async def test_frames_before_auth_are_refused_and_store_nothing():
    chat, token = await anonymous_chat()
    socket, _ = await open_socket(chat_path(chat.pk))

    await socket.send("message.send", body="sneaky", client_msg_id="s1")
    error = await socket.receive()

    assert (error["type"], error["code"]) == ("error", "not_authenticated")
    assert not await db(chat.messages.exists)()
    await socket.close()


async def test_a_bad_token_or_someone_elses_chat_is_refused_with_4403():
    chat, _token = await anonymous_chat()
    _other, other_token = await anonymous_chat()
    for token in ("forged:token", other_token):
        socket, _ = await open_socket(chat_path(chat.pk))
        await socket.send("auth", token=token)
        assert await socket.closed_with() == 4403
        await socket.close()


async def test_no_auth_frame_closes_the_socket(monkeypatch):
    monkeypatch.setattr(chat_consumer, "AUTH_TIMEOUT", 0.1)
    chat, _token = await anonymous_chat()
    socket, _ = await open_socket(chat_path(chat.pk))

    assert await socket.closed_with() == 4403
    await socket.close()


async def test_the_query_string_token_still_works_for_old_clients():
    chat, token = await anonymous_chat()
    socket, greeting = await join_chat(chat.pk, token=token)
    assert greeting[-1]["type"] == "status"
    await socket.close()


def test_the_apps_own_script_sends_the_token_in_a_frame_not_the_url():
    static = Path(__file__).resolve().parents[2] / "kitsune_livechat" / "static" / "livechat"
    visitor = (static / "visitor.js").read_text()
    socket = (static / "socket.js").read_text()
    assert 'searchParams.set("token"' not in visitor
    assert '{ type: "auth", token: this.token }' in socket


@override_settings(LIVECHAT_VISITOR_TOKEN_GRACE=3600)
async def test_the_token_expires_after_the_grace_period(api_client):
    long_ago = timezone.now() - timedelta(hours=2)
    recent = timezone.now() - timedelta(minutes=10)
    expired, expired_token = await anonymous_chat(EndedChatFactory, ended_at=long_ago)
    fresh, fresh_token = await anonymous_chat(EndedChatFactory, ended_at=recent)

    old = await db(lambda: api_client(token=expired_token).get(f"sessions/{expired.pk}"))()
    new = await db(lambda: api_client(token=fresh_token).get(f"sessions/{fresh.pk}"))()
    socket, _ = await open_socket(chat_path(expired.pk))
    await socket.send("auth", token=expired_token)

    assert (old.status_code, old.json()["code"]) == (404, "not_found")
    assert new.status_code == 200
    assert await socket.closed_with() == 4403
    await socket.close()
    assert await db(ChatSession.objects.filter(pk=expired.pk).exists)()
