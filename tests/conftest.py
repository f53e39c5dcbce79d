import json
import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db.backends import utils
from django.test import Client
from django.utils import translation

from tests.factories import DefaultQueueFactory
from tests.queueing_support import host_signals, published  # noqa: F401  (fixtures for all tests)

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
def default_queue(db):
    return DefaultQueueFactory()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and socket seats count in the cache: every test starts with none spent."""
    cache.clear()


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
    """A ``StatementCounter`` of everything run through Django's cursors during the test."""
    counter = StatementCounter()
    real = utils.CursorWrapper._execute_with_wrappers

    def counted(self, sql, params, many, executor):
        counter.statements.append(sql)
        return real(self, sql, params, many, executor)

    monkeypatch.setattr(utils.CursorWrapper, "_execute_with_wrappers", counted)
    return counter
