"""Files in chats: upload one as a message, fetch one back. Thin doors over
``services.conversation.attachments``; the upload is announced on the chat's sockets like any
message."""

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from django.utils.http import content_disposition_header
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from ..services.conversation import attachments, messaging
from ..services.shared import limits
from .auth import caller_of, chat_auth
from .messages import MessageOut

router = Router(tags=["messages"])


@router.post(
    "sessions/{session_id}/attachments",
    auth=chat_auth,
    response={200: MessageOut, 201: MessageOut},
    summary="Send a file",
)
def send_attachment(
    request: HttpRequest,
    session_id: str,
    file: File[UploadedFile] = None,
    client_msg_id: Form[str] = "",
):
    """Multipart ``file`` (and ``client_msg_id``): 201 with the message that carries it; 200
    with the stored one when ``client_msg_id`` was used before. Refused: 400
    ``file_too_large``, ``file_type_not_allowed``, ``empty_file``, ``no_file``."""
    caller = caller_of(request)
    limits.spend_message(caller)
    message, created = attachments.send_attachment(
        caller=caller, session_id=session_id, upload=file, client_msg_id=client_msg_id
    )
    return Status(201 if created else 200, messaging.message_json(message))


@router.get(
    "sessions/{session_id}/attachments/{seq}",
    auth=chat_auth,
    url_name="attachment",
    response={200: None},
    summary="A file sent in the chat",
)
def get_attachment(request: HttpRequest, session_id: str, seq: int):
    """The file, to the chat's participants only (others get 404). Images come inline with
    their sniffed type, anything else as a download; browsers are told not to guess."""
    stored = attachments.attachment_for(caller=caller_of(request), session_id=session_id, seq=seq)
    response = FileResponse(
        default_storage.open(stored.name, "rb"),
        content_type=stored.content_type if stored.inline else "application/octet-stream",
    )
    response["Content-Length"] = str(stored.size)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not stored.inline, filename=stored.file_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
