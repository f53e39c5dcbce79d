"""Visitor-side routes: availability, requesting a chat, reading, ending, transferring and
handing it off (docs/http-api.md). Thin doors over ``services.line.placement``, ``lifecycle`` and
``transfer``.

A waiting visitor leaves the queue with ``POST sessions/{id}/end`` (the chat becomes
abandoned); ``POST sessions/{id}/solved`` says a suggested article solved the problem.
"""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from ..services.conversation.presenters import session_json
from ..services.line import lifecycle, moderation, placement
from ..services.line.transfer import transfer_chat
from ..services.shared.access import ChatRole, SessionAccess
from ..services.shared.site_links import site_url
from .auth import caller_of, chat_auth, new_visitor_auth

router = Router(tags=["sessions"])


# --- Schemas ----------------------------------------------------------------------------------


class AvailabilityQuery(Schema):
    article: str
    locale: str | None = None
    product: str | None = None


class FocusQuestionOut(Schema):
    key: str
    label: str
    type: str
    choices: list[str]
    # The choices as the visitor reads them, in the same order (the values when untranslated).
    choice_labels: list[str] = []
    required: bool


class PublicFocusOut(Schema):
    slug: str
    title: str
    description: str
    questions: list[FocusQuestionOut]


class AvailabilityOut(Schema):
    state: str
    reason: str | None
    wait_seconds: int | None
    online: int
    queue: str | None
    focus: PublicFocusOut | None
    fallback: list[str]


class SessionIn(Schema):
    article: int | str
    problem: str = ""
    locale: str | None = None
    product: str | None = None
    started_when: str = ""
    frequency: str = ""
    on_affected_computer: bool | None = None
    preferred_helper: str = ""
    answers: dict[str, Any] = {}
    user_agent: str | None = None
    name: str = ""
    email: str = ""
    fallback: str | None = None
    title: str = ""
    follow_up_of: str | None = None


class ArticleRef(Schema):
    id: int | str | None
    title: str
    url: str
    revision_id: int | None = None


class PersonRef(Schema):
    display_name: str
    role: str | None = None


class FormOut(Schema):
    problem: str
    started_when: str
    frequency: str
    on_affected_computer: bool | None
    answers: dict[str, Any]
    user_agent: str | None = None
    # Staff: the focus answers by their questions' labels, in question order.
    answers_shown: list[dict[str, Any]] | None = None


class BrowserOut(Schema):
    browser: str
    version: str
    os: str


class HandoffOut(Schema):
    question_id: int | None
    url: str
    followup_email: str


class VisitorOut(Schema):
    display_name: str


class ReadMarksOut(Schema):
    # The highest seq each side has read, as stored (live ``read`` frames may be ahead).
    visitor: int
    staff: int


class SessionOut(Schema):
    id: str
    status: str
    position: int | None
    wait_seconds: int | None
    article: ArticleRef
    queue: str
    helpers: list[PersonRef]
    created: str
    role: str
    locale: str
    product: str
    focus: str | None
    form: FormOut
    browser: BrowserOut
    assigned_at: str | None
    ended_at: str | None
    end_reason: str
    handoff: HandoffOut
    fallback: list[str]
    follow_up_of: str | None = None
    read: ReadMarksOut
    visitor: VisitorOut | None = None
    token: str | None = None
    focus_title: str | None = None


class EndIn(Schema):
    reason: str = ""


class SolvedIn(Schema):
    article: int | str


class TransferIn(Schema):
    helper: str | None = None
    queue: str | None = None
    note: str = ""


class HandoffIn(Schema):
    to: str
    email: str = ""
    title: str = ""


class ForumPreviewQuery(Schema):
    title: str = ""


class ForumPreviewOut(Schema):
    title: str
    content: str


# --- Routes -----------------------------------------------------------------------------------


@router.get("availability", auth=None, response=AvailabilityOut, summary="Chat availability")
def availability(request: HttpRequest, query: Query[AvailabilityQuery]):
    """Open, full or closed for an article's queue, the expected wait and helpers online; served
    from a short shared cache while the line does not change."""
    answer = placement.availability_answer(
        article_id=query.article,
        locale=query.locale,
        product=query.product,
        user_agent=request.headers.get("User-Agent", ""),
        user=request.user,
    )
    caller = new_visitor_auth(request)
    if caller is not None and moderation.ban_of(caller) is not None:
        # Chat is closed to a banned visitor, who keeps the forum.
        answer = {**answer, "state": "closed", "reason": "banned", "wait_seconds": None}
        answer["fallback"] = ["forum"]
    return answer


