"""Chat messages: sending, history, typing and read marks.

Every message gets the next per-session ``seq`` in the transaction that stores it, a repeated
``client_msg_id`` returns the stored message, and the broadcast happens only after commit.
Replaying ``seq > after_seq`` from the database is therefore always complete. Whispers and notes
go to the staff group only and are filtered out of the visitor's history, so no visitor ever
receives one, live, on replay or over HTTP.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.html import urlize
from django.utils.translation import gettext as _

from ... import realtime
from ...conf import livechat_settings
from ...endpoints import api_url
from ...exceptions import Conflict, Forbidden, InvalidInput
from ...host import get_host_adapter
from ...models import ChatSession, Message, Participant
from ..shared import loop_db, notify
from ..shared.access import (
    Caller,
    ChatRole,
    SessionAccess,
    get_session_for,
    login_session_condition,
    standing,
    still_admitted,
)
from ..shared.roles import chat_perms, message_kind_for
from . import roster, standing_reads
from .visitor_view import visible_messages

MAX_CLIENT_MSG_ID = 64
# What each caller may send; system lines and drafts come from services only.
CLIENT_KINDS = (Message.Kind.TEXT, Message.Kind.WHISPER, Message.Kind.NOTE)
STAFF_KINDS = (Message.Kind.TEXT, Message.Kind.WHISPER, Message.Kind.NOTE)
TRAINEE_KINDS = (Message.Kind.WHISPER, Message.Kind.NOTE)
# Replays and HTTP pages never return more than this many messages at once.
PAGE_SIZE = 500


# --- Shapes -----------------------------------------------------------------------------------


def render_body(body: str) -> str:
    """Message text as safe HTML: everything escaped, web links made clickable (nofollow).

    Bodies are stored as the plain text that was typed; this is the one place they become
    markup, with Django's ``urlize`` (which links only http(s), www. and e-mail addresses, so a
    ``javascript:`` URL stays text).
    """
    return urlize(body, nofollow=True, autoescape=True).replace("\n", "<br>")


def message_json(message: Message) -> dict:
    """The protocol's message object (docs/http-api.md): a display name, never an email or id.

    ``html`` is ``body`` rendered by ``render_body``, for clients that show links.
    """
    return {
        "seq": message.seq,
        "author": message.author_name,
        "role": message.role,
        "kind": message.kind,
        "body": message.body,
        "html": render_body(message.body),
        "client_msg_id": message.client_msg_id,
        "created": message.created.isoformat(),
        "attachment": attachment_json(message),
        # Read only when loaded with it (``messages_for``): never a query, even in a consumer.
        "draft_seq": (
            message.draft.seq if message.draft_id and Message.draft.is_cached(message) else None
        ),
    }


def attachment_json(message: Message) -> dict | None:
    """The file sent as ``message``, or None; ``url`` goes through the access gate."""
    if not message.has_file:
        return None
    return {
        "name": message.file_name,
        "content_type": message.file_type,
        "size": message.file_size,
        "image": message.file_type.startswith("image/"),
        "url": api_url("attachment", session_id=message.session_id, seq=message.seq),
    }


def publish_message(message: Message) -> None:
    """Announce a stored message once its transaction commits (``message_event``)."""
    realtime.publish(*message_event(message))


# --- Storing ----------------------------------------------------------------------------------


def store_message(
    *,
    session_id,
    body: str,
    role: str,
    kind: str = Message.Kind.TEXT,
    author=None,
    author_name: str = "",
    client_msg_id: str | None = None,
    first_response: bool = False,
    attachment: dict | None = None,
) -> tuple[Message, bool]:
    """Store one message with the next seq (``_insert``); returns (message, created).

    A retried ``client_msg_id`` gets the stored message instead of a copy, even when two
    retries race. ``attachment`` holds the file fields of a message that is a file
    (``services.conversation.attachments``).
    """
    message = Message(
        session_id=session_id,
        client_msg_id=client_msg_id or None,
        author=author,
        author_name=author_name,
        role=role,
        kind=kind,
        body=body,
        created=timezone.now(),
        **(attachment or {}),
    )
    if not _insert(message, first_response=first_response):
        if not client_msg_id:
            raise ChatSession.DoesNotExist(f"No chat {session_id}")
        # The same client_msg_id was stored before (or won a race against us).
        return Message.objects.get(session_id=session_id, client_msg_id=client_msg_id), False
    publish_message(message)
    return message, True


@dataclass(frozen=True)
class ChatCondition:
    """A condition on a chat's row that a message's statement must meet: as a Q (the portable
    path) and as SQL compiled once (the one statement on PostgreSQL)."""

    q: Q
    sql: str
    params: tuple


def chat_condition(q: Q) -> ChatCondition:
    """``q`` on the chat's table, with its SQL as the ORM writes it (outer references and all)."""
    rows = ChatSession.objects.filter(q)
    sql, params = rows.query.get_compiler(rows.db).compile(rows.query.where)
    return ChatCondition(q, sql, tuple(params))


