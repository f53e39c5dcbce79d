"""The chat button's ``availability`` answer replayed before the host's stack runs: middleware
the host wraps its HTTP application in, ASGI (``AvailabilityReplay(get_asgi_application())``)
or WSGI (``WSGIAvailabilityReplay(get_wsgi_application())``, for a site such as Kitsune that
serves its API from WSGI workers).

An anonymous reader's answer is already shared by everyone sending the same request
(``services.line.availability_cache``), yet each request still paid for the host's whole
middleware stack and a worker thread. This door remembers, per process, the complete response
the host's stack gave to a request (status, every header its middleware added, the body) and
gives it again to a request identical in method, path, query string, scheme and every header,
as long as the shared answer it was based on holds: the line's versions are read from the
shared cache on every replay (one round trip; under ASGI from the event loop, with no thread)
and the response expires with the shared entry. Every rule the stack applies to such a request
is therefore kept: its CORS, CSP and other headers, locale matching (the query,
``Accept-Language`` and cookies are all part of the request), restricted articles and closed
queues (as the shared answer keeps them).

Only requests that cannot belong to anybody are replayed: no session cookie, no visitor token,
no ``Authorization`` header, so bans (by account or visitor key) and a reader's own article
access always go through the stack. Only a 200 that sets no cookie and was based on a shared
answer is remembered. A rule that depends on neither the request nor the line (the client's
address alone) must run in front of this middleware, at the proxy.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch

from ..callers import TOKEN_HEADER
from ..endpoints import api_url
from ..services.line import availability_cache

# Responses remembered per process; the oldest goes first when full.
MAX_ENTRIES = 10_000

_PERSONAL_HEADERS = (TOKEN_HEADER.lower().encode(), b"authorization")


class _Memory:
    """What both doors share: which requests may be replayed, under which key, and the
    responses remembered for them (each door keeps its own, in its own header format)."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self.entries: dict[bytes, tuple] = {}
        self._path: str | None = None

    def _availability_path(self) -> str:
        if self._path is None:
            try:
                self._path = api_url("availability")
            except NoReverseMatch:
                self._path = ""  # the API is not mounted: nothing to replay
        return self._path

    def key(
        self, *, method: str, path: str, scheme: str, query: bytes, headers: Iterable[tuple]
    ) -> bytes | None:
        """The request's key when it may be answered from memory, else None. ``path`` is
        the path inside the application; ``headers`` are lower-case ``(name, value)`` bytes,
        read only for the availability route."""
        if method != "GET" or not availability_cache.enabled():
            return None
        if not path or path != self._availability_path():
            return None
        headers = list(headers)
        session_cookie = settings.SESSION_COOKIE_NAME.encode() + b"="
        for name, value in headers:
            if name in _PERSONAL_HEADERS or (name == b"cookie" and session_cookie in value):
                return None
        digest = hashlib.blake2b(digest_size=16)
        for part in (scheme.encode(), path.encode()):
            digest.update(part + b"\0")
        digest.update(query + b"\0")
        for name, value in sorted(headers):
            digest.update(name + b":" + value + b"\0")
        return digest.digest()

    def remember(
        self, key: bytes, status: int, headers: list, body: bytes, basis: tuple | None
    ) -> None:
        """Keep a 200 based on a shared answer that sets no cookie."""
        if basis is None or status != 200:
            return
        if any(_lower(name) == b"set-cookie" for name, _value in headers):
            return
        if len(self.entries) >= self.max_entries:
            self.entries.pop(next(iter(self.entries)))
        self.entries[key] = (headers, body, basis)

    def holds(self, key: bytes, entry: tuple, current_versions: tuple | None) -> bool:
        """Whether ``entry`` may still be given, its line being at ``current_versions``; an
        entry that may not is forgotten."""
        _queue_id, versions, expires = entry[2]
        if time.time() < expires and current_versions == versions:
            return True
        self.entries.pop(key, None)
        return False


def _lower(name) -> bytes:
    return (name.encode("latin-1") if isinstance(name, str) else name).lower()


class AvailabilityReplay:
    """Wraps the host's ASGI HTTP application; everything but a repeated anonymous
    ``GET availability`` passes straight through."""

    def __init__(self, app, *, max_entries: int = MAX_ENTRIES):
        self.app = app
        self.memory = _Memory(max_entries)

    async def __call__(self, scope: dict, receive, send) -> None:
        key = None
        if scope["type"] == "http":
            key = self.memory.key(
                method=scope["method"],
                path=scope["path"].removeprefix(scope.get("root_path", "")),
                scheme=scope.get("scheme", "http"),
                query=scope.get("query_string", b""),
                headers=scope["headers"],
            )
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = self.memory.entries.get(key)
        if entry is not None:
            current = await availability_cache.aversions(entry[2][0])
            if self.memory.holds(key, entry, current):
                await send({"type": "http.response.start", "status": 200, "headers": entry[0]})
                await send({"type": "http.response.body", "body": entry[1]})
                return
        await self._record(key, scope, receive, send)

    async def _record(self, key: bytes, scope: dict, receive, send) -> None:
        """Pass the request to the host's stack, remembering its response when it may be
        replayed."""
        slot = availability_cache.watch_basis()
        start: dict[str, Any] = {}
        body: list[bytes] = []

        async def recording_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if not message.get("more_body", False) and not start.get("trailers"):
                    headers = [tuple(header) for header in start.get("headers", [])]
                    status = start.get("status")
                    self.memory.remember(key, status, headers, b"".join(body), slot.get("basis"))
            await send(message)

        await self.app(scope, receive, recording_send)


class WSGIAvailabilityReplay:
    """``AvailabilityReplay`` for the host's WSGI application (a worker process each)."""

    def __init__(self, app, *, max_entries: int = MAX_ENTRIES):
        self.app = app
        self.memory = _Memory(max_entries)

    def __call__(self, environ: dict, start_response):
        key = self.memory.key(
            method=environ.get("REQUEST_METHOD", ""),
            path=environ.get("PATH_INFO", ""),
            scheme=environ.get("wsgi.url_scheme", "http"),
            query=environ.get("QUERY_STRING", "").encode("latin-1"),
            headers=_wsgi_headers(environ),
        )
        if key is None:
            return self.app(environ, start_response)
        entry = self.memory.entries.get(key)
        if entry is not None:
            current = availability_cache.read_versions(entry[2][0])
            if self.memory.holds(key, entry, current):
                start_response("200 OK", list(entry[0]))
                return [entry[1]]
        return self._record(key, environ, start_response)

    def _record(self, key: bytes, environ: dict, start_response) -> list[bytes]:
        slot = availability_cache.watch_basis()
        started: list = []

        def recording_start_response(status, headers, exc_info=None):
            started[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.app(environ, recording_start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if started:
            status = int(started[0].split(" ", 1)[0])
            self.memory.remember(key, status, list(started[1]), body, slot.get("basis"))
        return [body]


def _wsgi_headers(environ: dict) -> Iterator[tuple[bytes, bytes]]:
    """The request's headers as ASGI names them (``HTTP_ACCEPT_LANGUAGE``: ``accept-language``)."""
    for name, value in environ.items():
        if name.startswith("HTTP_"):
            name = name[5:]
        elif name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            continue
        yield name.replace("_", "-").lower().encode(), str(value).encode("latin-1")