@router.post(
    "sessions",
    auth=new_visitor_auth,
    response={200: SessionOut, 201: SessionOut},
    summary="Request a chat",
)
def request_chat(request: HttpRequest, payload: SessionIn):
    """201 with the new waiting chat (and ``token`` for a new anonymous visitor); 200 with the
    visitor's open chat when they already have one. A closed or full queue answers 409
    (``queue_closed``/``queue_full``) with the fallbacks, unless ``fallback`` takes one."""
    result = lifecycle.request_chat(
        caller=caller_of(request),
        article_id=payload.article,
        problem=payload.problem,
        locale=payload.locale,
        product=payload.product,
        started_when=payload.started_when,
        frequency=payload.frequency,
        on_affected_computer=payload.on_affected_computer,
        preferred_helper=payload.preferred_helper,
        answers=payload.answers,
        user_agent=(
            payload.user_agent
            if payload.user_agent is not None
            else request.headers.get("User-Agent", "")
        ),
        visitor_name=payload.name,
        visitor_email=payload.email,
        fallback=payload.fallback,
        title=payload.title,
        client=request.META.get("REMOTE_ADDR", ""),
        follow_up_of=payload.follow_up_of,
        base=site_url(request),
    )
    access = SessionAccess(result.session, ChatRole.VISITOR)
    return Status(201 if result.created else 200, session_json(access, token=result.token))


@router.get("sessions/{session_id}", auth=chat_auth, response=SessionOut, summary="A chat")
def get_session(request: HttpRequest, session_id: UUID):
    access = lifecycle.get_session(caller=caller_of(request), session_id=session_id)
    return session_json(access)


@router.post("sessions/{session_id}/end", auth=chat_auth, response=SessionOut, summary="End")
def end_chat(request: HttpRequest, session_id: UUID, payload: EndIn):
    """End the chat; a visitor still waiting leaves the queue (abandoned)."""
    access = lifecycle.end_chat(
        caller=caller_of(request), session_id=session_id, reason=payload.reason
    )
    return session_json(access)


@router.post("sessions/{session_id}/solved", auth=chat_auth, response=SessionOut, summary="Solved")
def solved(request: HttpRequest, session_id: UUID, payload: SolvedIn):
    """A suggested article solved it: the visitor leaves the queue, the article is recorded."""
    access = lifecycle.mark_solved(
        caller=caller_of(request), session_id=session_id, article_id=payload.article
    )
    return session_json(access)


@router.post(
    "sessions/{session_id}/transfer", auth=chat_auth, response=SessionOut, summary="Transfer"
)
def transfer(request: HttpRequest, session_id: UUID, payload: TransferIn):
    """To another helper (``helper``: username) or back to a queue (``queue``: slug, or none
    for the chat's own queue)."""
    access = transfer_chat(
        caller=caller_of(request),
        session_id=session_id,
        to_helper=payload.helper,
        to_queue=payload.queue,
        note=payload.note,
    )
    return session_json(access)


@router.post(
    "sessions/{session_id}/handoff", auth=chat_auth, response=SessionOut, summary="Hand off"
)
def handoff(request: HttpRequest, session_id: UUID, payload: HandoffIn):
    """``to: forum`` makes a forum question of the chat; ``to: email`` records ``email``."""
    access = lifecycle.hand_off(
        caller=caller_of(request),
        session_id=session_id,
        to=payload.to,
        email=payload.email,
        title=payload.title,
        base=site_url(request),
    )
    return session_json(access)


@router.get(
    "sessions/{session_id}/handoff/preview",
    auth=chat_auth,
    response=ForumPreviewOut,
    summary="Preview the forum question",
)
def handoff_preview(request: HttpRequest, session_id: str, query: Query[ForumPreviewQuery]):
    """The visitor: the forum question ``handoff`` would publish (title and body), unchanged."""
    return lifecycle.preview_forum_question(
        caller=caller_of(request), session_id=session_id, title=query.title, base=site_url(request)
    )