def _insert(
    message: Message, *, first_response: bool, only_if: ChatCondition | None = None
) -> bool:
    """Give ``message`` the chat's next seq and store it; False when nothing was stored: its
    ``client_msg_id`` is stored already, or the chat's row does not meet ``only_if``.

    The seq counter lives on the chat's row and is bumped with an UPDATE, which takes the row
    lock until commit, so concurrent senders get consecutive seqs; the UPDATE skips a
    ``client_msg_id`` already stored, so a retry leaves no gap. ``first_response`` stamps the
    chat's first helper answer in the same UPDATE. On PostgreSQL the bump and the insert are
    one statement, so a message costs one round trip; elsewhere three.
    """
    if connection.vendor == "postgresql":
        return _insert_with_next_seq(message, first_response=first_response, only_if=only_if)
    return _insert_then_number(message, first_response=first_response, only_if=only_if)


def _insert_with_next_seq(
    message: Message, *, first_response: bool, only_if: ChatCondition | None
) -> bool:
    """PostgreSQL: bump the session's seq and insert the message in one statement
    (``_next_seq_insert``), in the database thread."""
    try:
        with connection.cursor() as cursor:
            statement = _next_seq_insert(message, first_response=first_response, only_if=only_if)
            cursor.execute(*statement)
            return _stored(message, cursor.fetchone())
    except IntegrityError:
        if not _lost_race(message):
            raise
        return False


def _lost_race(message: Message) -> bool:
    """Whether a unique violation of the one statement means a concurrent try of the same
    ``client_msg_id`` was stored first.

    A statement that waited for the chat's row checked for the id in the table as it was
    when the statement began, so it can miss a try stored meanwhile; its insert then fails,
    and the statement, its seq bump included, leaves no trace. Inside a transaction the
    caller holds the chat's row from an earlier statement, so that cannot happen there.
    """
    return bool(message.client_msg_id) and not connection.in_atomic_block


def _next_seq_insert(
    message: Message, *, first_response: bool, only_if: ChatCondition | None
) -> tuple[str, list]:
    """The one statement that bumps the session's seq and inserts ``message``, and its
    parameters: every column of the model written from the instance, cast to its type.

    No row comes back when the chat's row does not meet the conditions or the
    ``client_msg_id`` is stored already; a concurrent try of it stored first makes the
    statement fail instead (``_lost_race``), so that no seq is spent on a message not stored.
    """
    params: list[Any] = [message.created] if first_response else []
    params += [message.session_id, message.session_id, message.client_msg_id]
    if only_if is not None:
        params += only_if.params
    sql = _next_seq_statement(first_response, None if only_if is None else only_if.sql)
    return sql, [*params, *_column_values(message)]


def _column_values(message: Message) -> list:
    """``message``'s values for the columns the statement writes (``_message_columns``).

    A message without a file writes its empty file column as it is, not through the field,
    which would tie a ``FieldFile`` to the message in a cycle (``Message.has_file``).
    """
    fields, _casts = _message_columns()
    return [
        f.get_db_prep_save(
            f.pre_save(message, True) if f.attname != "file" or message.has_file else "",
            connection,
        )
        for f in fields
    ]


