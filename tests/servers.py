"""Real servers for the tests that need them: uvicorn processes of the example site on loopback
ports, and private ``redis-server`` processes a test may stop and start at will."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(**options: str) -> str:
    """The test database (not the configured one): the servers must see the test's rows.
    ``options`` become libpq parameters (``application_name`` marks the servers' backends)."""
    conf = connection.settings_dict
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    host = f"{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}"
    query = "&".join(f"{key}={value}" for key, value in options.items())
    return f"postgres://{auth}@{host}/{conf['NAME']}" + (f"?{query}" if query else "")


def start_server(
    port: int, db_url: str, *, redis_url: str = "", env: dict[str, str] | None = None
) -> subprocess.Popen:
    """A uvicorn process of the example site on ``port``, on the test database and Redis."""
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
