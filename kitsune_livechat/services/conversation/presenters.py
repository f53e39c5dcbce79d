"""The JSON shapes of a chat: the session JSON of docs/http-api.md (API answers, console) and a
waiting chat as the helpers' queue lists it. Shaping only; the services decide what changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ... import realtime
from ...models import ChatSession
from ..line.availability import position_and_wait
from ..line.focus import answers_shown
from ..line.handoff import FALLBACKS
from ..shared.access import ChatRole, SessionAccess
from .roster import visible_people


def may_hand_off(session: ChatSession) -> bool:
    """The visitor may still follow up in the forum or by email: not while a helper chats with
    them, and a chat becomes one forum question at most."""
    return session.status != ChatSession.Status.ACTIVE and not session.handoff_question_id


def session_json(
    access: SessionAccess,
    *,
    token: str | None = None,
    helpers: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The session JSON of docs/http-api.md, with the form, browser and hand-off for the UI.

    Staff also see who the visitor is (by the name they gave, never an account id or email).
    ``helpers``: the visible people, when the caller read them in the same request.
    """
    session = access.session
    position, wait = position_and_wait(session)
    data: dict[str, Any] = {
        "id": str(session.pk),
        "status": session.status,
        "position": position,
        "wait_seconds": wait,
        "article": {
            "id": session.article_id,
            "title": session.article_title,
            "url": session.article_url,
            "revision_id": session.article_revision_id,
        },
        "queue": session.queue.slug,
        "helpers": visible_people(session) if helpers is None else helpers,
        "created": session.created.isoformat(),
        "role": str(access.role),
        "locale": session.locale,
        "product": session.product,
        "focus": session.focus.slug if session.focus_id and session.focus else None,
        "form": {
            "problem": session.problem,
            "started_when": session.started_when,
            "frequency": session.frequency,
            "on_affected_computer": session.on_affected_computer,
            "answers": session.answers,
        },
        "browser": {
            "browser": session.browser,
            "version": session.browser_version,
            "os": session.os,
        },
        "assigned_at": session.assigned_at.isoformat() if session.assigned_at else None,
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "end_reason": session.end_reason,
        "handoff": {
            "question_id": session.handoff_question_id,
            "url": session.handoff_url,
            "followup_email": session.followup_email if access.role == ChatRole.VISITOR else "",
        },
        "fallback": list(FALLBACKS) if may_hand_off(session) else [],
        "follow_up_of": str(session.follow_up_of_id) if session.follow_up_of_id else None,
        "read": realtime.read_marks(session),
    }
    if access.is_staff:
        data["visitor"] = {"display_name": session.visitor_name or _("Visitor")}
        data["form"]["user_agent"] = session.user_agent
        if session.focus_id and session.focus:
            # The campaign by its title, and answers by their questions' labels, not keys.
            data["focus_title"] = session.focus.title
            data["form"]["answers_shown"] = answers_shown(session)
    if token:
        data["token"] = token
    return data


def queue_item_json(
    session: ChatSession, *, now: datetime | None = None, viewer_id: int | None = None
) -> dict[str, Any]:
    """A waiting chat as the helpers' queue lists it: what they need to pick one.

    ``preferred`` tells the viewing helper that the visitor asked for them by name.
    """
    now = now or timezone.now()
    waited = max(int((now - session.created).total_seconds()), 0)
    return {
        "id": str(session.pk),
        "queue": session.queue.slug,
        "locale": session.locale,
        "product": session.product,
        "problem": session.problem,
        "article": {
            "id": session.article_id,
            "title": session.article_title,
            "url": session.article_url,
        },
        "browser": {
            "browser": session.browser,
            "version": session.browser_version,
            "os": session.os,
        },
        "visitor": {"display_name": session.visitor_name or _("Visitor")},
        "created": session.created.isoformat(),
        "waited_seconds": waited,
        "long_wait": waited >= session.queue.long_wait,
        "preferred": viewer_id is not None and session.preferred_helper_id == viewer_id,
    }
