"""The fault suite: real uvicorn processes on PostgreSQL + Redis, real WebSocket clients that
behave as ``static/livechat/socket.js`` does, and the faults production sees: Redis restarted
mid-chat, the app's database connections terminated mid-send, the server process killed with
clients connected, clients dropping mid-send. For every message: sent = stored = delivered,
exactly once and in order, on every socket that should see it. Loopback only, each test well
under a minute; every process a test starts is stopped by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time

import pytest
from channels.db import database_sync_to_async as db
from django.db import connection
from websockets.exceptions import ConnectionClosed

from kitsune_livechat.models import Message
from tests.factories import ActiveChatFactory
from tests.sockets import (
    PrivateRedis,
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
# The clients' heartbeat (socket.js pings every 25 s; the suite is in a hurry).
PING_EVERY = 1.0
RETRY_AFTER = 0.2
RATE_LIMITED_RETRY = 3.0  # as socket.js
SERVER_NAME = "livechat-fault-server"
# Servers keep their database connections, as production does (and a terminated one is then
# found broken on its next use).
SERVER_ENV = {"DJANGO_CONN_MAX_AGE": "60"}


class Peer:
    """One person in a chat, on one socket at a time, as the browser module behaves: it pings
    with its last seq, reconnects when the socket drops (``?after_seq=`` what it holds), keeps
    unconfirmed sends and sends them again (after ``resumed``, after a ``server_error`` naming
    them), and records what each socket delivered, in order."""

    def __init__(self, name: str, cookie: str, session_id):
        self.name = name
        self.cookie = cookie
        self.session_id = session_id
        self.messages: dict[int, dict] = {}
        self.streams: list[list[int]] = []  # the message seqs of each socket, as they came
        self.unconfirmed: dict[str, str] = {}
        self.sent: list[str] = []
        self.failures: list[dict] = []  # error frames for a send, each naming it
        self.strays: list[dict] = []  # any other error frame
        self.socket = None
        self.tasks: list[asyncio.Task] = []
        self.port = 0
        self.stopped = False
        self.reconnecting: asyncio.Task | None = None

    @property
    def last_seq(self) -> int:
        return max(self.messages, default=0)

    async def open(self, port: int) -> None:
        self.port = port
        path = chat_path(self.session_id, after_seq=self.last_seq)
        self.socket = await connect_to_server(port, path, cookie=self.cookie, timeout=TIMEOUT)
        stream: list[int] = []
        self.streams.append(stream)
        resumed = asyncio.Event()
        self.tasks = [
            asyncio.create_task(self.read(self.socket, stream, resumed)),
            asyncio.create_task(self.ping(self.socket)),
        ]
        await asyncio.wait_for(resumed.wait(), TIMEOUT)

    async def read(self, socket, stream: list[int], resumed: asyncio.Event) -> None:
        try:
            await self.receive(socket, stream, resumed)
        finally:
            if not self.stopped and socket is self.socket:
                self.reconnecting = asyncio.ensure_future(self.reconnect())

    async def reconnect(self, timeout: float = 30) -> None:
        """Back as soon as the server answers (socket.js backs off; the suite is in a hurry)."""
        self.socket = None
        deadline = time.monotonic() + timeout
        while not self.stopped:
            try:
                await self.open(self.port)
                return
            except Exception:  # refused, reset, a handshake cut short: try again
                assert time.monotonic() < deadline, f"{self.name} could not reconnect"
                await asyncio.sleep(0.2)

    async def receive(self, socket, stream: list[int], resumed: asyncio.Event) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in socket:
                frame = json.loads(raw)
                kind = frame["type"]
                if kind == "message":
                    stream.append(frame["seq"])
                    self.messages.setdefault(frame["seq"], frame)
                    self.unconfirmed.pop(frame.get("client_msg_id") or "", None)
                elif kind == "ack":
                    self.unconfirmed.pop(frame["client_msg_id"], None)
                elif kind == "resumed":
                    resumed.set()
                    for client_msg_id in list(self.unconfirmed):
                        await self.transmit(client_msg_id)
                elif kind == "error" and frame.get("client_msg_id"):
                    self.failures.append(frame)
                    asyncio.get_running_loop().call_later(
                        RATE_LIMITED_RETRY if frame["code"] == "rate_limited" else RETRY_AFTER,
                        lambda cid=frame["client_msg_id"]: asyncio.ensure_future(
                            self.transmit(cid)
                        ),
                    )
                elif kind == "error":
                    self.strays.append(frame)

    async def ping(self, socket) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.sleep(PING_EVERY)
                await socket.send(json.dumps({"type": "ping", "last_seq": self.last_seq}))

    async def send(self, body: str, client_msg_id: str) -> None:
        self.sent.append(client_msg_id)
        self.unconfirmed[client_msg_id] = body
        await self.transmit(client_msg_id)

    async def transmit(self, client_msg_id: str) -> None:
        body = self.unconfirmed.get(client_msg_id)
        if body is None or self.socket is None:
            return
        frame = {"type": "message.send", "body": body, "client_msg_id": client_msg_id}
        with contextlib.suppress(ConnectionClosed):
            await self.socket.send(json.dumps(frame))

    def has_all(self, seqs) -> bool:
        return not self.unconfirmed and set(seqs) <= set(self.messages)

    async def close(self) -> None:
        self.stopped = True
        for task in [*self.tasks, self.reconnecting]:
            if task is not None:
                task.cancel()
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close()
        self.socket = None


async def connect_all(peers, port: int, server) -> None:
    """Once the server listens, every peer connects and reads its greeting."""
    await asyncio.to_thread(wait_until_listening, port, server)
    for peer in peers:
        await peer.open(port)


async def make_peers(chats) -> list[Peer]:
    peers = []
    for n, chat in enumerate(chats):
        visitor, helper = await db(lambda c=chat: (c.visitor, c.helper))()
        peers.append(Peer(f"v{n}", await session_cookie(visitor), chat.pk))
        peers.append(Peer(f"h{n}", await session_cookie(helper), chat.pk))
    return peers


async def talk(peers, rounds: range, *, pause: float = 0.02, label: str = "") -> None:
    """Everyone writes, concurrently: ``len(rounds)`` messages each."""

    async def one(peer):
        for n in rounds:
            await peer.send(f"{peer.name} says {n}", f"{peer.name}-{label}{n}")
            await asyncio.sleep(pause)

    await asyncio.gather(*(one(peer) for peer in peers))


def stored_of(session_id) -> list[tuple[int, str, str]]:
    return list(
        Message.objects.filter(session_id=session_id)
        .order_by("seq")
        .values_list("seq", "client_msg_id", "body")
    )


async def converge(peers, timeout: float = 20) -> float:
    """Seconds until every peer holds every stored message of its chat and has no send left
    unconfirmed; fails after ``timeout``."""
    started = time.monotonic()
    while True:
        done = True
        for peer in peers:
            seqs = [seq for seq, _id, _body in await db(stored_of)(peer.session_id)]
            done = done and peer.has_all(seqs)
        if done:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, {
            peer.name: (len(peer.messages), list(peer.unconfirmed)) for peer in peers
        }
        await asyncio.sleep(0.1)


async def assert_exactly_once_in_order(peers, *, failed_pings: bool = False) -> dict[str, int]:
    """Sent = stored = delivered, once and in order on every socket; returns the counts.

    ``failed_pings``: a heartbeat may fail (the database is being cut off); a send may not
    fail without naming itself, and then it is retried."""
    by_chat: dict = {}
    for peer in peers:
        by_chat.setdefault(peer.session_id, []).append(peer)
    counts = {"sent": 0, "stored": 0, "delivered": 0, "sockets": 0}
    for session_id, members in by_chat.items():
        stored = await db(stored_of)(session_id)
        ids = [client_msg_id for _seq, client_msg_id, _body in stored]
        assert [seq for seq, _id, _body in stored] == list(range(1, len(stored) + 1))
        assert len(ids) == len(set(ids)), "a send was stored twice"
        sent = [cid for peer in members for cid in peer.sent]
        assert sorted(ids) == sorted(sent), "sent and stored differ"
        counts["sent"] += len(sent)
        counts["stored"] += len(stored)
        for peer in members:
            if failed_pings:
                assert all(f["code"] == "server_error" for f in peer.strays), peer.strays
            else:
                assert not peer.strays, peer.strays
            assert all(f["client_msg_id"] for f in peer.failures)
            for stream in peer.streams:
                assert stream == sorted(set(stream)), f"{peer.name}: repeated or out of order"
                counts["delivered"] += len(stream)
                counts["sockets"] += 1
            assert sorted(peer.messages) == [seq for seq, _id, _body in stored]
            assert [peer.messages[seq]["client_msg_id"] for seq, _i, _b in stored] == ids
    return counts


async def wait_until(predicate, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def failure_codes(peers) -> dict[str, int]:
    codes: dict[str, int] = {}
    for peer in peers:
        for frame in peer.failures + peer.strays:
            codes[frame["code"]] = codes.get(frame["code"], 0) + 1
    return codes


def report(name: str, **figures) -> None:
    print(f"\n[fault suite] {name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


# --- (a) Redis restarted mid-chat -------------------------------------------------------------


async def test_a_redis_restart_mid_chat_loses_and_repeats_nothing():
    redis = PrivateRedis()
    redis.start()
    chats = [await db(ActiveChatFactory)() for _ in range(2)]
    port = free_port()
    server = start_server(port, await db(database_url)(), redis_url=redis.url, env=SERVER_ENV)
    peers = await make_peers(chats)
    try:
        await connect_all(peers, port, server)
        # 18 messages each in all: within the per-socket rate limit (20 in 10 s).
        await talk(peers, range(0, 6))
        before = await converge(peers)

        redis.kill()
        down_at = time.monotonic()
        await talk(peers, range(6, 12), pause=0.1)
        await asyncio.sleep(max(0.0, 3 - (time.monotonic() - down_at)))
        redis.start()
        outage = time.monotonic() - down_at
        catch_up = await converge(peers)
        await talk(peers, range(12, 18))
        after = await converge(peers)

        counts = await assert_exactly_once_in_order(peers)
        assert all(len(peer.streams) == 1 for peer in peers), "a socket was dropped"
        report(
            "redis restart",
            **counts,
            settle_before_s=round(before, 2),
            outage_s=round(outage, 2),
            catch_up_s=round(catch_up, 2),
            after_s=round(after, 2),
            failed_sends=sum(len(peer.failures) for peer in peers),
            codes=failure_codes(peers),
        )
    finally:
        for peer in peers:
            await peer.close()
        stop(server)
        redis.close()


# --- (b) Database connections terminated mid-send ---------------------------------------------


def terminate_server_connections() -> int:
    """Cut the servers' connections to the test database (marked by their application name),
    never this test's own nor anybody else's database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s"
            " AND pid <> pg_backend_pid()",
            [SERVER_NAME],
        )
        return cursor.fetchone()[0]


