"""Fixed-window counters in the site's cache, shared by every process when the cache is.

``count`` works with any Django cache. ``acount`` is what a socket uses for each frame: when the
site's cache is Django's Redis backend it counts from the event loop on a connection of its
own, and the counts made while one command is on its way travel together in the next. A Redis
command from Python costs a socket more than storing its message, so under load this is what
keeps the budgets cheap; each count is still exact and atomic. Both write the same keys, so
sockets and HTTP requests spend one budget.

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
WARN_EVERY = 10.0

_warned_at = -WARN_EVERY

_counters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# One use of each of KEYS, its window's length in the ARGV of the same place: a new window's
# counter gets its expiry with its first use, so none outlives its window however a process
# dies. Returns the uses so far, key by key.
COUNT_SCRIPT = """
local used = {}
for i, key in ipairs(KEYS) do
  used[i] = redis.call('INCR', key)
  if used[i] == 1 then redis.call('EXPIRE', key, ARGV[i]) end
end
return used
"""


class _Counter:
    """This event loop's connection to Redis for counting, and the counts waiting for it.

    One command is on its way at a time; the counts made meanwhile wait and go together in the
    next. The busier the loop, the more each command carries, so the cost per count falls
    as the load rises, and a burst never opens more connections.
    """

    def __init__(self, url: str):
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            url,
            max_connections=1,
            timeout=REDIS_TIMEOUT,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
        )
        self.script = redis.asyncio.Redis(connection_pool=pool).register_script(COUNT_SCRIPT)
        self.waiting: list[tuple[str, int, asyncio.Future]] = []
        self.sending: asyncio.Task | None = None

    def count(self, key: str, timeout: int) -> asyncio.Future:
        """A future of the key's uses in its window."""
        used = asyncio.get_running_loop().create_future()
        self.waiting.append((key, timeout, used))
        if self.sending is None:
            # It starts on the loop's next turn, with every count made in this one.
            self.sending = asyncio.ensure_future(self.send())
        return used

    async def send(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                await self.answer(batch)
        finally:
            self.sending = None

    async def answer(self, batch: list[tuple[str, int, asyncio.Future]]) -> None:
        keys = [key for key, _timeout, _used in batch]
        try:
            async with asyncio.timeout(REDIS_TIMEOUT):
                counts = await self.script(keys=keys, args=[t for _key, t, _used in batch])
        except Exception as error:
            for _key, _timeout, used in batch:
                if not used.done():
                    used.set_exception(error)
            return
        for (_key, _timeout, used), n in zip(batch, counts, strict=True):
            if not used.done():
                used.set_result(int(n))


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
    counter = _counter()
    if counter is None:
        return await sync_to_async(count, thread_sensitive=False)(key, timeout)
    try:
        return await counter.count(cache.make_and_validate_key(key), timeout)
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


def _counter() -> _Counter | None:
    """This event loop's counter for the site's cache, or None when the cache is not Redis."""
    if not isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache):
        return None
    location = settings.CACHES[DEFAULT_CACHE_ALIAS]["LOCATION"]
    servers = location if isinstance(location, list | tuple) else re.split("[;,]", location)
    url = servers[0].strip()  # the one Django's backend writes to
    counters = _counters.setdefault(asyncio.get_running_loop(), {})
    if url not in counters:
        counters[url] = _Counter(url)
    return counters[url]
