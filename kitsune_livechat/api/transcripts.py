"""The transcript by email: a thin door over ``services.conversation.transcripts``."""

from django.http import HttpRequest
from ninja import Router, Schema, Status

from ..services.conversation import transcripts
from ..services.shared.site_links import site_url
from .auth import caller_of, chat_auth

router = Router(tags=["sessions"])


class TranscriptEmailIn(Schema):
    email: str = ""


class TranscriptEmailOut(Schema):
    email: str


@router.post(
    "sessions/{session_id}/transcript/email",
    auth=chat_auth,
    response={202: TranscriptEmailOut},
    summary="Email the transcript",
)
def email_transcript(request: HttpRequest, session_id: str, payload: TranscriptEmailIn):
    """The visitor, once the chat is over: the transcript goes to their account's address, or
    (anonymous visitors) to ``email``; links in it are absolute to this site."""
    address = transcripts.email_transcript(
        caller=caller_of(request),
        session_id=session_id,
        email=payload.email,
        base_url=site_url(request),
    )
    return Status(202, {"email": address})