async def test_database_connections_terminated_mid_send_lose_and_double_nothing():
    chats = [await db(ActiveChatFactory)() for _ in range(2)]
    port = free_port()
    db_url = await db(database_url)(application_name=SERVER_NAME)
    server = start_server(port, db_url, env=SERVER_ENV)
    peers = await make_peers(chats)
    terminated = []

    async def cut_off(times: int) -> None:
        for _ in range(times):
            terminated.append(await db(terminate_server_connections)())
            await asyncio.sleep(0.1)

    try:
        await connect_all(peers, port, server)
        started = time.monotonic()
        await asyncio.gather(talk(peers, range(0, 15), pause=0.03), cut_off(20))
        settle = await converge(peers)
        elapsed = time.monotonic() - started

        counts = await assert_exactly_once_in_order(peers, failed_pings=True)
        assert sum(terminated) > 0, "no connection was cut: the test proved nothing"
        report(
            "database connections terminated",
            **counts,
            connections_terminated=sum(terminated),
            failed_sends_retried=sum(len(peer.failures) for peer in peers),
            failed_pings=sum(len(peer.strays) for peer in peers),
            settle_s=round(settle, 2),
            total_s=round(elapsed, 2),
        )
    finally:
        for peer in peers:
            await peer.close()
        stop(server)


