"""After the chat: the visitor's rating, the helper's article feedback, and focus campaigns.

Thin doors over ``services.conversation.feedback`` and ``services.line.focus``.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from ..exceptions import NotFound
from ..host import get_host_adapter
from ..models import ArticleFeedback, Focus, Rating
from ..services.conversation import feedback as feedback_service
from ..services.line import focus as focus_service
from .auth import caller_of, chat_auth

router = Router(tags=["feedback"])


# --- Schemas ----------------------------------------------------------------------------------


class RatingIn(Schema):
    score: int
    comment: str = ""
    article_helped: bool | None = None


class RatingOut(Schema):
    score: int
    comment: str
    article_helped: bool | None
    created: datetime


class FeedbackArticleRef(Schema):
    id: int
    title: str
    url: str


class FeedbackIn(Schema):
    outcome: str
    solved_by: int | None = None
    missing: str = ""
    suggested_change: str = ""
    tags: list[str] = []


class FeedbackPatch(Schema):
    outcome: str | None = None
    solved_by: int | None = None
    missing: str | None = None
    suggested_change: str | None = None
    tags: list[str] | None = None


class FeedbackOut(Schema):
    outcome: str
    outcome_label: str
    article: FeedbackArticleRef | None
    revision_id: int | None
    solved_by: FeedbackArticleRef | None
    missing: str
    suggested_change: str
    tags: list[str]
    flagged_for_review: bool
    created: datetime
    updated: datetime
    editable_until: datetime


class Question(Schema):
    key: str
    label: str
    type: str = "text"
    choices: list[Any] = []
    required: bool = False
    labels: dict[str, str] = {}
    choice_labels: dict[str, list[str]] = {}


class FocusOut(Schema):
    id: int
    slug: str
    title: str
    description: str
    is_active: bool
    articles: list[int]
    products: list[str]
    locales: list[str]
    browser_versions: list[str]
    starts: datetime | None
    ends: datetime | None
    capacity: int | None
    queue: str | None
    questions: list[Question]
    chats: int
    collected: int
    answered: int
    state: str


class FocusUpdate(Schema):
    title: str
    description: str = ""
    articles: list[int] = []
    products: list[str] = []
    locales: list[str] = []
    browser_versions: list[str] = []
    starts: datetime | None = None
    ends: datetime | None = None
    capacity: int | None = None
    questions: list[dict[str, Any]] = []
    queue: str = ""


class FocusIn(FocusUpdate):
    slug: str = ""


# --- Shaping ----------------------------------------------------------------------------------


def _article_ref(article_id: int | None, title: str = "", url: str = "") -> dict | None:
    if article_id is None:
        return None
    if not title:
        article = get_host_adapter().get_article(article_id, check_visibility=False)
        if article is not None:
            info = get_host_adapter().article_info(article)
            title, url = info.title, info.url
    return {"id": article_id, "title": title, "url": url}


def feedback_json(feedback: ArticleFeedback) -> dict:
    session = feedback.session
    return {
        "outcome": feedback.outcome,
        "outcome_label": str(feedback.get_outcome_display()),
        "article": _article_ref(feedback.article_id, session.article_title, session.article_url),
        "revision_id": feedback.revision_id,
        "solved_by": _article_ref(feedback.solved_by_id),
        "missing": feedback.missing,
        "suggested_change": feedback.suggested_change,
        "tags": feedback.tags,
        "flagged_for_review": feedback.flagged_for_review,
        "created": feedback.created,
        "updated": feedback.updated,
        "editable_until": feedback_service.feedback_editable_until(feedback),
    }


def rating_json(rating: Rating) -> dict:
    return {
        "score": rating.score,
        "comment": rating.comment,
        "article_helped": rating.article_helped,
        "created": rating.created,
    }


def focus_json(focus: Focus) -> dict:
    return {
        "id": focus.pk,
        "slug": focus.slug,
        "title": focus.title,
        "description": focus.description,
        "is_active": focus.is_active,
        "articles": sorted(a.pk for a in focus.articles.all()),
        "products": focus.products,
        "locales": focus.locales,
        "browser_versions": focus.browser_versions,
        "starts": focus.starts,
        "ends": focus.ends,
        "capacity": focus.capacity,
        "queue": focus.queue.slug if focus.queue_id else None,
        "questions": focus.questions,
        "chats": focus.chats,
        "collected": focus.collected,
        "answered": focus.answered,
        "state": focus_service.focus_state(focus),
    }


# --- Routes -----------------------------------------------------------------------------------


@router.post("sessions/{session_id}/rating", auth=chat_auth, response={201: RatingOut})
def rate_chat(request: HttpRequest, session_id: UUID, payload: RatingIn):
    """The visitor's post-chat survey: once, after the chat ended (409 ``already_rated``)."""
    rating = feedback_service.rate_chat(
        caller=caller_of(request),
        session_id=session_id,
        score=payload.score,
        comment=payload.comment,
        article_helped=payload.article_helped,
    )
    return Status(201, rating_json(rating))


