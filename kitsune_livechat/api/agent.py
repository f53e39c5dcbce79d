"""Contributor routes: presence and capacity, heartbeat, the queue, claiming, own chats and
whom to transfer to (docs/http-api.md). Thin doors over ``services.line.assignment``
(the queue listing: ``lifecycle.helper_queue``)."""

from django.http import HttpRequest
from ninja import Router, Schema

from ..services.conversation.presenters import session_json
from ..services.line import assignment, lifecycle
from ..services.shared.access import ChatRole, SessionAccess
from .auth import caller_of, chat_auth
from .sessions import ArticleRef, BrowserOut, SessionOut, VisitorOut

router = Router(tags=["agent"])


class StatusIn(Schema):
    status: str
    capacity: int | None = None
    queues: list[str] | None = None
    locales: list[str] | None = None


class AgentOut(Schema):
    status: str
    available: bool
    capacity: int
    active: int
    queues: list[str]
    locales: list[str]
    last_seen: str | None


class QueueItemOut(Schema):
    id: str
    queue: str
    locale: str
    product: str
    problem: str
    article: ArticleRef
    browser: BrowserOut
    visitor: VisitorOut
    created: str
    waited_seconds: int
    long_wait: bool
    preferred: bool


class QueueOut(Schema):
    chats: list[QueueItemOut]
    count: int
    agent: AgentOut


class ClaimIn(Schema):
    session: str | None = None


class HelperOut(Schema):
    username: str
    display_name: str
    active: int
    capacity: int
    free: int


def _user(request: HttpRequest):
    return caller_of(request).account


@router.get("agent/status", auth=chat_auth, response=AgentOut, summary="My status")
def my_status(request: HttpRequest):
    return assignment.agent_json(assignment.my_status(user=_user(request)))


@router.put("agent/status", auth=chat_auth, response=AgentOut, summary="Set my status")
def set_status(request: HttpRequest, payload: StatusIn):
    """online / away / offline, with optional capacity, queues (slugs; empty list: all) and
    locales (empty list: all)."""
    row = assignment.set_agent_status(
        user=_user(request),
        status=payload.status,
        capacity=payload.capacity,
        queues=payload.queues,
        locales=payload.locales,
    )
    return assignment.agent_json(row)


@router.post("agent/heartbeat", auth=chat_auth, response=AgentOut, summary="Heartbeat")
def heartbeat(request: HttpRequest):
    """Keeps an online helper online; send it at least every LIVECHAT_HEARTBEAT_TIMEOUT / 2."""
    return assignment.agent_json(assignment.heartbeat(user=_user(request)))


@router.get("agent/queue", auth=chat_auth, response=QueueOut, summary="Waiting chats")
def waiting(request: HttpRequest):
    """The waiting chats the caller may take (their queues and locales), oldest first."""
    return lifecycle.helper_queue(user=_user(request))


@router.post("agent/claim", auth=chat_auth, response=SessionOut, summary="Take a chat")
def claim(request: HttpRequest, payload: ClaimIn):
    """``session``: take this one; none: take the next (oldest) chat the caller may take."""
    taken = assignment.take_chat(user=_user(request), session_id=payload.session)
    return session_json(SessionAccess(taken.session, ChatRole.HELPER), helpers=taken.helpers)


@router.get("agent/chats", auth=chat_auth, response=list[SessionOut], summary="My chats")
def my_chats(request: HttpRequest):
    """The chats the caller holds now, oldest first."""
    return [
        session_json(SessionAccess(session, ChatRole.HELPER))
        for session in assignment.chats_of(user=_user(request))
    ]


@router.get("agent/helpers", auth=chat_auth, response=list[HelperOut], summary="Helpers online")
def helpers(request: HttpRequest):
    """Other helpers online, most free seats first: whom a chat can be transferred to."""
    return assignment.online_helpers_for_transfer(user=_user(request))
