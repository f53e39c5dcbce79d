"""Kitsune's layout: its WSGI workers serve the API while an ASGI process holds the sockets.
A chat requested through a WSGI worker rings the consoles on the ASGI process through Redis;
while Redis is down the request is still answered at once, and once Redis is back the worker's
events reach the consoles again (a notification lost meanwhile is at most once, and the
console catches up from the database). Real servers on loopback, a Redis of the test's own."""

from __future__ import annotations

import asyncio
import http.client
import json
import time

import pytest
from channels.db import database_sync_to_async as db

from tests.conftest import API, CSRF
from tests.factories import (
    AgentStatusFactory,
    DefaultQueueFactory,
    DocumentFactory,
    HelperFactory,
    UserFactory,
    chat_form,
)
from tests.sockets import (
    CONSOLE_PATH,
    PrivateRedis,
    connect_to_server,
    database_url,
    free_port,
    session_cookie,
    start_server,
    stop,
    wait_until_listening,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMEOUT = 10


def request_chat(port: int, cookie: str, article_id: int) -> tuple[int, dict, float]:
    """``POST sessions`` as the chat window sends it: status, body and seconds taken."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    started = time.monotonic()
    try:
        connection.request(
            "POST",
            API + "sessions",
            body=json.dumps(chat_form(article_id)),
            headers={
                "Content-Type": "application/json",
                "Cookie": f"sessionid={cookie}; csrftoken={CSRF}",
                "X-CSRFToken": CSRF,
            },
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read()), time.monotonic() - started
    finally:
        connection.close()


async def rung(console, session_id: str, timeout: float) -> bool:
    """Whether the console hears of ``session_id`` joining the line within ``timeout``."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = json.loads(await asyncio.wait_for(console.recv(), left))
        except TimeoutError:
            return False
        if frame.get("change") == "new" and frame["session"]["id"] == session_id:
            return True
    return False


async def test_a_wsgi_workers_events_reach_the_consoles_across_a_redis_restart():
    redis = PrivateRedis()
    redis.start()
    await db(DefaultQueueFactory)(auto_assign=False)
    helper = await db(HelperFactory)()
    await db(AgentStatusFactory)(user=helper, capacity=10)
    article = await db(DocumentFactory)()
    # One open chat per visitor: a visitor for each request.
    visitors = [await session_cookie(await db(UserFactory)()) for _ in range(12)]
    db_url = await db(database_url)()
    asgi_port, wsgi_port = free_port(), free_port()
    asgi = start_server(asgi_port, db_url, redis_url=redis.url)
    wsgi = start_server(wsgi_port, db_url, redis_url=redis.url, wsgi_workers=1)
    console = None
    try:
        await asyncio.to_thread(wait_until_listening, asgi_port, asgi)
        await asyncio.to_thread(wait_until_listening, wsgi_port, wsgi)
        console = await connect_to_server(
            asgi_port, CONSOLE_PATH, cookie=await session_cookie(helper), timeout=TIMEOUT
        )
        assert json.loads(await console.recv())["change"] == "snapshot"

        status, first, _seconds = await asyncio.to_thread(
            request_chat, wsgi_port, visitors.pop(), article.pk
        )
        assert status == 201
        assert await rung(console, first["id"], TIMEOUT)

        redis.kill()
        status, _during, seconds = await asyncio.to_thread(
            request_chat, wsgi_port, visitors.pop(), article.pk
        )
        assert status == 201 and seconds < 3  # publishing gives up fast, the answer goes out

        redis.start()
        # The worker keeps one connection to the layer: it must find Redis again by itself.
        heard = False
        while not heard and visitors:
            status, chat, _seconds = await asyncio.to_thread(
                request_chat, wsgi_port, visitors.pop(), article.pk
            )
            assert status == 201, chat
            heard = await rung(console, chat["id"], 1.0)
        assert heard, "no event from the WSGI worker reached the console after the restart"
    finally:
        if console is not None:
            await console.close()
        stop(asgi, wsgi)
        redis.close()