def _stored(message: Message, row: tuple | None) -> bool:
    """Take the id and seq the statement returned; False when it stored nothing."""
    if row is None:
        return False
    message.pk, message.seq = row
    message._state.adding = False
    return True


@functools.cache
def _message_columns() -> tuple[list, list[str]]:
    """The message's columns the statement writes (all but the id and the seq), with the
    database type each value is cast to."""
    fields = [f for f in Message._meta.concrete_fields if not f.primary_key and f.attname != "seq"]
    return fields, [f.db_type(connection) for f in fields]


@functools.lru_cache(maxsize=256)
def _next_seq_statement(first_response: bool, condition: str | None) -> str:
    """The one statement's SQL, written once per shape: whether it stamps the first response,
    and the chat condition's SQL (its parameters vary, its text seldom does)."""
    quote = connection.ops.quote_name
    fields, casts = _message_columns()
    first = ""
    if first_response:
        first = f", {quote('first_response_at')} = COALESCE({quote('first_response_at')}, %s)"
    where = "" if condition is None else f" AND ({condition})"
    return f"""
        WITH bumped AS (
            UPDATE {quote(ChatSession._meta.db_table)}
            SET {quote("last_seq")} = {quote("last_seq")} + 1{first}
            WHERE {quote("id")} = %s AND NOT EXISTS (
                SELECT 1 FROM {quote(Message._meta.db_table)}
                WHERE {quote("session_id")} = %s AND {quote("client_msg_id")} = %s
            ){where}
            RETURNING {quote("last_seq")}
        )
        INSERT INTO {quote(Message._meta.db_table)}
            ({", ".join(quote(f.column) for f in fields)}, {quote("seq")})
        SELECT {", ".join(f"CAST(%s AS {cast})" for cast in casts)}, {quote("last_seq")}
        FROM bumped
        RETURNING {quote("id")}, {quote("seq")}
    """


def _insert_then_number(
    message: Message, *, first_response: bool, only_if: ChatCondition | None
) -> bool:
    """Other databases: bump, read the seq, insert, in a savepoint that a duplicate
    ``client_msg_id`` rolls back (seq included)."""
    bump: dict[str, Any] = {"last_seq": F("last_seq") + 1}
    if first_response:
        bump["first_response_at"] = Coalesce(F("first_response_at"), Value(message.created))
    rows = ChatSession.objects.filter(pk=message.session_id)
    if only_if is not None:
        rows = rows.filter(only_if.q)
    if message.client_msg_id:
        stored = Message.objects.filter(
            session_id=OuterRef("pk"), client_msg_id=message.client_msg_id
        )
        rows = rows.filter(~Exists(stored))
    try:
        with transaction.atomic():
            if not rows.update(**bump):
                return False
            message.seq = ChatSession.objects.values_list("last_seq", flat=True).get(
                pk=message.session_id
            )
            message.save(force_insert=True)
    except IntegrityError:
        if not message.client_msg_id:
            raise
        return False
    return True


def post_system_message(session: ChatSession, text: str | Promise, /, **params: Any) -> Message:
    """A line everyone in the chat sees: assignments, transfers, joins, endings.

    ``text`` is a lazy translation (``gettext_lazy``) rendered in the chat's language, not in
    that of whoever triggered the line (a helper's browser, a socket, the sweep), since the line
    is stored once and read by the visitor. ``params`` fill its placeholders. Nothing typed by
    staff for staff belongs here: such notes are stored as ``note`` messages.
    """
    with translation.override(session.locale or settings.LANGUAGE_CODE):
        body = str(text) % params if params else str(text)
    message, _created = store_message(
        session_id=session.pk, body=body, role=Message.Role.SYSTEM, kind=Message.Kind.SYSTEM
    )
    return message


# --- Sending ----------------------------------------------------------------------------------


