"""Screenshots and small files sent in a chat.

A file is a message: it gets the next ``seq`` like any other, is announced over the chat's
sockets after commit and comes back on replay, so nothing about delivery is special. Its type
is decided by sniffing its first bytes, never by its name or the browser's word, and only the
types in ``LIVECHAT_ATTACHMENT_TYPES`` are accepted (no HTML, no SVG: nothing that can run
script when opened). It is stored through Django's storage API under a random name and served
only through the access gate, with headers that stop browsers from guessing another type.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from ...conf import livechat_settings
from ...exceptions import Conflict, Forbidden, InvalidInput, NotFound
from ...models import Message
from ..shared.access import Caller, ChatRole, get_session_for
from ..shared.roles import message_kind_for
from .messaging import (
    _clean_client_msg_id,
    _is_hidden_observer,
    _require_kind,
    _same_sender,
    author_name,
    store_message,
)

# Signatures of the types a chat accepts: (content type, offset, magic bytes).
SIGNATURES = (
    ("image/png", 0, b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", 0, b"\xff\xd8\xff"),
    ("image/gif", 0, b"GIF87a"),
    ("image/gif", 0, b"GIF89a"),
    ("image/webp", 8, b"WEBP"),
    ("application/pdf", 0, b"%PDF-"),
)
# Shown inline in the chat; everything else is offered as a download.
INLINE_IMAGES = ("image/png", "image/jpeg", "image/gif", "image/webp")
SNIFF_BYTES = 2048
UNSAFE_NAME = re.compile(r"[^\w.\- ]+")


@dataclass(frozen=True)
class StoredFile:
    """What is needed to send a file back: where it is, and how to label it."""

    name: str
    file_name: str
    content_type: str
    size: int
    inline: bool


def sniff(head: bytes) -> str:
    """The content type ``head`` (a file's first bytes) really is, or "" when unknown.

    Text counts as ``text/plain`` when it decodes as UTF-8, has no NUL byte and does not start
    like markup (``<``), so an HTML or SVG file renamed to ``.txt`` is still refused.
    """
    for content_type, offset, magic in SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            if content_type == "image/webp" and head[:4] != b"RIFF":
                continue
            return content_type
    if b"\x00" in head or head.lstrip()[:1] == b"<":
        return ""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start < len(head) - 3:
            return ""
    return "text/plain" if head.strip() else ""


def clean_file_name(name: str, content_type: str) -> str:
    """A display name with no path and no odd characters, ending in the type's extension."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    stem, _dot, _ext = base.rpartition(".") if "." in base else (base, "", "")
    stem = UNSAFE_NAME.sub("_", stem).strip("._ ")[:100] or "file"
    extension = {
        "image/png": "png",
        "image/jpeg": "jpg",
        "image/gif": "gif",
        "image/webp": "webp",
        "application/pdf": "pdf",
        "text/plain": "txt",
    }[content_type]
    return f"{stem}.{extension}"


def _check_upload(upload) -> tuple[str, int]:
    """(content type, size) of an upload the settings allow, or InvalidInput."""
    if upload is None:
        raise InvalidInput(_("Choose a file to send."), code="no_file")
    size = upload.size or 0
    limit = livechat_settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise InvalidInput(
            _("The file is too large (at most %(size)s).") % {"size": _human_size(limit)},
            code="file_too_large",
        )
    if size == 0:
        raise InvalidInput(_("The file is empty."), code="empty_file")
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    content_type = sniff(head)
    if not content_type or content_type not in livechat_settings.ATTACHMENT_TYPES:
        raise InvalidInput(
            _(
                "This kind of file cannot be sent. Send a picture (PNG, JPEG, GIF, WebP), a PDF "
                "or a text file."
            ),
            code="file_type_not_allowed",
        )
    return content_type, size


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(size // 1024, 1)} KB"


def send_attachment(
    *, caller: Caller, session_id, upload, client_msg_id=None
) -> tuple[Message, bool]:
    """Send ``upload`` (a Django ``UploadedFile``) to the chat as a message; (message, created).

    Checked before anything is stored: size, sniffed type, then (under the chat's row lock) the
    caller's access, that they may write to the visitor, and that the chat is open. The file is
    saved first and removed again if the message is not stored, so a refused or repeated send
    leaves nothing behind. A repeated ``client_msg_id`` answers with the stored message.
    """
    content_type, size = _check_upload(upload)
    client_msg_id = _clean_client_msg_id(client_msg_id)
    file_name = clean_file_name(getattr(upload, "name", ""), content_type)
    stored_name = default_storage.save(
        f"livechat/attachments/{session_id}/{uuid.uuid4().hex}", upload
    )
    created = False
    try:
        with transaction.atomic():
            access = get_session_for(caller, session_id, for_update=True)
            _require_kind(access, Message.Kind.TEXT)
            if _is_hidden_observer(access):
                # A file cannot be whispered: it would reach the visitor from someone unseen.
                raise Forbidden(
                    _("Join the chat visibly before sending files."), code="hidden_observer"
                )
            session = access.session
            if message_kind_for(session, caller.user, Message.Kind.TEXT) != Message.Kind.TEXT:
                # A supervised trainee's words wait for approval; a file cannot be edited.
                raise Conflict(_("Files cannot be sent in a supervised chat."), code="supervised")
            existing = (
                Message.objects.filter(session=session, client_msg_id=client_msg_id).first()
                if client_msg_id
                else None
            )
            if existing is None and not session.is_open:
                raise Conflict(_("This chat is over."), code="chat_closed")
            if existing is not None:
                message = existing
            else:
                message, created = store_message(
                    session_id=session.pk,
                    body=file_name,
                    role=Message.Role(access.role.value),
                    author=caller.account,
                    author_name=author_name(access, caller),
                    client_msg_id=client_msg_id,
                    first_response=access.role == ChatRole.HELPER,
                    attachment={
                        "file": stored_name,
                        "file_name": file_name,
                        "file_type": content_type,
                        "file_size": size,
                    },
                )
            if not created and not _same_sender(message, access, caller):
                raise Conflict(
                    _("This client_msg_id is already used in this chat."),
                    code="client_msg_id_taken",
                )
    finally:
        if not created:
            default_storage.delete(stored_name)
    return message, created


def attachment_for(*, caller: Caller, session_id, seq) -> StoredFile:
    """The file of message ``seq`` if the caller may see that message; NotFound otherwise.

    Someone else's chat, a message the visitor may not see (a whisper) and a message without a
    file all look the same: not found.
    """
    try:
        access = get_session_for(caller, session_id)
    except NotFound:
        raise NotFound(_("No such file.")) from None
    messages = Message.objects.filter(session_id=access.session.pk, seq=seq).exclude(file="")
    if not access.is_staff:
        messages = messages.exclude(kind__in=Message.STAFF_ONLY_KINDS)
    message = messages.only("file", "file_name", "file_type", "file_size").first()
    if message is None or not default_storage.exists(message.file.name):
        raise NotFound(_("No such file."))
    return StoredFile(
        name=message.file.name,
        file_name=message.file_name,
        content_type=message.file_type,
        size=message.file_size or 0,
        inline=message.file_type in INLINE_IMAGES,
    )


def delete_files(names: list[str]) -> None:
    """Remove stored files (retention); a file already gone is no error."""
    for name in names:
        if name:
            default_storage.delete(name)
