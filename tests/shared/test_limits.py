"""Budgets per user across sockets, HTTP and processes; open-socket caps; anonymous visitors'
share of the line."""

import asyncio
import contextlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async as db
from django.conf import settings
from django.test import override_settings

from kitsune_livechat.models import ChatSession, Message
from kitsune_livechat.services.shared import counters, limits
from kitsune_livechat.services.shared.access import Caller
from tests.factories import (
    ActiveChatFactory,
    AgentStatusFactory,
    DefaultQueueFactory,
    UserFactory,
    chat_form,
)
from tests.sockets import CONSOLE_PATH, chat_path, free_port, join_chat, open_socket

ROOT = Path(__file__).resolve().parents[2]


@override_settings(LIVECHAT_RATE_LIMIT_MESSAGES=3, LIVECHAT_RATE_LIMIT_SECONDS=60)
@pytest.mark.django_db(transaction=True)
async def test_one_budget_for_all_of_a_users_sockets():
    chat = await db(ActiveChatFactory)()
    first, _ = await join_chat(chat.pk, user=chat.visitor)
    second, _ = await join_chat(chat.pk, user=chat.visitor)

    for n, socket in enumerate([first, second, first, second]):
        await socket.send("message.send", body=f"m{n}", client_msg_id=f"c{n}")
    frames = []
    for socket in (first, second):
        await socket.send("ping")
        while (frame := await socket.receive())["type"] != "pong":
            frames.append(frame)

    errors = [f for f in frames if f["type"] == "error"]
    assert [e["code"] for e in errors] == ["rate_limited"]
    assert await db(Message.objects.filter(session=chat).count)() == 3
    await first.close()
    await second.close()


@override_settings(LIVECHAT_RATE_LIMIT_MESSAGES=2, LIVECHAT_RATE_LIMIT_SECONDS=60)
@pytest.mark.django_db(transaction=True)
async def test_http_and_socket_sends_share_the_budget(api_client):
    chat = await db(ActiveChatFactory)()
    client = await db(api_client)(chat.visitor)
    for n in range(2):
        response = await db(client.post)(f"sessions/{chat.pk}/messages", {"body": f"h{n}"})
        assert response.status_code == 201
    socket, _ = await join_chat(chat.pk, user=chat.visitor)

    await socket.send("message.send", body="one more", client_msg_id="ws")

    assert (await socket.receive())["code"] == "rate_limited"
    await socket.close()


@pytest.mark.postgres
@override_settings(LIVECHAT_RATE_LIMIT_MESSAGES=2, LIVECHAT_RATE_LIMIT_SECONDS=600)
@pytest.mark.django_db
def test_another_process_spends_from_the_same_budget(api_client):
    """With the Redis cache, a second process's sends count against the same user."""
    chat = ActiveChatFactory()
    script = (
        "import django; django.setup()\n"
        "from django.test import override_settings\n"
        "from kitsune_livechat.services.shared import limits\n"
        "from kitsune_livechat.services.shared.access import Caller\n"
        f"class User: is_authenticated = True; pk = {chat.visitor.pk}\n"
        "with override_settings(LIVECHAT_RATE_LIMIT_MESSAGES=2, LIVECHAT_RATE_LIMIT_SECONDS=600):\n"
        "    limits.spend_message(Caller(user=User()))\n"
        "    limits.spend_message(Caller(user=User()))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "LIVECHAT_TEST_RUN_ID": settings.RUN_ID,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
    }
    subprocess.run([sys.executable, "-c", script], env=env, check=True, cwd=ROOT, timeout=60)

    response = api_client(chat.visitor).post(f"sessions/{chat.pk}/messages", {"body": "hi"})

    assert (response.status_code, response.json()["code"]) == (429, "rate_limited")
    assert not Message.objects.filter(session=chat).exists()


@override_settings(LIVECHAT_MAX_SOCKETS_PER_USER=2)
@pytest.mark.django_db(transaction=True)
async def test_open_sockets_per_user_are_capped_and_freed_on_close():
    chat = await db(ActiveChatFactory)()
    first, _ = await join_chat(chat.pk, user=chat.visitor)
    console, accepted = await open_socket(CONSOLE_PATH, user=chat.helper)
    assert accepted
    second, _ = await join_chat(chat.pk, user=chat.visitor)

    third, accepted = await open_socket(chat_path(chat.pk), user=chat.visitor)
    assert accepted
    assert await third.closed_with() == 4429
    await third.close()
    await first.close()
    again, _ = await join_chat(chat.pk, user=chat.visitor)

    await again.send("ping")
    assert (await again.receive())["type"] == "pong"
    for socket in (second, again, console):
        await socket.close()