def clean_body(body) -> str:
    """The text to store, or InvalidInput: not empty, not longer than the setting allows."""
    if not isinstance(body, str):
        raise InvalidInput(_("The message must be text."), code="invalid_body")
    body = body.strip()
    if not body:
        raise InvalidInput(_("The message is empty."), code="empty_message")
    limit = livechat_settings.MAX_MESSAGE_LENGTH
    if len(body) > limit:
        raise InvalidInput(
            _("The message is too long (at most %(limit)d characters).") % {"limit": limit},
            code="message_too_long",
        )
    return body


def _clean_client_msg_id(client_msg_id) -> str | None:
    if client_msg_id in (None, ""):
        return None
    if not isinstance(client_msg_id, str) or len(client_msg_id) > MAX_CLIENT_MSG_ID:
        raise InvalidInput(
            _("client_msg_id must be text of at most %(limit)d characters.")
            % {"limit": MAX_CLIENT_MSG_ID},
            code="invalid_client_msg_id",
        )
    return client_msg_id


def _clean_kind(kind) -> str:
    if kind in (None, ""):
        return Message.Kind.TEXT
    if kind not in CLIENT_KINDS:
        raise InvalidInput(_("Unknown message kind."), code="invalid_kind")
    return kind


def allowed_kinds(access: SessionAccess) -> tuple[str, ...]:
    """The visitor writes text; staff also whisper and note; trainees only whisper and note."""
    if access.role == ChatRole.VISITOR:
        return (Message.Kind.TEXT,)
    participant = access.participant
    if participant is not None and participant.role == Participant.Role.TRAINEE:
        return TRAINEE_KINDS
    return STAFF_KINDS


def _require_kind(access: SessionAccess, kind: str) -> None:
    _require_kind_in(allowed_kinds(access), kind)


def _require_kind_in(kinds: tuple[str, ...], kind: str) -> None:
    if kind not in kinds:
        raise Forbidden(_("You cannot send this kind of message."), code="kind_not_allowed")


def _is_hidden_observer(access: SessionAccess) -> bool:
    """A monitor or trainee the visitor does not know is there."""
    if access.role != ChatRole.OBSERVER:
        return False
    return access.participant is None or not access.participant.visible


def author_name(access: SessionAccess, caller: Caller) -> str:
    """The display name stored with a message: never an email, never an account id."""
    if access.role == ChatRole.VISITOR:
        return (
            access.session.visitor_name
            or get_host_adapter().display_name(caller.user)
            or _("Visitor")
        )
    return get_host_adapter().display_name(caller.user)


def _same_sender(message: Message, access: SessionAccess, caller: Caller) -> bool:
    if access.role == ChatRole.VISITOR:
        return message.role == Message.Role.VISITOR
    return message.author_id is not None and message.author_id == caller.user_id


def send_message(
    *,
    caller: Caller,
    session_id,
    body,
    client_msg_id=None,
    kind=Message.Kind.TEXT,
) -> tuple[Message, bool]:
    """Send a message as the caller; returns (message, created).

    Access, the kind allowed for the caller's role and the chat being open are checked in the
    transaction that stores the message, under the session's row lock, so a helper transferred
    away a moment ago cannot slip one in. A monitor who writes to the visitor becomes visible.
    A repeated ``client_msg_id`` answers with the stored message, and only to its sender.
    """
    body = clean_body(body)
    kind = _clean_kind(kind)
    client_msg_id = _clean_client_msg_id(client_msg_id)
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        _require_kind(access, kind)
        session = access.session
        if session.supervised:
            # A trainee's text in a supervised chat waits as a draft for the mentor.
            kind = message_kind_for(session, caller.user, kind)
        if not session.is_open:
            existing = _existing(session, client_msg_id)
            if existing is None:
                raise Conflict(_("This chat is over."), code="chat_closed")
            message, created = existing, False
        else:
            message, created = store_message(
                session_id=session.pk,
                body=body,
                role=Message.Role(access.role.value),
                kind=kind,
                author=caller.account,
                author_name=author_name(access, caller),
                client_msg_id=client_msg_id,
                first_response=access.role == ChatRole.HELPER and kind == Message.Kind.TEXT,
            )
        if not created:
            if not _same_sender(message, access, caller):
                raise Conflict(
                    _("This client_msg_id is already used in this chat."),
                    code="client_msg_id_taken",
                )
            return message, False
        if kind == Message.Kind.TEXT and _is_hidden_observer(access):
            if access.participant is None:
                roster.speak_as_supervisor(session, caller.user)
            else:
                roster.make_visible(session, access.participant)
    return message, True


