"""Across processes: a visitor on one uvicorn process and a helper on another chat through Redis
and PostgreSQL; one process dies mid-chat and its client resumes on the other, losing and
duplicating nothing. Real servers on loopback, real WebSocket clients (``websockets``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal

import pytest
from channels.db import database_sync_to_async as db

from kitsune_livechat.models import Message
from tests.factories import ActiveChatFactory
from tests.sockets import (
    chat_path,
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


class Client:
    """A chat client as the browser module behaves: it keeps what it has by seq, drops seqs it
    already has, and re-sends unconfirmed messages with the same client_msg_id on reconnect."""

    def __init__(self, name: str, cookie: str, session_id):
        self.name = name
        self.cookie = cookie
        self.session_id = session_id
        self.messages: dict[int, dict] = {}
        self.duplicates = 0
        self.unconfirmed: dict[str, str] = {}
        self.socket = None

    @property
    def last_seq(self) -> int:
        return max(self.messages, default=0)

    async def open(self, port: int) -> None:
        path = chat_path(self.session_id, after_seq=self.last_seq)
        self.socket = await connect_to_server(port, path, cookie=self.cookie, timeout=TIMEOUT)
        await self.read_until("status")
        for client_msg_id, body in list(self.unconfirmed.items()):
            await self.send(body, client_msg_id)

    async def send(self, body: str, client_msg_id: str) -> None:
        self.unconfirmed[client_msg_id] = body
        frame = {"type": "message.send", "body": body, "client_msg_id": client_msg_id}
        await self.socket.send(json.dumps(frame))

    def keep(self, frame: dict) -> None:
        if frame["type"] != "message":
            return
        if frame["seq"] in self.messages:
            self.duplicates += 1
            assert self.messages[frame["seq"]] == frame
            return
        self.messages[frame["seq"]] = frame
        self.unconfirmed.pop(frame.get("client_msg_id") or "", None)

    async def read_until(self, frame_type: str, **match) -> dict:
        while True:
            frame = json.loads(await asyncio.wait_for(self.socket.recv(), TIMEOUT))
            assert frame["type"] != "error", frame
            self.keep(frame)
            if frame["type"] == frame_type and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def has_message(self, client_msg_id: str) -> dict:
        for frame in self.messages.values():
            if frame.get("client_msg_id") == client_msg_id:
                return frame
        return await self.read_until("message", client_msg_id=client_msg_id)

    async def close(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close()


async def test_chat_across_two_processes_survives_one_dying():
    chat = await db(ActiveChatFactory)()
    db_url = await db(database_url)()
    visitor = Client("visitor", await session_cookie(chat.visitor), chat.pk)
    helper = Client("helper", await session_cookie(chat.helper), chat.pk)
    port_a, port_b = free_port(), free_port()
    server_a, server_b = start_server(port_a, db_url), start_server(port_b, db_url)
    try:
        await asyncio.to_thread(wait_until_listening, port_a, server_a)
        await asyncio.to_thread(wait_until_listening, port_b, server_b)
        await visitor.open(port_a)
        await helper.open(port_b)

        # A normal chat, each message crossing from one process to the other.
        for n in range(5):
            await visitor.send(f"visitor says {n}", f"v{n}")
            await helper.has_message(f"v{n}")
            await helper.send(f"helper says {n}", f"h{n}")
            await visitor.has_message(f"h{n}")

        # The visitor's process dies with a message of theirs in flight...
        await visitor.send("sent as the server died", "v-inflight")
        server_a.send_signal(signal.SIGKILL)
        await asyncio.to_thread(server_a.wait, TIMEOUT)
        # ...while the helper, on the other process, goes on writing.
        for n in range(5, 8):
            await helper.send(f"helper says {n}", f"h{n}")
            await helper.has_message(f"h{n}")

        # The visitor reconnects to the surviving process and resumes.
        await visitor.close()
        await visitor.open(port_b)
        await visitor.has_message("v-inflight")
        for n in range(5, 8):
            await visitor.has_message(f"h{n}")
        await visitor.send("back again", "v-after")
        await helper.has_message("v-after")
        await visitor.has_message("v-after")
    finally:
        await visitor.close()
        await helper.close()
        stop(server_a, server_b)

    stored = await db(list)(
        Message.objects.filter(session_id=chat.pk)
        .order_by("seq")
        .values_list("seq", "client_msg_id", "body")
    )
    client_ids = [client_msg_id for _seq, client_msg_id, _body in stored]
    assert [seq for seq, _id, _body in stored] == list(range(1, len(stored) + 1))
    assert len(client_ids) == len(set(client_ids)), "a retried send was stored twice"
    assert set(client_ids) == {
        *(f"v{n}" for n in range(5)),
        *(f"h{n}" for n in range(8)),
        "v-inflight",
        "v-after",
    }
    # Each side holds the whole chat, every seq once, in order.
    for client in (visitor, helper):
        assert sorted(client.messages) == [seq for seq, _id, _body in stored]
        assert [client.messages[seq]["body"] for seq in sorted(client.messages)] == [
            body for _seq, _id, body in stored
        ]
        assert not client.unconfirmed
