"""Contributor routes: karma totals, the leaderboard, and the mentoring path.

Thin doors: parse input, call one service in ``services.contributors.karma`` or
``services.contributors.mentoring``, shape the answer. Observing a chat (knock, admit) lives with
the other participant routes.
"""

from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import AuthenticationError

from ..exceptions import NotFound
from ..host import get_host_adapter
from ..services.contributors import karma, mentoring
from ..services.conversation.messaging import message_json
from ..services.shared.cleaning import check_structure
from ..services.shared.people import active_user_named
from .auth import caller_of, chat_auth

router = Router(tags=["contributors"])


# --- Schemas ----------------------------------------------------------------------------------


class KarmaTotals(Schema):
    all_time: int
    last_90_days: int
    this_year: int


class CreditedWork(Schema):
    action: str
    label: str
    points: int
    article_title: str
    article_url: str
    created: str


class KarmaSummary(Schema):
    display_name: str
    profile_url: str
    totals: KarmaTotals
    chats_helped: int
    rating_average: float | None
    articles_improved: int
    titles: list[str]
    recent: list[CreditedWork]


class LeaderboardEntry(Schema):
    rank: int
    display_name: str
    profile_url: str
    points: int
    chats: int


class Leaderboard(Schema):
    period: str
    locale: str | None
    entries: list[LeaderboardEntry]


class Progress(Schema):
    observed: int
    observed_needed: int
    supervised: int
    supervised_needed: int
    ready: bool


class TraineeOut(Schema):
    id: int
    display_name: str
    stage: str
    mentor: str | None
    applied: str
    progress: Progress


class TraineeWithGuide(TraineeOut):
    guide: str


class ApplyIn(Schema):
    motivation: str = ""


class HandOverIn(Schema):
    trainee: int
    supervised: bool = True


class HandOverOut(Schema):
    id: str
    helper: str
    supervised: bool


class ApproveIn(Schema):
    body: str | None = None


class RejectIn(Schema):
    reason: str


class ApprovedMessageOut(Schema):
    seq: int
    author: str
    role: str
    kind: str
    body: str
    client_msg_id: str | None
    created: str


# --- Karma ------------------------------------------------------------------------------------


def _summary(user) -> dict:
    adapter = get_host_adapter()
    summary = karma.profile_summary(user)
    summary["recent"] = [
        {**work, "created": work["created"].isoformat()} for work in summary["recent"]
    ]
    return {
        "display_name": adapter.display_name(user),
        "profile_url": adapter.profile_url(user),
        **summary,
    }


@router.get("karma", response=KarmaSummary, auth=chat_auth)
def my_karma(request: HttpRequest):
    """The caller's own points, chats and recent credited work."""
    caller = caller_of(request)
    if not caller.is_authenticated:
        raise AuthenticationError()
    return _summary(caller.user)


@router.get("karma/leaderboard", response=Leaderboard, auth=None)
def leaderboard(
    request: HttpRequest,
    period: Literal["week", "90d", "all"] = "90d",
    locale: str | None = None,
    limit: int = 10,
):
    """The public leaderboard for the last week, 90 days or all time, optionally per locale."""
    limit = max(1, min(limit, 100))
    entries = karma.leaderboard_entries(period=period, locale=locale or None, limit=limit)
    return {"period": period, "locale": locale or None, "entries": entries}


@router.get("karma/users/{username}", response=KarmaSummary, auth=None)
def user_karma(request: HttpRequest, username: str):
    """A contributor's public karma, as their profile panel shows it."""
    check_structure(username)  # path text skips the body and query parser's check
    return _summary(active_user_named(username))


# --- Mentoring --------------------------------------------------------------------------------


@router.post("trainees", response={200: TraineeWithGuide, 201: TraineeWithGuide}, auth=chat_auth)
def apply(request: HttpRequest, data: ApplyIn):
    """Apply as a trainee (from the console); answers with the short guide. Applying again
    returns the same application with 200."""
    trainee, created = mentoring.apply(caller=caller_of(request), motivation=data.motivation)
    return Status(
        201 if created else 200,
        {**mentoring.trainee_json(trainee), "guide": mentoring.trainee_guide()},
    )


@router.get("trainees/me", response=TraineeWithGuide, auth=chat_auth)
def my_training(request: HttpRequest):
    """The caller's own place on the mentoring path, with the guide."""
    caller = caller_of(request)
    trainee = mentoring.own_trainee(caller.user_id)
    if trainee is None:
        raise NotFound(_("You have not applied as a trainee."), code="not_a_trainee")
    return {**mentoring.trainee_json(trainee), "guide": mentoring.trainee_guide()}


@router.get("trainees", response=list[TraineeOut], auth=chat_auth)
def trainees(request: HttpRequest):
    """A mentor's trainees and the applicants waiting for a mentor."""
    return [mentoring.trainee_json(t) for t in mentoring.trainees_for(caller_of(request))]


@router.post("trainees/{trainee_id}/pair", response=TraineeOut, auth=chat_auth)
def pair(request: HttpRequest, trainee_id: int):
    """The caller becomes this trainee's mentor."""
    return mentoring.trainee_json(mentoring.pair(caller=caller_of(request), trainee_id=trainee_id))


@router.post("trainees/{trainee_id}/propose", response=TraineeOut, auth=chat_auth)
def propose(request: HttpRequest, trainee_id: int):
    """Ask for graduation (the trainee or their mentor); 409 ``not_ready`` until enough chats."""
    return mentoring.trainee_json(
        mentoring.propose(caller=caller_of(request), trainee_id=trainee_id)
    )


@router.post("trainees/{trainee_id}/graduate", response=TraineeOut, auth=chat_auth)
def graduate(request: HttpRequest, trainee_id: int):
    """A mentor confirms graduation: the trainee joins the helpers group."""
    return mentoring.trainee_json(
        mentoring.graduate(caller=caller_of(request), trainee_id=trainee_id)
    )


@router.post("sessions/{session_id}/handover", response=HandOverOut, auth=chat_auth)
def hand_over(request: HttpRequest, session_id: UUID, data: HandOverIn):
    """The chat's helper hands it to their trainee and stays in it as the mentor."""
    session = mentoring.hand_over(
        caller=caller_of(request),
        session_id=session_id,
        trainee_id=data.trainee,
        supervised=data.supervised,
    )
    return {
        "id": str(session.pk),
        "helper": get_host_adapter().display_name(session.helper),
        "supervised": session.supervised,
    }


@router.post(
    "sessions/{session_id}/drafts/{seq}/approve",
    response={200: ApprovedMessageOut, 201: ApprovedMessageOut},
    auth=chat_auth,
)
def approve_draft(request: HttpRequest, session_id: UUID, seq: int, data: ApproveIn):
    """The mentor publishes a trainee's draft to the visitor, as written or with ``body``
    edited; approving again answers 200 with the message already published."""
    message, created = mentoring.approve_draft(
        caller=caller_of(request), session_id=session_id, seq=seq, body=data.body
    )
    return Status(201 if created else 200, message_json(message))


@router.post(
    "sessions/{session_id}/drafts/{seq}/reject",
    response={200: ApprovedMessageOut, 201: ApprovedMessageOut},
    auth=chat_auth,
)
def reject_draft(request: HttpRequest, session_id: str, seq: int, data: RejectIn):
    """The mentor turns a trainee's draft down with ``reason``, a whisper to the trainee; the
    draft is never sent. Rejecting again answers 200 with the same whisper."""
    message, created = mentoring.reject_draft(
        caller=caller_of(request), session_id=session_id, seq=seq, reason=data.reason
    )
    return Status(201 if created else 200, message_json(message))
