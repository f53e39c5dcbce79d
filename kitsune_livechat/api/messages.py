"""Message and participant routes: the HTTP side of what the chat socket does (docs/http-api.md).

Thin doors: parse input, call one service in ``services.conversation.messaging`` or
``services.conversation.participants``, shape the answer. Clients without sockets send and poll
here; a retried send with the same ``client_msg_id`` answers 200 with the stored message.
"""

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from ..models import Message
from ..services.conversation import messaging, participants, roster
from ..services.shared import limits
from .auth import caller_of, chat_auth

router = Router(tags=["messages"])


# --- Schemas ----------------------------------------------------------------------------------


class MessageIn(Schema):
    body: str
    client_msg_id: str | None = None
    kind: str = Message.Kind.TEXT


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int | None
    image: bool
    url: str


class MessageOut(Schema):
    seq: int
    author: str
    role: str
    kind: str
    body: str
    html: str
    client_msg_id: str | None
    created: str
    attachment: AttachmentOut | None = None
    # Supervised chats: the trainee's draft this message publishes (text) or turns down (whisper).
    draft_seq: int | None = None


class HistoryQuery(Schema):
    after_seq: int = 0
    limit: int = messaging.PAGE_SIZE


class ReadIn(Schema):
    seq: int


class ReadOut(Schema):
    seq: int


class UserIn(Schema):
    user: str


class PersonOut(Schema):
    display_name: str
    role: str
    username: str | None = None
    state: str | None = None
    visible: bool | None = None


class SessionRef(Schema):
    id: str
    status: str
    queue: int
    locale: str
    product: str
    problem: str
    article: dict
    created: str


class InvitationOut(Schema):
    session: SessionRef
    by: str
    role: str
    created: str


def _person(participant) -> dict:
    return roster.participant_json(participant)


# --- Messages ---------------------------------------------------------------------------------


@router.post(
    "sessions/{session_id}/messages",
    auth=chat_auth,
    response={200: MessageOut, 201: MessageOut},
    summary="Send a message",
)
def send_message(request: HttpRequest, session_id: UUID, payload: MessageIn):
    """201 with the new message; 200 with the stored one when ``client_msg_id`` was used before."""
    caller = caller_of(request)
    limits.spend_message(caller)
    message, created = messaging.send_message(
        caller=caller,
        session_id=session_id,
        body=payload.body,
        client_msg_id=payload.client_msg_id,
        kind=payload.kind,
    )
    return Status(201 if created else 200, messaging.message_json(message))


@router.get(
    "sessions/{session_id}/messages",
    auth=chat_auth,
    response=list[MessageOut],
    summary="Messages after a seq",
)
def list_messages(request: HttpRequest, session_id: UUID, query: Query[HistoryQuery]):
    """The messages the caller may see with ``seq > after_seq``, in seq order (at most
    ``limit``, up to 500); the visitor never gets whispers or notes."""
    _access, messages = messaging.history(
        caller=caller_of(request),
        session_id=session_id,
        after_seq=max(query.after_seq, 0),
        limit=min(max(query.limit, 1), messaging.PAGE_SIZE),
    )
    return [messaging.message_json(message) for message in messages]


@router.post("sessions/{session_id}/read", auth=chat_auth, response=ReadOut, summary="Read mark")
def mark_read(request: HttpRequest, session_id: UUID, payload: ReadIn):
    """The caller has read up to ``seq``; the chat's sockets show the mark."""
    seq = messaging.mark_read(caller=caller_of(request), session_id=session_id, seq=payload.seq)
    return {"seq": seq}


# --- People in a chat -------------------------------------------------------------------------


@router.get(
    "sessions/{session_id}/participants",
    auth=chat_auth,
    response=list[PersonOut],
    exclude_none=True,
    summary="Who is in the chat",
)
def list_participants(request: HttpRequest, session_id: UUID):
    """Staff see everyone (invited, knocking, hidden monitors); the visitor the visible names."""
    return participants.people_for(caller=caller_of(request), session_id=session_id)


@router.post(
    "sessions/{session_id}/invite", auth=chat_auth, response={201: PersonOut}, summary="Invite"
)
def invite(request: HttpRequest, session_id: UUID, payload: UserIn):
    """Invite another helper (by username) into the chat; they accept from their console."""
    participant = participants.invite(
        caller=caller_of(request), session_id=session_id, username=payload.user
    )
    return Status(201, _person(participant))


@router.post("sessions/{session_id}/join", auth=chat_auth, response=PersonOut, summary="Monitor")
def join(request: HttpRequest, session_id: UUID):
    """Supervisors join to watch, invisible to the visitor until they write to them."""
    participant = participants.join_as_monitor(caller=caller_of(request), session_id=session_id)
    return _person(participant)


@router.post(
    "sessions/{session_id}/knock", auth=chat_auth, response={202: PersonOut}, summary="Knock"
)
def knock(request: HttpRequest, session_id: UUID):
    """A trainee asks to observe; the chat's helper admits or turns them away."""
    participant = participants.knock(caller=caller_of(request), session_id=session_id)
    return Status(202, _person(participant))


@router.post("sessions/{session_id}/admit", auth=chat_auth, response=PersonOut, summary="Admit")
def admit(request: HttpRequest, session_id: UUID, payload: UserIn):
    """Let a knocking trainee in to observe."""
    participant = participants.admit(
        caller=caller_of(request), session_id=session_id, username=payload.user
    )
    return _person(participant)


@router.post(
    "sessions/{session_id}/turn-away", auth=chat_auth, response=PersonOut, summary="Turn away"
)
def turn_away(request: HttpRequest, session_id: UUID, payload: UserIn):
    """Refuse a knocking trainee."""
    participant = participants.turn_away(
        caller=caller_of(request), session_id=session_id, username=payload.user
    )
    return _person(participant)


@router.post("sessions/{session_id}/leave", auth=chat_auth, response=PersonOut, summary="Leave")
def leave(request: HttpRequest, session_id: UUID):
    """An invited helper, monitor or trainee leaves the chat."""
    participant = participants.leave(caller=caller_of(request), session_id=session_id)
    return _person(participant)


# --- Invitations ------------------------------------------------------------------------------


@router.get("invitations", auth=chat_auth, response=list[InvitationOut], summary="Invitations")
def list_invitations(request: HttpRequest):
    """Invitations waiting for the caller's answer, newest first."""
    pending = participants.pending_invitations(caller=caller_of(request))
    return [participants.invitation_json(participant) for participant in pending]


@router.post(
    "invitations/{session_id}/accept", auth=chat_auth, response=PersonOut, summary="Accept"
)
def accept_invitation(request: HttpRequest, session_id: UUID):
    """Join the chat one was invited to: visible to the visitor, announced with a line."""
    participant = participants.accept_invitation(caller=caller_of(request), session_id=session_id)
    return _person(participant)


@router.post(
    "invitations/{session_id}/decline", auth=chat_auth, response=PersonOut, summary="Decline"
)
def decline_invitation(request: HttpRequest, session_id: UUID):
    """Say no to an invitation; the inviter is told."""
    participant = participants.decline_invitation(caller=caller_of(request), session_id=session_id)
    return _person(participant)
