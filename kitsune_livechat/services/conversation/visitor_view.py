"""The visitor's view of a chat: which messages they may see, and how a transcript reads.

Whispers, notes and drafts are for staff; the visitor sees text and system messages only, live,
on replay, over HTTP, in the transcript download and email, and in the forum hand-off. Staff
see everything except, in a transcript, drafts that were never sent. Every reader of a chat's
messages filters here, so what the visitor sees cannot differ between them.
"""

from __future__ import annotations

from datetime import tzinfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ...models import ChatSession, Message

# Kinds the visitor sees; everything else is in ``Message.STAFF_ONLY_KINDS``.
VISITOR_KINDS = (Message.Kind.TEXT, Message.Kind.SYSTEM)


def visible_messages(messages: QuerySet, *, staff: bool) -> QuerySet:
    """``messages`` as the caller may read them: staff all, the visitor no staff-only kinds."""
    if staff:
        return messages
    return messages.exclude(kind__in=Message.STAFF_ONLY_KINDS)


def transcript_messages(session: ChatSession, *, staff: bool) -> QuerySet:
    """A transcript's messages in order: the visitor's view, or staff's without drafts."""
    messages = Message.objects.filter(session=session).order_by("seq")
    if staff:
        return messages.exclude(kind=Message.Kind.DRAFT)
    return visible_messages(messages, staff=False)


def visible_transcript(session: ChatSession) -> list[Message]:
    """What the visitor saw of the chat, in order (no whispers, notes or drafts)."""
    if not session.last_seq:
        return []
    return list(session.messages.filter(kind__in=VISITOR_KINDS).order_by("seq"))


def author_label(message: Message) -> str:
    """Who wrote a message, as a transcript names them."""
    return message.author_name or (
        _("Visitor") if message.role == Message.Role.VISITOR else _("Helper")
    )


def transcript_line(message: Message, *, tz: tzinfo, body: str, label: str = "") -> str:
    """One message of a transcript: ``[HH:MM] * body`` for system messages, else
    ``[HH:MM] who (label): body``."""
    when = message.created.astimezone(tz).strftime("%H:%M")
    if message.kind == Message.Kind.SYSTEM:
        return f"[{when}] * {body}"
    suffix = f" ({label})" if label else ""
    return f"[{when}] {author_label(message)}{suffix}: {body}"
