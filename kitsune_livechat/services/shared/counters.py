"""Fixed-window counters in the site's cache, shared by every process when the cache is.

``count`` works with any Django cache. ``acount`` is what a socket uses for each frame: when the
site's cache is Django's Redis backend it counts from the event loop, in one round trip on a
client of its own, instead of sending two blocking commands from a worker thread (which cost a
socket more than storing the message). Both write the same key, so sockets and HTTP requests
spend one budget.

A cache that cannot be reached counts nothing: the limits lapse while it is down, and chat goes on.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import weakref

import redis.asyncio
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# A count waits this long for Redis (seconds) before the limit lapses for that frame.
REDIS_TIMEOUT = 1.0
# Connections a process's event loop keeps for counting.
MAX_CONNECTIONS = 16
WARN_EVERY = 10.0

_warned_at = -WARN_EVERY

_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def count(key: str, timeout: int) -> int:
    """One more use of ``key`` in a window of ``timeout`` seconds; 0 when the cache is down."""
    try:
        try:
            # One call while the window's counter exists (the common case).
            return cache.incr(key)
        except ValueError:  # the window's first use, or expired or evicted meanwhile
            if cache.add(key, 1, timeout=timeout):
                return 1
            return cache.incr(key)  # another process added it first
    except Exception:
        _warn_unreachable()
        return 0


async def acount(key: str, timeout: int) -> int:
    """``count`` for the event loop: the same key and window, without a thread."""
    client = _redis_client()
    if client is None:
        return await sync_to_async(count, thread_sensitive=False)(key, timeout)
    try:
        full_key = cache.make_and_validate_key(key)
        async with client.pipeline(transaction=False) as pipe:
            # The window starts at 0 with its expiry if it is new; INCR keeps the expiry.
            pipe.set(full_key, 0, ex=timeout, nx=True)
            pipe.incr(full_key)
            _created, used = await asyncio.wait_for(pipe.execute(), REDIS_TIMEOUT)
        return int(used)
    except Exception:
        _warn_unreachable()
        return 0


def _warn_unreachable() -> None:
    """Say so at most every ``WARN_EVERY`` seconds: when Redis is down or slow, every frame
    fails to count, and a traceback for each would make a slow server slower."""
    global _warned_at
    now = time.monotonic()
    if now - _warned_at >= WARN_EVERY:
        _warned_at = now
        logger.warning("Live chat limits are not counted: the cache is unreachable", exc_info=True)


def _redis_client():
    """This event loop's Redis client for the site's cache, or None when it is not Redis."""
    if not isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache):
        return None
    location = settings.CACHES[DEFAULT_CACHE_ALIAS]["LOCATION"]
    servers = location if isinstance(location, list | tuple) else re.split("[;,]", location)
    url = servers[0].strip()  # the one Django's backend writes to
    clients = _clients.setdefault(asyncio.get_running_loop(), {})
    if url not in clients:
        # A burst of frames waits for one of a few connections rather than opening more.
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=REDIS_TIMEOUT,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
        )
        clients[url] = redis.asyncio.Redis(connection_pool=pool)
    return clients[url]