# --- (c) The server process killed with clients connected -------------------------------------


async def test_a_killed_server_loses_nothing_its_clients_resume_on_its_successor():
    chats = [await db(ActiveChatFactory)() for _ in range(2)]
    port = free_port()
    db_url = await db(database_url)()
    server = start_server(port, db_url, env=SERVER_ENV)
    successor = None
    peers = await make_peers(chats)
    try:
        await connect_all(peers, port, server)
        await talk(peers, range(0, 5))
        await converge(peers)

        # Everyone has a message in flight as the process dies.
        for peer in peers:
            await peer.send(f"{peer.name} in flight", f"{peer.name}-inflight")
        server.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        await asyncio.to_thread(server.wait, TIMEOUT)
        successor = start_server(port, db_url, env=SERVER_ENV)
        await asyncio.to_thread(wait_until_listening, port, successor)
        resume = await converge(peers)
        back = time.monotonic() - killed_at
        await talk(peers, range(5, 10))
        await converge(peers)

        counts = await assert_exactly_once_in_order(peers)
        report(
            "server killed",
            **counts,
            killed_until_all_caught_up_s=round(back, 2),
            after_successor_listening_s=round(resume, 2),
        )
    finally:
        for peer in peers:
            await peer.close()
        stop(*[process for process in (server, successor) if process is not None])


# --- (d) Clients that drop mid-send and retry -------------------------------------------------


async def test_clients_that_drop_mid_send_and_retry_store_each_message_once():
    chat = await db(ActiveChatFactory)()
    port = free_port()
    server = start_server(port, await db(database_url)(), env=SERVER_ENV)
    visitor, helper = await make_peers([chat])
    try:
        await connect_all([visitor, helper], port, server)
        for n in range(10):
            await visitor.send(f"sent as the line dropped {n}", f"drop-{n}")
            visitor.socket.transport.abort()  # gone without a close handshake
            await helper.send(f"helper goes on {n}", f"helper-{n}")
            # The visitor reconnects by itself and sends what was not confirmed again.
            await wait_until(lambda n=n: len(visitor.streams) == n + 2 and visitor.socket)
        await converge([visitor, helper])

        counts = await assert_exactly_once_in_order([visitor, helper])
        assert len(visitor.streams) == 11
        report("clients dropping mid-send", **counts)
    finally:
        for peer in (visitor, helper):
            await peer.close()
        stop(server)
