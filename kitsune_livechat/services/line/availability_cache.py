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
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.cache import cache
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
    """The entry ``(queue_id, versions, answer)`` under ``key`` if its line has not changed
    since; one or two round trips to the cache (the entry, then its line's versions)."""
    try:
        entry = cache.get(key)
        if entry is None:
            return None
        return entry if versions(entry[0]) == entry[1] else None
    except Exception:
        logger.exception("Could not read cached availability")
        return None


def store(keys: list[str], queue_id: int | None, stored_versions: tuple, answer: dict) -> None:
    try:
        cache.set_many(
            {key: (queue_id, stored_versions, answer) for key in keys},
            timeout=livechat_settings.AVAILABILITY_CACHE_SECONDS,
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
        store(keys, queue_id, stored_versions, answer)
    return answer