def test_the_limits_count_in_the_configured_cache():
    """On the services leg the cache is Redis, shared by every process."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if os.environ.get("LIVECHAT_TEST_REDIS_URL"):
        assert backend == "tests.caches.RunRedisCache"
    caller = Caller(anonymous_key="k")
    with override_settings(LIVECHAT_RATE_LIMIT_MESSAGES=1, LIVECHAT_RATE_LIMIT_SECONDS=60):
        limits.spend_message(caller)
        with pytest.raises(limits.RateLimited):
            limits.spend_message(caller)


@pytest.mark.django_db(transaction=True)  # with the socket tests, before the browser holds the loop
async def test_counts_made_together_each_get_their_own_number():
    """A socket's counts from one turn of the event loop travel to the cache together; each is
    still counted once, and the HTTP doors' ``count`` goes on from the same number."""
    window = f"together-{uuid.uuid4().hex}"
    keys = [f"{window}-a"] * 30 + [f"{window}-b"] * 10

    used = await asyncio.gather(*(counters.acount(key, 60) for key in keys))

    assert sorted(used[:30]) == list(range(1, 31))
    assert sorted(used[30:]) == list(range(1, 11))
    assert await sync_to_async(counters.count)(f"{window}-a", 60) == 31


# --- Anonymous visitors in the line -----------------------------------------------------------


@pytest.fixture
def line_of_four(db):
    queue = DefaultQueueFactory(auto_assign=False, full_multiplier=2)
    AgentStatusFactory(capacity=2)  # a line of at most 4, 2 of them for anonymous visitors
    return queue


@override_settings(LIVECHAT_ALLOW_ANONYMOUS=True, LIVECHAT_ANONYMOUS_CHATS_PER_IP=2)
@pytest.mark.django_db
def test_anonymous_chats_per_network_address_are_limited(api_client, line_of_four):
    codes = [api_client().post("sessions", chat_form()).status_code for _ in range(3)]

    assert codes == [201, 201, 429]
    assert ChatSession.objects.count() == 2


@override_settings(
    LIVECHAT_ALLOW_ANONYMOUS=True,
    LIVECHAT_ANONYMOUS_CHATS_PER_IP=100,
    LIVECHAT_ANONYMOUS_LINE_SHARE=0.5,
)
@pytest.mark.django_db
def test_anonymous_chats_fill_only_their_share_of_the_line(api_client, line_of_four):
    anonymous = [api_client().post("sessions", chat_form()) for _ in range(4)]
    member = api_client(UserFactory()).post("sessions", chat_form())

    assert [r.status_code for r in anonymous] == [201, 201, 409, 409]
    assert anonymous[-1].json()["code"] == "queue_full"
    assert member.status_code == 201


class UnreachableCache:
    """A shared cache while its server is down: every call fails to connect."""

    def __getattr__(self, name):
        def call(*args, **kwargs):
            raise ConnectionError("cache unreachable")

        return call


def redis_cache_at_a_closed_port() -> dict:
    port = free_port()
    backend = "django.core.cache.backends.redis.RedisCache"
    return {"default": {"BACKEND": backend, "LOCATION": f"redis://127.0.0.1:{port}/0"}}


@pytest.mark.parametrize("down", ["any cache", "a Redis cache"])
@pytest.mark.django_db(transaction=True)
async def test_an_unreachable_cache_lifts_the_limits_and_chat_goes_on(monkeypatch, down):
    """A socket counts its frames on a Redis client of its own when the site's cache is Redis,
    and through the cache's API otherwise: neither stops a message while the cache is down."""
    chat = await db(ActiveChatFactory)()
    with contextlib.ExitStack() as outage:
        if down == "any cache":
            monkeypatch.setattr(counters, "cache", UnreachableCache())
            monkeypatch.setattr(limits, "cache", UnreachableCache())
        else:
            outage.enter_context(override_settings(CACHES=redis_cache_at_a_closed_port()))
        visitor, _ = await join_chat(chat.pk, user=chat.visitor)
        await visitor.send("message.send", body="Still here?", client_msg_id="down-1")

        echo = await visitor.receive()
        assert (echo["type"], echo["body"]) == ("message", "Still here?")
        assert await db(Message.objects.filter(client_msg_id="down-1").count)() == 1
        await visitor.close()
