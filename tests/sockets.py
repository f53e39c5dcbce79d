"""Sockets in tests: the one helper every socket test uses.

In process, a chat or console socket is opened the way a browser opens it, through the site's real
ASGI stack (origin check, session cookie, URL routing), driven by Channels'
``WebsocketCommunicator``. Over the network, the example site runs as uvicorn processes on
loopback ports, real WebSocket clients connect to them with a login cookie, and a private
``redis-server`` may be stopped and started at will.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from config.asgi import application
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.asyncio.client import ClientConnection, connect

ORIGIN = (b"origin", b"http://testserver")
TIMEOUT = 3
ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 10


# --- In process: the site's ASGI stack ----------------------------------------------------------


@database_sync_to_async
def session_cookie(user) -> str:
    """A real login session stored in the database, as the browser's cookie carries it."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


CONSOLE_PATH = "/ws/livechat/agent/"
FLOOR_PATH = "/ws/livechat/floor/"


def chat_path(session_id, **query) -> str:
    path = f"/ws/livechat/session/{session_id}/"
    return f"{path}?{urlencode(query)}" if query else path


class Socket:
    """A WebsocketCommunicator with JSON helpers; always ``await socket.close()``."""

    def __init__(self, communicator: WebsocketCommunicator):
        self.communicator = communicator

    async def send(self, frame_type: str, **fields) -> None:
        await self.communicator.send_json_to({"type": frame_type, **fields})

    async def send_text(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def receive(self, timeout: float = TIMEOUT) -> dict:
        output = await self.communicator.receive_output(timeout)
        assert output["type"] == "websocket.send", f"expected a frame, got {output}"
        return json.loads(output["text"])

    async def receive_until(self, frame_type: str, timeout: float = TIMEOUT) -> list[dict]:
        """Frames up to and including the first of ``frame_type``."""
        frames = []
        while True:
            frame = await self.receive(timeout)
            frames.append(frame)
            if frame["type"] == frame_type:
                return frames

    async def drain(self, quiet: float = 0.5) -> list[dict]:
        """Every frame that arrives until the socket stays quiet for ``quiet`` seconds."""
        frames = []
        while not await self.communicator.receive_nothing(quiet):
            frames.append(await self.receive())
        return frames

    async def wait_for(self, predicate: Callable[[dict], bool], timeout: float = TIMEOUT) -> dict:
        """The first frame matching ``predicate`` (others are skipped); fails after ``timeout``."""
        waited = 0.0
        while waited < timeout:
            if await self.communicator.receive_nothing(0.05):
                waited += 0.05
                continue
            frame = await self.receive()
            if predicate(frame):
                return frame
        raise AssertionError("no such frame arrived")

    async def nothing(self, timeout: float = 0.3) -> bool:
        return await self.communicator.receive_nothing(timeout)

    async def closed_with(self, timeout: float = TIMEOUT) -> int:
        """The close code of the next output, which must be a close (no data before it)."""
        output = await self.communicator.receive_output(timeout)
        assert output["type"] == "websocket.close", f"expected a close, got {output}"
        return output.get("code")

    async def close(self) -> None:
        await self.communicator.disconnect()


async def open_socket(
    path: str, *, user=None, origin: tuple[bytes, bytes] | None = ORIGIN, cookie: str = ""
) -> tuple[Socket, bool]:
    """Connect to ``path`` (with ``?token=`` for anonymous visitors); (socket, accepted).

    ``user`` logs in afresh; ``cookie`` reuses a login session (``session_cookie(user)``)."""
    headers = [origin] if origin else []
    if user is not None and not cookie:
        cookie = await session_cookie(user)
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    accepted, _detail = await communicator.connect(timeout=TIMEOUT)
    return Socket(communicator), accepted


async def connected(path: str, *, user=None, cookie: str = "") -> Socket:
    """An accepted socket on ``path``, its greeting still unread."""
    socket, accepted = await open_socket(path, user=user, cookie=cookie)
    assert accepted, f"{path} refused the connection"
    return socket


async def join_chat(session_id, *, user=None, token=None, after_seq=None, cookie=""):
    """Connect to a chat and read the greeting: replayed messages, ``resumed``, ``status``
    (and ``participants`` for staff). Returns (socket, greeting frames)."""
    query = {}
    if token:
        query["token"] = token
    if after_seq is not None:
        query["after_seq"] = after_seq
    socket, accepted = await open_socket(chat_path(session_id, **query), user=user, cookie=cookie)
    assert accepted
    frames = await socket.receive_until("status")
    return socket, frames


# --- Over the network: real servers and real clients ------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def connect_to_server(
    port: int, path: str, *, cookie: str, timeout: float = 10
) -> ClientConnection:
    """A real WebSocket client on a server started by ``start_server``, logged in by ``cookie``
    and coming from the site's own origin, as the browser connects."""
    return await connect(
        f"ws://127.0.0.1:{port}{path}",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
        open_timeout=timeout,
    )


def database_url(**options: str) -> str:
    """The test database (not the configured one): the servers must see the test's rows.
    ``options`` become libpq parameters (``application_name`` marks the servers' backends)."""
    conf = connection.settings_dict
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    host = f"{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}"
    query = "&".join(f"{key}={value}" for key, value in options.items())
    return f"postgres://{auth}@{host}/{conf['NAME']}" + (f"?{query}" if query else "")


def start_server(
    port: int,
    db_url: str,
    *,
    redis_url: str = "",
    env: dict[str, str] | None = None,
    wsgi_workers: int = 0,
) -> subprocess.Popen:
    """A uvicorn process of the example site on ``port``, on the test database and Redis; with
    ``wsgi_workers``, a gunicorn of that many sync workers serving its WSGI entry instead (as
    Kitsune serves its pages beside the ASGI process)."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # session cookies and visitor tokens
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url or os.environ["LIVECHAT_TEST_REDIS_URL"],
        "LIVECHAT_CHANNEL_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        "LIVECHAT_CACHE_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    if wsgi_workers:
        command = [
            *(sys.executable, "-m", "gunicorn", "config.wsgi:application", "--preload"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(wsgi_workers)),
            *("--log-level", "warning"),
        ]
    return subprocess.Popen(command, env=environment, cwd=ROOT)


def wait_until_listening(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server process exited"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


def stop(*processes: subprocess.Popen) -> None:
    """Terminate, then kill what is left: a test never leaves a process behind."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(STOP_TIMEOUT)
        if process.poll() is None:
            process.kill()
            process.wait(STOP_TIMEOUT)


class PrivateRedis:
    """A ``redis-server`` of the test's own on a free port, which it may stop and start again
    (never the shared one). Skipped where redis-server is missing, except in CI."""

    def __init__(self):
        if shutil.which("redis-server") is None:
            if os.environ.get("CI"):
                raise AssertionError("redis-server is needed for the fault suite in CI")
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="livechat-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--save", "", "--appendonly", "no", "--dir", self.directory]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_until_listening(self.port, self.process, timeout=10)

    def kill(self) -> None:
        """Gone at once, as in a crash: connections drop, nothing is saved."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)
