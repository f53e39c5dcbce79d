"""A chat socket's re-check in one read: whether the gate's answer holds, and what it missed.

``access.standing`` gives the gate's decision as one condition on the chat's row; the reads here
are compiled from it once per ``messaging.Sender``. A row back means nothing changed; no row
means something did, and the socket asks the gate again. On PostgreSQL the same read also
brings the caller's messages after the socket's last seq, so catching up after lost events, or
behind a busy channel layer, costs one statement a page rather than the gate and a history read.
"""

from __future__ import annotations

import functools

from django.core.exceptions import FullResultSet
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Q

from ...models import ChatSession, Message
from ..shared import loop_db
from ..shared.access import SessionAccess
from .visitor_view import visible_messages

Read = tuple[str, tuple]


def standing_read(held: Q) -> Read:
    """The SQL and parameters that read the chat's last seq where ``held`` holds."""
    rows = ChatSession.objects.filter(held).order_by().values_list("last_seq")
    sql, params = rows.query.sql_with_params()
    return sql, tuple(params)


def last_seq(read: Read | None) -> int | None:
    """The chat's last seq while the standing ``read`` finds the row (one statement), or None
    when the gate must answer again: something changed, or there is no such read."""
    if read is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(*read)
        row = cursor.fetchone()
    return None if row is None else row[0]


def backlog_read(standing: Read, access: SessionAccess) -> Read:
    """``standing`` joined to the caller's page of messages after a seq (PostgreSQL).

    Its parameters end with that seq and the page's size, given at each read. The chat's row
    comes back once, with no message, when nothing is new, and not at all when the standing no
    longer holds.
    """
    standing_sql, standing_params = standing
    visible = visible_messages(Message.objects.all(), staff=access.is_staff)
    try:
        visible_sql, visible_params = visible.query.get_compiler(visible.db).compile(
            visible.query.where
        )
    except FullResultSet:  # staff: every message
        visible_sql, visible_params = "", ()
    quote = connection.ops.quote_name
    table = quote(Message._meta.db_table)
    columns = [quote(f.column) for f in Message._meta.concrete_fields]
    also = f" AND ({visible_sql})" if visible_sql else ""
    sql = f"""
        SELECT chat.{quote("last_seq")}, {", ".join(f"m.{c}" for c in columns)}, d.{quote("seq")}
        FROM ({standing_sql}) AS chat
        LEFT JOIN LATERAL (
            SELECT * FROM {table}
            WHERE {table}.{quote("session_id")} = %s{also} AND {table}.{quote("seq")} > %s
            ORDER BY {table}.{quote("seq")}
            LIMIT %s
        ) AS m ON TRUE
        LEFT JOIN {table} AS d ON d.{quote("id")} = m.{quote("draft_id")}
        ORDER BY m.{quote("seq")}
    """
    return sql, (*standing_params, access.session.pk, *visible_params)


async def backlog(
    read: Read | None, after_seq: int, *, limit: int
) -> tuple[int, list[Message]] | None:
    """The chat's last seq and up to ``limit`` of the caller's messages after ``after_seq``, in
    one read on the event loop, while the standing holds; None as for ``last_seq``. Where
    ``loop_db.available()``."""
    if read is None:
        return None
    sql, params = read
    rows = await loop_db.fetch_all(sql, (*params, after_seq, limit), retry=True)
    if not rows:
        return None
    return rows[0][0], [_message(row[1:]) for row in rows if row[1] is not None]


def _message(row: tuple) -> Message:
    """A message from the backlog's columns, its draft's seq loaded as ``messages_for`` does."""
    *values, draft_seq = row
    message = Message.from_db(DEFAULT_DB_ALIAS, _field_names(), values)
    if message.draft_id is not None:
        draft = Message(pk=message.draft_id, session_id=message.session_id, seq=draft_seq)
        Message.draft.field.set_cached_value(message, draft)
    return message


@functools.cache
def _field_names() -> list[str]:
    return [f.attname for f in Message._meta.concrete_fields]
