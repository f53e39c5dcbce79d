"""Storing chat messages: every message gets the next per-session ``seq`` in the transaction
that stores it, a repeated ``client_msg_id`` returns the stored message, and the broadcast
happens only after commit. Replaying ``seq > after_seq`` from the database is therefore
always complete.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .. import realtime
from ..models import ChatSession, Message


def message_json(message: Message) -> dict:
    """The protocol's message object (DESIGN.md §5): a display name, never an email or id."""
    return {
        "seq": message.seq,
        "author": message.author_name,
        "role": message.role,
        "kind": message.kind,
        "body": message.body,
        "client_msg_id": message.client_msg_id,
        "created": message.created.isoformat(),
    }


def publish_message(message: Message) -> None:
    """Staff-only kinds go to the staff group only, so no visitor connection ever gets them."""
    frame = {"type": "message", **message_json(message)}
    if message.kind in Message.STAFF_ONLY_KINDS:
        realtime.publish(realtime.session_staff_group(message.session_id), frame)
    else:
        realtime.publish(realtime.session_group(message.session_id), frame)


def store_message(
    *,
    session_id,
    body: str,
    role: str,
    kind: str = Message.Kind.TEXT,
    author=None,
    author_name: str = "",
    client_msg_id: str | None = None,
) -> tuple[Message, bool]:
    """Store one message with the next seq; returns (message, created).

    The seq counter lives on the session row and is bumped with an UPDATE, which takes the row
    lock until commit, so concurrent senders get consecutive seqs. A retried ``client_msg_id``
    finds the stored message instead of creating a copy, even when two retries race.
    """
    if client_msg_id:
        existing = Message.objects.filter(session_id=session_id, client_msg_id=client_msg_id)
        if found := existing.first():
            return found, False
    try:
        with transaction.atomic():
            ChatSession.objects.filter(pk=session_id).update(last_seq=F("last_seq") + 1)
            seq = ChatSession.objects.values_list("last_seq", flat=True).get(pk=session_id)
            message = Message.objects.create(
                session_id=session_id,
                seq=seq,
                client_msg_id=client_msg_id or None,
                author=author,
                author_name=author_name,
                role=role,
                kind=kind,
                body=body,
                created=timezone.now(),
            )
    except IntegrityError:
        if not client_msg_id:
            raise
        # The same client_msg_id won a race against us: answer with the stored one.
        return Message.objects.get(session_id=session_id, client_msg_id=client_msg_id), False
    publish_message(message)
    return message, True


def post_system_message(session: ChatSession, body: str) -> Message:
    """A line everyone in the chat sees: assignments, transfers, joins, endings."""
    message, _ = store_message(
        session_id=session.pk, body=body, role=Message.Role.SYSTEM, kind=Message.Kind.SYSTEM
    )
    return message