# --- Sending from a socket ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sender:
    """What a chat socket knows of its caller once the access gate admitted them: enough to
    send, type and mark read without asking the database first.

    It goes stale when access may change; the socket builds a new one whenever it re-checks
    (``sender_for``). Staleness never weakens the rules: a message is stored only if
    ``only_if`` (the gate's answer, the chat open, the login standing) still holds in the
    statement that stores it, and anything else goes through ``send_message`` and the gate.
    """

    session_id: Any
    role: ChatRole
    author_id: int | None
    author: str
    kinds: tuple[str, ...]
    hidden: bool
    # Decided by the gate and the chat's row: a supervised chat's drafts and a hidden
    # observer's first word to the visitor take ``send_message``.
    direct: bool
    only_if: ChatCondition
    # False when the login session cannot be checked in the statement (a store outside the
    # database): the socket reads it before sending.
    login_in_statement: bool
    # The gate's answer (and the login, where the statement can check it) without the chat
    # being open: what storing a read mark needs (``store_read``).
    admitted: Q
    # Everything the gate decided from, as one read of the chat's last seq that finds the row
    # only while it all still holds (``access.standing``); None when that cannot be a read.
    standing: tuple[str, tuple] | None
    # The same read with the caller's messages after a seq (``standing_reads.backlog``), where
    # statements run on the event loop; None elsewhere and as above.
    backlog: tuple[str, tuple] | None
    # What the sender was built from, to tell whether a fresh access still matches it.
    basis: tuple


def _basis(access: SessionAccess, caller: Caller) -> tuple:
    """Everything ``sender_for`` decides from: the same basis, the same sender."""
    participant = access.participant
    return (
        access.session.pk,
        access.session.status,
        access.session.queue_id,
        access.role,
        caller.user_id,
        caller.anonymous_key,
        # The gate has read the caller's permissions already (cached on the user) for staff.
        access.role != ChatRole.VISITOR and chat_perms(caller.account),
        access.session.helper_id,
        access.session.supervised,
        access.session.visitor_name,
        None if participant is None else (participant.pk, participant.role, participant.visible),
    )


def sender_for(
    caller: Caller,
    access: SessionAccess,
    session_key: str | None,
    previous: Sender | None = None,
) -> Sender:
    """The caller's ``Sender`` in the chat, from what the gate just answered (``access``);
    ``previous`` when nothing it was built from changed (no query then)."""
    basis = _basis(access, caller)
    if previous is not None and previous.basis == basis:
        return previous
    login = login_session_condition(caller, session_key)
    admitted = still_admitted(caller, access)
    if login is not None:
        admitted &= login
    only_if = Q(status__in=ChatSession.OPEN_STATUSES, supervised=False) & admitted
    held = standing(caller, access, session_key)
    standing_read = backlog = None
    if held is not None:
        standing_read = standing_reads.standing_read(held)
        if loop_db.available():  # the catch-up read is PostgreSQL's, on the event loop
            backlog = standing_reads.backlog_read(standing_read, access)
    return Sender(
        session_id=access.session.pk,
        role=access.role,
        author_id=caller.user_id,
        author=author_name(access, caller),
        kinds=allowed_kinds(access),
        hidden=_is_hidden_observer(access),
        direct=not access.session.supervised,
        only_if=chat_condition(only_if),
        login_in_statement=login is not None,
        admitted=admitted,
        standing=standing_read,
        backlog=backlog,
        basis=basis,
    )


