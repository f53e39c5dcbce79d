"""The chat button's ``availability`` answer replayed from the event loop: ASGI middleware the
host wraps its HTTP application in (``AvailabilityReplay(get_asgi_application())``).

An anonymous reader's answer is already shared by everyone sending the same request
(``services.line.availability_cache``), yet each request still paid for the host's whole
middleware stack and a worker thread. This door remembers, per process, the complete response
the host's stack gave to a request (status, every header its middleware added, the body) and
gives it again to a request identical in method, path, query string, scheme and every header,
as long as the shared answer it was based on holds: the line's versions are read from the
shared cache on every replay (with Redis one round trip and no thread) and the response expires
with the shared entry. Every rule the stack applies to such a request is therefore kept: its
CORS, CSP and other headers, locale matching (the query, ``Accept-Language`` and cookies are all
part of the request), restricted articles and closed queues (as the shared answer keeps them).

Only requests that cannot belong to anybody are replayed: no session cookie, no visitor token,
no ``Authorization`` header, so bans (by account or visitor key) and a reader's own article
access always go through the stack. Only a 200 that sets no cookie and was based on a shared
answer is remembered. A rule that depends on neither the request nor the line (the client's
address alone) must run in front of this middleware, at the proxy.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch

from ..callers import TOKEN_HEADER
from ..endpoints import api_url
from ..services.line import availability_cache

# Responses remembered per process; the oldest goes first when full.
MAX_ENTRIES = 10_000

_PERSONAL_HEADERS = (TOKEN_HEADER.lower().encode(), b"authorization")


class AvailabilityReplay:
    """Wraps the host's ASGI HTTP application; everything but a repeated anonymous
    ``GET availability`` passes straight through."""

    def __init__(self, app, *, max_entries: int = MAX_ENTRIES):
        self.app = app
        self.max_entries = max_entries
        self.entries: dict[bytes, tuple] = {}
        self._path: str | None = None

    async def __call__(self, scope: dict, receive, send) -> None:
        key = self._replayable(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = self.entries.get(key)
        if entry is not None:
            if await self._still_good(entry):
                status, headers, body = entry[0], entry[1], entry[2]
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            self.entries.pop(key, None)
        await self._record(key, scope, receive, send)

    def _availability_path(self) -> str:
        if self._path is None:
            try:
                self._path = api_url("availability")
            except NoReverseMatch:
                self._path = ""  # the API is not mounted: nothing to replay
        return self._path

    def _replayable(self, scope: dict) -> bytes | None:
        """The request's key when it may be answered from memory, else None."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        if not availability_cache.enabled():
            return None
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        if not path or path != self._availability_path():
            return None
        session_cookie = settings.SESSION_COOKIE_NAME.encode() + b"="
        headers = scope["headers"]
        for name, value in headers:
            if name in _PERSONAL_HEADERS or (name == b"cookie" and session_cookie in value):
                return None
        digest = hashlib.blake2b(digest_size=16)
        for part in (scope.get("scheme", "http").encode(), scope["path"].encode()):
            digest.update(part + b"\0")
        digest.update(scope.get("query_string", b"") + b"\0")
        for name, value in sorted(headers):
            digest.update(name + b":" + value + b"\0")
        return digest.digest()

    async def _still_good(self, entry: tuple) -> bool:
        queue_id, versions, expires = entry[3]
        if time.time() >= expires:
            return False
        return await availability_cache.aversions(queue_id) == versions

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
                if not message.get("more_body", False):
                    self._remember(key, start, b"".join(body), slot.get("basis"))
            await send(message)

        await self.app(scope, receive, recording_send)

    def _remember(self, key: bytes, start: dict, body: bytes, basis: tuple | None) -> None:
        headers = [tuple(header) for header in start.get("headers", [])]
        if basis is None or start.get("status") != 200 or start.get("trailers"):
            return
        if any(name.lower() == b"set-cookie" for name, _value in headers):
            return
        if len(self.entries) >= self.max_entries:
            self.entries.pop(next(iter(self.entries)))
        self.entries[key] = (200, headers, body, basis)
