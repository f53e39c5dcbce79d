"""Fixtures for every test, one per concept: the API client, the default queue, what the
services published and which host signals they sent; and the markers' rules."""

import json
import os
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.backends import utils
from django.test import Client
from django.utils import translation

from kitsune_livechat import realtime, signals
from kitsune_livechat.services.shared import loop_db
from tests.factories import ActiveChatFactory, DefaultQueueFactory, UserFactory, online_helper

API = "/livechat/api/"
CSRF = "k" * 32  # an unmasked CSRF secret, valid as both cookie and header


class ApiClient:
    """Calls the live chat API as a browser would: session cookie plus CSRF header, or a token.

    ``ApiClient(user)`` is logged in; ``ApiClient()`` is an anonymous visitor, who may set
    ``token`` to act with their signed visitor token.
    """

    def __init__(self, user=None, token: str | None = None):
        self.client = Client(enforce_csrf_checks=True)
        self.client.cookies["csrftoken"] = CSRF
        self.user = user
        self.token = token
        if user is not None:
            self.client.force_login(user)

    def _headers(self) -> dict:
        headers = {"X-CSRFToken": CSRF}
        if self.token:
            headers["X-Livechat-Token"] = self.token
        return headers

    def _url(self, path: str) -> str:
        return path if path.startswith("/") else API + path

    def get(self, path: str, **params):
        return self.client.get(self._url(path), params, headers=self._headers())

    def _send(self, method: str, path: str, data):
        return getattr(self.client, method)(
            self._url(path),
            data=json.dumps(data if data is not None else {}),
            content_type="application/json",
            headers=self._headers(),
        )

    def post(self, path: str, data=None):
        return self._send("post", path, data)

    def put(self, path: str, data=None):
        return self._send("put", path, data)

    def patch(self, path: str, data=None):
        return self._send("patch", path, data)

    def delete(self, path: str, data=None):
        return self._send("delete", path, data)


@pytest.fixture
def api_client():
    """``api_client(user)`` or ``api_client()`` for an anonymous visitor."""
    return ApiClient


@pytest.fixture
def queue(db, request):
    """The default queue, routing by hand: a requested chat waits until a helper takes it.

    A test or module marked ``@pytest.mark.queue(**fields)`` gets it with those fields instead
    (``auto_assign=True`` for automatic assignment, ``long_wait=0``, ...)."""
    marker = request.node.get_closest_marker("queue")
    fields = {"auto_assign": False, **(marker.kwargs if marker else {})}
    return DefaultQueueFactory(**fields)


@pytest.fixture
def open_queue(queue):
    """``queue`` with a helper online, so a visitor finds chat open."""
    online_helper()
    return queue


@pytest.fixture
def chat(db):
    """A chat in progress: a visitor and their helper, in the default queue."""
    return ActiveChatFactory()


@pytest.fixture
def visitor(db):
    """A signed-in visitor with an email address."""
    return UserFactory(username="mia", email="mia@example.com")


@pytest.fixture
def editor(db):
    """Someone who reads the insights (``view_insights``) and nothing more."""
    return UserFactory(username="editor", perms=["view_insights"])


@pytest.fixture
def editor_client(editor):
    """A test client logged in as ``editor``."""
    client = Client()
    client.force_login(editor)
    return client


@dataclass
class Published:
    """What the services sent to the channel layer, in order, once their transaction committed
    (a test outside ``django_capture_on_commit_callbacks(execute=True)`` sees nothing)."""

    sent: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def frames(self) -> list[tuple[str, dict]]:
        """(group, frame) of every protocol frame."""
        return [(g, m["event"]) for g, m in self.sent if m["type"] == realtime.HANDLER]

    @property
    def signals(self) -> list[tuple[str, str, dict]]:
        """(group, name, data) of every consumer signal."""
        return [
            (g, m["signal"], {k: v for k, v in m.items() if k not in ("type", "signal")})
            for g, m in self.sent
            if m["type"] == realtime.SIGNAL_HANDLER
        ]

    def to(self, group: str) -> list[dict]:
        return [frame for name, frame in self.frames if name == group]

    def of_type(self, group: str, kind: str) -> list[dict]:
        return [frame for frame in self.to(group) if frame.get("type") == kind]

    def rechecks(self, group: str) -> list[dict]:
        """Frames to ``group`` that make its sockets re-check their access first."""
        return [m["event"] for g, m in self.sent if g == group and m.get("recheck")]

    def lines_moved(self) -> list[int]:
        return [data["queue"] for _group, name, data in self.signals if name == "line_moved"]

    def clear(self) -> None:
        self.sent.clear()


@pytest.fixture
def published(monkeypatch):
    """Record every frame and consumer signal, as the channel layer would get them."""
    record = Published()

    def send_on_commit(group, message):
        transaction.on_commit(lambda: record.sent.append((group, message)))

    monkeypatch.setattr(realtime, "_send_on_commit", send_on_commit)
    return record


@pytest.fixture
def host_signals():
    """Every host signal the app sends, as (name, kwargs), recorded when it is sent."""
    sent: list[tuple[str, dict]] = []
    names = (
        "chat_requested",
        "chat_assigned",
        "chat_transferred",
        "chat_ended",
        "chat_missed",
        "chat_handed_off",
    )
    receivers = {}
    for name in names:

        def receiver(sender, signal=None, _name=name, **kwargs):
            sent.append((_name, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver, weak=False)
    yield sent
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and socket seats count in the cache: every test starts with none spent."""
    cache.clear()


@pytest.fixture(autouse=True)
def _loop_connections():
    """Each test runs its sockets on an event loop of its own: the connections that loop opened
    for its hot statements close with the test, as a server's close with the server."""
    yield
    loop_db.close_all()


@pytest.fixture(autouse=True)
def _default_language():
    """A request to a /de/ page leaves German active in the thread; the next test starts over
    in the site's default language (error details are written in the active one)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip on the embedded leg; on the services leg they must run."""
    if os.environ.get("LIVECHAT_TEST_DATABASE_URL") and os.environ.get("LIVECHAT_TEST_REDIS_URL"):
        return
    if os.environ.get("LIVECHAT_REQUIRE_SERVICES"):
        raise pytest.UsageError(
            "LIVECHAT_REQUIRE_SERVICES is set but LIVECHAT_TEST_DATABASE_URL or "
            "LIVECHAT_TEST_REDIS_URL is missing: the PostgreSQL + Redis leg cannot be skipped."
        )
    skip = pytest.mark.skip(reason="needs LIVECHAT_TEST_DATABASE_URL and LIVECHAT_TEST_REDIS_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


class StatementCounter:
    """Every SQL statement Django runs, on any thread: a socket's database work runs on the
    database thread, out of reach of ``django_assert_num_queries``."""

    def __init__(self):
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    def clear(self) -> None:
        self.statements.clear()


@pytest.fixture
def statements(monkeypatch):
    """A ``StatementCounter`` of everything run through Django's cursors, and the socket's
    statements on the event loop (``loop_db``), during the test."""
    counter = StatementCounter()
    real = utils.CursorWrapper._execute_with_wrappers

    def counted(self, sql, params, many, executor):
        counter.statements.append(sql)
        return real(self, sql, params, many, executor)

    real_on_loop = loop_db._run

    async def counted_on_loop(sql, params, **kwargs):
        counter.statements.append(sql)
        return await real_on_loop(sql, params, **kwargs)

    monkeypatch.setattr(utils.CursorWrapper, "_execute_with_wrappers", counted)
    monkeypatch.setattr(loop_db, "_run", counted_on_loop)
    return counter