def post(sender: Sender, *, body, client_msg_id=None, kind=Message.Kind.TEXT) -> Message | None:
    """A socket's message in one statement: the seq, the insert and the access check together.

    None when the statement stored nothing (access, the chat or the login changed, or the
    ``client_msg_id`` is stored already) or the message needs more than an insert (a supervised
    chat, a hidden observer speaking up): the caller then goes through the gate and
    ``send_message``, which answers each case. Publishing is the caller's, once this returns
    (``message_event``): the row is committed by then.
    """
    message = _socket_message(sender, body=body, client_msg_id=client_msg_id, kind=kind)
    if message is None:
        return None
    first_response = _first_response(sender, message)
    if not _insert(message, first_response=first_response, only_if=sender.only_if):
        return None
    return message


async def apost(
    sender: Sender, *, body, client_msg_id=None, kind=Message.Kind.TEXT
) -> Message | None:
    """``post`` from the event loop, where ``loop_db.available()``: the same statement, on a
    connection of the loop's own; retried on a fresh one when the message has an id."""
    message = _socket_message(sender, body=body, client_msg_id=client_msg_id, kind=kind)
    if message is None:
        return None
    first_response = _first_response(sender, message)
    statement = _next_seq_insert(message, first_response=first_response, only_if=sender.only_if)
    try:
        row = await loop_db.fetch_one(*statement, retry=bool(message.client_msg_id))
    except IntegrityError:
        if not _lost_race(message):
            raise
        return None
    return message if _stored(message, row) else None


def _socket_message(sender: Sender, *, body, client_msg_id, kind) -> Message | None:
    """The message a socket's send stores, checked; None when it needs ``send_message``."""
    body = clean_body(body)
    kind = _clean_kind(kind)
    client_msg_id = _clean_client_msg_id(client_msg_id)
    _require_kind_in(sender.kinds, kind)
    if not sender.direct or (sender.hidden and kind == Message.Kind.TEXT):
        return None
    return Message(
        session_id=sender.session_id,
        client_msg_id=client_msg_id,
        author_id=sender.author_id,
        author_name=sender.author,
        role=Message.Role(sender.role.value),
        kind=kind,
        body=body,
        created=timezone.now(),
    )


def _first_response(sender: Sender, message: Message) -> bool:
    return sender.role == ChatRole.HELPER and message.kind == Message.Kind.TEXT


def message_event(message: Message) -> tuple[str, dict]:
    """The group and frame that announce a stored message: staff-only kinds go to the staff
    group only, so no visitor connection ever gets them."""
    return realtime.message_event(
        message.session_id,
        message_json(message),
        staff_only=message.kind in Message.STAFF_ONLY_KINDS,
    )


def typing_event(sender: Sender, *, status: str, active, kind) -> tuple[str, dict]:
    """The caller is (or stopped) typing: the group and frame, from what the socket knows (the
    sender and the chat's status as its events told it); no query, and nothing is stored.

    Typing a whisper or note shows to staff only; an invisible monitor's typing never shows to
    the visitor.
    """
    if not isinstance(active, bool):
        raise InvalidInput(_("active must be true or false."), code="invalid_active")
    kind = _clean_kind(kind)
    _require_kind_in(sender.kinds, kind)
    if status not in ChatSession.OPEN_STATUSES:
        raise Conflict(_("This chat is over."), code="chat_closed")
    frame = realtime.typing_frame(
        active=active, kind=kind, author=sender.author, role=sender.role.value
    )
    return _signal_group(sender.session_id, kind, hidden=sender.hidden), frame


def read_event(sender: Sender, *, seq: int) -> tuple[str, dict]:
    """``mark_read`` for a socket, once it knows ``seq`` exists (it carried it): no query."""
    frame = realtime.read_frame(seq=seq, author=sender.author, role=sender.role.value)
    return _signal_group(sender.session_id, Message.Kind.TEXT, hidden=sender.hidden), frame


def _existing(session: ChatSession, client_msg_id: str | None) -> Message | None:
    if not client_msg_id:
        return None
    return Message.objects.filter(session=session, client_msg_id=client_msg_id).first()


