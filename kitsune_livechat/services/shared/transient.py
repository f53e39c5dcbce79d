"""Transient database faults: a dropped connection is reopened and the work tried again.

A PostgreSQL restart, a failover or a killed backend breaks the connection a process holds; the
next statement fails with ``OperationalError`` or ``InterfaceError`` although a new connection
would work at once. Work that is safe to repeat is retried on a fresh connection before the
caller is told it failed.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# Tries after the first, and the pause before each (seconds, growing).
RETRIES = 2
PAUSE = 0.05

T = TypeVar("T")


def retry_transient(func: Callable[..., T], /, *args, **kwargs) -> T:
    """``func(*args, **kwargs)``, tried again up to ``RETRIES`` times on a fresh connection
    when the database connection fails.

    Only for work that is safe to repeat: reads, and sends carrying a ``client_msg_id`` (a
    send that committed before its connection broke is found by that id, not stored again).
    Inside an outer transaction nothing is retried: the transaction is lost either way.
    """
    attempt = 0
    while True:
        try:
            return func(*args, **kwargs)
        except TRANSIENT_ERRORS:
            if attempt >= RETRIES or connection.in_atomic_block:
                raise
            attempt += 1
            logger.warning("Database connection failed; retrying (%d of %d)", attempt, RETRIES)
            with contextlib.suppress(Exception):
                connection.close()
            time.sleep(PAUSE * attempt)