@router.get("sessions/{session_id}/rating", auth=chat_auth, response=RatingOut)
def read_rating(request: HttpRequest, session_id: UUID):
    """The visitor's rating, for the chat's visitor and staff (404 ``not_rated`` before)."""
    return rating_json(
        feedback_service.rating_for(caller=caller_of(request), session_id=session_id)
    )


class FeedbackDueOut(Schema):
    id: UUID
    article_title: str
    problem: str
    ended_at: datetime


@router.get("feedback/due", auth=chat_auth, response=list[FeedbackDueOut])
def feedback_due(request: HttpRequest):
    """The caller's chats of the last week still waiting for their article feedback."""
    return feedback_service.feedback_due(caller=caller_of(request))


@router.get("sessions/{session_id}/feedback", auth=chat_auth, response=FeedbackOut)
def read_feedback(request: HttpRequest, session_id: UUID):
    """The chat's article feedback, for its helpers (404 ``no_feedback`` before it is filed)."""
    feedback = feedback_service.feedback_for(caller=caller_of(request), session_id=session_id)
    if feedback is None:
        raise NotFound(_("No feedback was filed for this chat yet."), code="no_feedback")
    return feedback_json(feedback)


@router.post("sessions/{session_id}/feedback", auth=chat_auth, response={201: FeedbackOut})
def submit_feedback(request: HttpRequest, session_id: UUID, payload: FeedbackIn):
    """The helper's verdict on the chat's article: one per chat."""
    feedback = feedback_service.submit_feedback(
        caller=caller_of(request), session_id=session_id, **payload.dict()
    )
    return Status(201, feedback_json(feedback))


@router.patch("sessions/{session_id}/feedback", auth=chat_auth, response=FeedbackOut)
def edit_feedback(request: HttpRequest, session_id: UUID, payload: FeedbackPatch):
    """Change some fields of one's own feedback while the edit window is open."""
    feedback = feedback_service.edit_feedback(
        caller=caller_of(request), session_id=session_id, **payload.dict(exclude_unset=True)
    )
    return feedback_json(feedback)


@router.get("focuses", auth=chat_auth, response=list[FocusOut])
def list_focuses(request: HttpRequest):
    """Every focus campaign with how many chats it collected (supervisors and staff)."""
    focuses = focus_service.list_focuses(caller=caller_of(request)).select_related("queue")
    return [focus_json(focus) for focus in focuses]


@router.post("focuses", auth=chat_auth, response={201: FocusOut})
def create_focus(request: HttpRequest, payload: FocusIn):
    """Define a focus campaign with its targets and pre-chat questions."""
    focus = focus_service.create_focus(caller=caller_of(request), **payload.dict())
    return Status(201, focus_json(_counted(focus.pk)))


def _counted(focus_id: int) -> Focus:
    focus = focus_service.focus_with_counts(focus_id)
    if focus is None:
        raise NotFound(_("No such focus."), code="unknown_focus")
    return focus


@router.get("focuses/{focus_id}", auth=chat_auth, response=FocusOut)
def read_focus(request: HttpRequest, focus_id: int):
    """One campaign with its state and live counts (chats, collected, answered)."""
    focus_service.require_operator(caller_of(request))
    return focus_json(_counted(focus_id))


@router.put("focuses/{focus_id}", auth=chat_auth, response=FocusOut)
def update_focus(request: HttpRequest, focus_id: int, payload: FocusUpdate):
    """Change a campaign; 409 ``answers_collected`` for an edit that would orphan answers
    (removing a question, changing its type, dropping a choice)."""
    focus_service.update_focus(caller=caller_of(request), focus_id=focus_id, **payload.dict())
    return focus_json(_counted(focus_id))


@router.post("focuses/{focus_id}/{action}", auth=chat_auth, response=FocusOut)
def change_focus_state(request: HttpRequest, focus_id: int, action: str):
    """``pause``, ``resume`` or ``end`` a campaign."""
    focus_service.change_focus_state(caller=caller_of(request), focus_id=focus_id, action=action)
    return focus_json(_counted(focus_id))