# --- History ----------------------------------------------------------------------------------


def messages_for(
    access: SessionAccess, *, after_seq: int = 0, limit: int | None = PAGE_SIZE
) -> list[Message]:
    """The caller's view of the chat after ``after_seq``, in seq order.

    The visitor's view leaves out whispers, notes and drafts; staff see everything. One indexed
    range query on (session, seq), whatever the chat's length.
    """
    messages = Message.objects.filter(session_id=access.session.pk, seq__gt=max(after_seq, 0))
    messages = visible_messages(messages, staff=access.is_staff)
    messages = messages.select_related("draft").order_by("seq")
    if limit is not None:
        messages = messages[:limit]
    return list(messages)


def history(
    *, caller: Caller, session_id, after_seq: int = 0, limit: int | None = PAGE_SIZE
) -> tuple[SessionAccess, list[Message]]:
    """Messages the caller may see after ``after_seq``, with their access (for ``last_seq``)."""
    access = get_session_for(caller, session_id)
    return access, messages_for(access, after_seq=after_seq, limit=limit)


def clean_seq(value, *, name: str = "seq") -> int:
    """A non-negative integer from a client frame or query, or InvalidInput."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(
            _("%(name)s must be a non-negative integer.") % {"name": name}, code="invalid_seq"
        )
    return value


def status_for(*, caller: Caller, session_id, change: str = "") -> dict:
    """The chat's ``status`` frame as the caller may see it now (position and wait included
    while it waits)."""
    access = get_session_for(caller, session_id)
    return notify.current_status(access.session, change=change)


# --- Typing and read marks --------------------------------------------------------------------


def _signal_group(session_id, kind: str, *, hidden: bool) -> str:
    """Staff-only typing and hidden observers' signals stay in the staff group."""
    if kind in Message.STAFF_ONLY_KINDS or hidden:
        return realtime.session_staff_group(session_id)
    return realtime.session_group(session_id)


def mark_read(*, caller: Caller, session_id, seq, origin: str = "") -> int:
    """The caller has read the chat up to ``seq``: the others see a read mark, and it is
    stored for the caller's side (never lowered), as the gate was asked anyway."""
    seq = clean_seq(seq)
    access = get_session_for(caller, session_id)
    if seq > access.session.last_seq:
        raise InvalidInput(_("There is no message with that seq yet."), code="invalid_seq")
    hidden = _is_hidden_observer(access)
    frame = realtime.read_frame(seq=seq, author=author_name(access, caller), role=access.role.value)
    group = _signal_group(access.session.pk, Message.Kind.TEXT, hidden=hidden)
    field = _read_field(access.role, hidden=hidden)
    if field is not None:
        _raise_read_mark(ChatSession.objects.filter(pk=access.session.pk), field, seq)
    realtime.publish(group, frame, origin=origin)
    return seq


def _read_field(role: ChatRole, *, hidden: bool) -> str | None:
    """The stored mark a reader moves: the visitor's, or the staff side's that the visitor is
    shown; a hidden observer's reading moves neither."""
    if role == ChatRole.VISITOR:
        return "visitor_read_seq"
    return None if hidden else "staff_read_seq"


def _raise_read_mark(rows, field: str, seq: int) -> bool:
    """One UPDATE that only ever raises the mark, so marks written late or out of order by
    several sockets never take it back."""
    return bool(rows.filter(**{f"{field}__lt": seq}).update(**{field: seq}))


def store_read(sender: Sender, seq: int) -> bool:
    """Store the highest seq a socket's caller marked read (``read_event`` sent it live) for
    their side of the chat: one statement, which writes only while the caller still holds the
    place the gate gave the socket. False when nothing changed (a lower or equal mark, a hidden
    observer, or the caller no longer in the chat)."""
    field = _read_field(sender.role, hidden=sender.hidden)
    if field is None or seq <= 0:
        return False
    rows = ChatSession.objects.filter(sender.admitted, pk=sender.session_id, last_seq__gte=seq)
    return _raise_read_mark(rows, field, seq)
