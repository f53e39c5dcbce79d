"""The chat socket's hot statements on the event loop, over connections of its own.

A socket stores each message, and re-checks its standing, with one statement each, written
once (``messaging``). Handed to Django's one database thread, each of them costs a trip there
and back and that thread's connection bookkeeping, more than the statement itself, and the two
threads take the interpreter from each other under load. On PostgreSQL they run here instead,
on psycopg's async connections opened with the settings, adapters and binding of Django's own
connection. Other databases have no async driver: ``available`` is False there, and callers
take the database thread as before.

Statements here run in autocommit, one at a time per connection, so each is its own
transaction: only single statements that stand alone belong here.

These connections run the same few statements over and over, which is what prepared
statements are for: the server parses and plans each once per connection, and the values
travel apart from the text, with nothing to quote. Django leaves preparing off so that
transaction poolers keep working; a site that turns it on (``OPTIONS["prepare_threshold"]``)
gets it here too, with server-side binding, whatever Django's own connection binds with.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Sequence

from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connections,
)

try:
    import psycopg
except ImportError:  # only PostgreSQL sites need it, and they have it
    psycopg = None

# Connections an event loop keeps: statements beyond that wait for one to be free.
MAX_CONNECTIONS = 4
# Tries after the first for statements safe to repeat, on a fresh connection each.
RETRIES = 2

_pools: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def available() -> bool:
    """Whether hot statements run on the event loop here (PostgreSQL with psycopg 3)."""
    return psycopg is not None and connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


class _Pool:
    """A few connections of one event loop, opened when first needed and dropped when broken."""

    def __init__(self):
        self.idle: list = []
        self.opened = 0
        self.every: weakref.WeakSet = weakref.WeakSet()
        self.freed = asyncio.Condition()

    async def connect(self):
        connection = connections[DEFAULT_DB_ALIAS]
        params = connection.get_connection_params()
        options = connection.settings_dict["OPTIONS"]
        # A client-side cursor never prepares, so preparing asks for server-side binding.
        binding = (
            options.get("server_side_binding") is True
            or options.get("prepare_threshold") is not None
        )
        params["cursor_factory"] = psycopg.AsyncCursor if binding else psycopg.AsyncClientCursor
        return await psycopg.AsyncConnection.connect(**params, autocommit=True)

    @contextlib.asynccontextmanager
    async def connection(self):
        async with self.freed:
            await self.freed.wait_for(lambda: self.idle or self.opened < MAX_CONNECTIONS)
            if self.idle:
                conn = self.idle.pop()
            else:
                self.opened += 1
                conn = None
        broken = False
        try:
            if conn is None:
                conn = await self.connect()
                self.every.add(conn)
            yield conn
        except BaseException:
            # A statement cut off midway (a dropped connection, a cancelled socket) may leave
            # its connection in any state: it is closed rather than reused.
            broken = True
            raise
        finally:
            async with self.freed:
                if conn is None or broken or conn.closed:
                    self.opened -= 1
                    if conn is not None:
                        _finish(conn)
                else:
                    self.idle.append(conn)
                self.freed.notify()

    def close(self) -> None:
        for conn in list(self.every):
            _finish(conn)
        self.idle.clear()


def _finish(conn) -> None:
    """Close without the event loop, which may be gone already."""
    with contextlib.suppress(Exception):
        conn.pgconn.finish()


def _pool() -> _Pool:
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        pool = _pools[loop] = _Pool()
    return pool


async def fetch_one(sql: str, params: Sequence, *, retry: bool = False) -> tuple | None:
    """The first row ``sql`` returns, or None. ``retry``: the statement is safe to repeat,
    and is tried again on a fresh connection when its connection breaks.

    A broken connection raises Django's ``OperationalError``, and a broken constraint its
    ``IntegrityError``, as the database thread would.
    """
    return await _run(sql, params, retry=retry, rows=False)


async def fetch_all(sql: str, params: Sequence, *, retry: bool = False) -> list[tuple]:
    """Every row ``sql`` returns; otherwise as ``fetch_one``."""
    return await _run(sql, params, retry=retry, rows=True)


async def _run(sql: str, params: Sequence, *, retry: bool, rows: bool):
    attempt = 0
    while True:
        try:
            async with _pool().connection() as conn:
                cursor = await conn.execute(sql, params)
                return await (cursor.fetchall() if rows else cursor.fetchone())
        except psycopg.IntegrityError as error:
            raise IntegrityError(*error.args) from error
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            if not retry or attempt >= RETRIES:
                django_error = (
                    InterfaceError
                    if isinstance(error, psycopg.InterfaceError)
                    else OperationalError
                )
                raise django_error(*error.args) from error
            attempt += 1


def close_all() -> None:
    """Close every connection of every loop (at shutdown, and between tests); a loop that goes
    on opens new ones."""
    for pool in list(_pools.values()):
        pool.close()
    _pools.clear()
