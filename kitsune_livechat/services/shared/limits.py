"""Per-user budgets shared by every socket and process: message and frame rates, open sockets,
hand-offs and fallback emails.

Counters live in Django's cache, so they are shared across processes when the cache is (Redis,
Memcached, the database); with the per-process local-memory cache each process counts alone.
Counters are fixed windows (``counters``); a socket counts its frames from the event loop.
A cache that cannot be reached (a Redis restart) counts nothing while it is down: the limits
lapse for that time, and chat goes on.
"""

from __future__ import annotations

import logging
import math
import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from ...conf import livechat_settings
from ...exceptions import Conflict, RateLimited
from ...models import ChatSession, Queue
from ..line.availability import read_line, seats_limit
from . import counters
from .access import Caller

PREFIX = "livechat:limit"

logger = logging.getLogger(__name__)


def caller_key(caller: Caller) -> str:
    """Who a budget belongs to: the account, or the anonymous visitor's key."""
    return f"u{caller.user_id}" if caller.is_authenticated else f"a{caller.anonymous_key}"


def _window_key(bucket: str, who: str, window: int) -> str:
    return f"{PREFIX}:{bucket}:{who}:{int(time.time() // window)}"


def spend(bucket: str, who: str, *, limit: int, window: int, error: RateLimited) -> None:
    """Count one use of ``bucket`` by ``who``; ``error`` past ``limit`` per ``window`` seconds.

    A refused use is not taken back: whoever keeps pushing stays refused until the window
    turns, which is what a flood should get.
    """
    if counters.count(_window_key(bucket, who, window), window + 1) > limit:
        raise error


def messages_too_fast() -> RateLimited:
    return RateLimited(
        _("You are sending messages too quickly. Wait a moment and try again."),
        code="rate_limited",
    )


def spend_message(caller: Caller) -> None:
    """One message, whichever socket, request or process it came through."""
    spend(
        "send",
        caller_key(caller),
        limit=livechat_settings.RATE_LIMIT_MESSAGES,
        window=livechat_settings.RATE_LIMIT_SECONDS,
        error=messages_too_fast(),
    )


async def aspend_message(caller: Caller) -> None:
    """``spend_message`` for a socket, from the event loop."""
    await _aspend("send", caller, livechat_settings.RATE_LIMIT_MESSAGES)


async def aspend_frame(caller: Caller, factor: int) -> None:
    """One typing, read, resume or ping frame from a socket: ``factor`` times the message
    budget."""
    await _aspend("frame", caller, livechat_settings.RATE_LIMIT_MESSAGES * factor)


async def _aspend(bucket: str, caller: Caller, limit: int) -> None:
    window = livechat_settings.RATE_LIMIT_SECONDS
    key = _window_key(bucket, caller_key(caller), window)
    if await counters.acount(key, window + 1) > limit:
        raise messages_too_fast()


def spend_fallback(caller: Caller, client: str, kind: str) -> None:
    """A forum question or email asked for without a chat, per caller and per client address:
    ``LIVECHAT_FALLBACK_LIMIT`` an hour."""
    error = RateLimited(
        _("Too many requests of this kind. Try again later."), code="fallback_rate_limited"
    )
    limit = livechat_settings.FALLBACK_LIMIT
    for who in {caller_key(caller), f"ip{client}"}:
        spend(f"fallback:{kind}", who, limit=limit, window=3600, error=error)


# --- Open sockets -----------------------------------------------------------------------------

SOCKET_TTL = 6 * 3600  # a process killed without disconnecting cannot hold a seat longer


def open_socket(caller: Caller) -> None:
    """Take one of the caller's ``LIVECHAT_MAX_SOCKETS_PER_USER`` seats, or Conflict."""
    key = f"{PREFIX}:sockets:{caller_key(caller)}"
    if counters.count(key, SOCKET_TTL) > livechat_settings.MAX_SOCKETS_PER_USER:
        close_socket(caller)
        raise Conflict(_("Too many open chat windows."), code="too_many_sockets")
    try:
        cache.touch(key, SOCKET_TTL)
    except Exception:
        logger.warning("Live chat socket seats are not kept: the cache is unreachable")


def close_socket(caller: Caller) -> None:
    key = f"{PREFIX}:sockets:{caller_key(caller)}"
    try:
        if cache.decr(key) < 0:
            cache.set(key, 0, timeout=SOCKET_TTL)
    except ValueError:
        pass  # expired meanwhile: nothing held
    except Exception:
        logger.warning("Live chat socket seats are not kept: the cache is unreachable")


# --- Anonymous visitors in the line -----------------------------------------------------------


def spend_anonymous_chat(client: str) -> None:
    """A new anonymous chat from ``client``: ``LIVECHAT_ANONYMOUS_CHATS_PER_IP`` an hour.

    Anonymous visitors mint a new key with every first request, so the key alone bounds
    nothing; the network address does (one open chat per key is enforced by the queue).
    """
    spend(
        "anonymous_chat",
        f"ip{client}",
        limit=livechat_settings.ANONYMOUS_CHATS_PER_IP,
        window=3600,
        error=RateLimited(
            _("Too many chats were requested from your network. Log in, or try again later."),
            code="anonymous_rate_limited",
        ),
    )


def anonymous_room_in(queue: Queue, locale: str) -> bool:
    """Whether anonymous chats fill less than ``LIVECHAT_ANONYMOUS_LINE_SHARE`` of the line's
    seats limit, so a flood of them leaves room for logged-in visitors."""
    line = read_line(queue)
    seats = seats_limit(line, line.for_locale(locale))
    room = max(1, math.floor(seats * livechat_settings.ANONYMOUS_LINE_SHARE))
    waiting = ChatSession.objects.filter(
        queue=queue, status=ChatSession.Status.WAITING, visitor__isnull=True
    ).count()
    return waiting < room
