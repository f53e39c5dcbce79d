"""The availability answer, shared by every reader of a queue for a short time.

The chat button asks on every article view, and the answer is the same for everyone reading the
same article in the same language with the same browser, so it is kept in Django's cache for
``LIVECHAT_AVAILABILITY_CACHE_SECONDS``. Entries carry the version of their queue's line and of
helpers' presence as read before the answer was computed; a chat joining, leaving or being taken
bumps its queue's version, and a helper's presence changing bumps the version of every line,
after commit. A changed line is therefore never served stale, and a stale read racing with a
change is stored under the old version, which no reader accepts any more. Changes the events do
not report (an operator editing a queue or focus, a helper silently timing out) show within the
cache time. A cache that fails is logged and bypassed: the answer is then computed every time.

Each entry also carries the wall-clock time it expires at, which copies of it keep (the
per-article entry copied from a line's, and the replay of a whole response in
``api/replay.py``), so no copy outlives the answer it was made from. The line versions can be
read from the event loop (``aversions``) without a thread: straight from Redis with Django's
``RedisCache``, through the cache's own async API otherwise.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import time
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from functools import partial
from typing import Any

import redis.asyncio
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache, RedisSerializer
from django.db import transaction

from ...conf import livechat_settings

logger = logging.getLogger(__name__)

PREFIX = "livechat:availability"
EVERY_LINE = f"{PREFIX}:v"


def _line_version_key(queue_id: int | None) -> str:
    return f"{EVERY_LINE}:{queue_id or 0}"


def entry_key(kind: str, *parts: Any) -> str:
    """A short cache key for ``parts`` (article, locale, product, user agent... as given)."""
    digest = hashlib.blake2b(json.dumps(parts, default=str).encode(), digest_size=16)
    return f"{PREFIX}:{kind}:{digest.hexdigest()}"


def line_changed(queue_id: int | None = None) -> None:
    """After commit, retire the cached answers of one queue's line (None: of every line)."""
    key = EVERY_LINE if queue_id is None else _line_version_key(queue_id)
    transaction.on_commit(partial(_bump, key))


def _bump(key: str) -> None:
    try:
        try:
            cache.incr(key)
        except ValueError:  # never set, or evicted: any fresh number retires old entries
            cache.set(key, random.getrandbits(48), timeout=None)
    except Exception:
        logger.exception("Could not retire cached availability (%s)", key)


def enabled() -> bool:
    return livechat_settings.AVAILABILITY_CACHE_SECONDS > 0


def versions(queue_id: int | None) -> tuple:
    """The versions an answer about ``queue_id``'s line is valid for, read before computing it."""
    line_key = _line_version_key(queue_id)
    found = cache.get_many([EVERY_LINE, line_key])
    return found.get(EVERY_LINE), found.get(line_key)


def lookup(key: str) -> tuple | None:
    """The entry ``(queue_id, versions, answer, expires)`` under ``key`` if its line has not
    changed since; one or two round trips to the cache (the entry, then its line's versions)."""
    try:
        entry = cache.get(key)
        if entry is None or len(entry) != 4:
            return None
        return entry if versions(entry[0]) == entry[1] else None
    except Exception:
        logger.exception("Could not read cached availability")
        return None


def store(
    keys: list[str],
    queue_id: int | None,
    stored_versions: tuple,
    answer: dict,
    expires: float | None = None,
) -> None:
    """Share ``answer`` under ``keys`` until ``expires`` (wall clock; default: the cache time
    from now)."""
    now = time.time()
    if expires is None:
        expires = now + livechat_settings.AVAILABILITY_CACHE_SECONDS
    if expires <= now:
        return
    try:
        cache.set_many(
            {key: (queue_id, stored_versions, answer, expires) for key in keys},
            timeout=expires - now,
        )
    except Exception:
        logger.exception("Could not cache availability")


def read_versions(queue_id: int | None) -> tuple | None:
    """``versions`` or None when the cache fails (the answer is then not stored)."""
    try:
        return versions(queue_id)
    except Exception:
        logger.exception("Could not read availability versions")
        return None


def cached_line_answer(keys: list[str], queue_id: int | None, compute: Callable[[], dict]) -> dict:
    """``compute()``, stored under ``keys`` with the line's versions read before it ran."""
    stored_versions = read_versions(queue_id)
    answer = compute()
    if stored_versions is not None:
        expires = time.time() + livechat_settings.AVAILABILITY_CACHE_SECONDS
        store(keys, queue_id, stored_versions, answer, expires)
        note_basis(queue_id, stored_versions, expires)
    return answer


# --- What a whole response was based on -------------------------------------------------------

# Set by a door that may replay the response (api/replay.py): the line and versions a shared
# anonymous answer was based on, and when it expires.
_basis: ContextVar[dict | None] = ContextVar("livechat_availability_basis", default=None)


def watch_basis() -> dict:
    """Collect, for the request now starting, what its shared answer is based on: after the
    request, ``{"basis": (queue_id, versions, expires)}`` when the answer was a shared one."""
    slot: dict = {}
    _basis.set(slot)
    return slot


def note_basis(queue_id: int | None, stored_versions: tuple, expires: float) -> None:
    slot = _basis.get()
    if slot is not None:
        slot["basis"] = (queue_id, stored_versions, expires)


# --- Reading the versions from the event loop -------------------------------------------------

_redis_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_serializer = RedisSerializer()


def _redis_client() -> tuple[Any, RedisCache] | None:
    """This loop's asyncio Redis client and the backend that names the keys, when the default
    cache is Django's ``RedisCache``; None otherwise."""
    loop = asyncio.get_running_loop()
    found = _redis_clients.get(loop)
    if found is None:
        backend = caches.create_connection(DEFAULT_CACHE_ALIAS)
        if not isinstance(backend, RedisCache):
            found = (None, backend)
        else:
            config = settings.CACHES[DEFAULT_CACHE_ALIAS]
            location = config["LOCATION"]
            url = (location if isinstance(location, str) else location[0]).split(",")[0]
            # The connection options Django's client passes to its pool (db, password, ...).
            options = {
                name: value
                for name, value in config.get("OPTIONS", {}).items()
                if name not in ("pool_class", "parser_class", "serializer")
            }
            found = (redis.asyncio.Redis.from_url(url, **options), backend)
        _redis_clients[loop] = found
    return found if found[0] is not None else None


async def aversions(queue_id: int | None) -> tuple | None:
    """``versions(queue_id)`` from the event loop, or None when the cache fails."""
    keys = [EVERY_LINE, _line_version_key(queue_id)]
    try:
        client = _redis_client()
        if client is None:
            found = await cache.aget_many(keys)
            return found.get(EVERY_LINE), found.get(keys[1])
        redis_client, backend = client
        raw = await redis_client.mget([backend.make_and_validate_key(key) for key in keys])
        return tuple(None if value is None else _serializer.loads(value) for value in raw)
    except Exception:
        logger.exception("Could not read availability versions")
        return None
