"""Past chats: the visitor's earlier chats beside a chat, searching old chats, a returning
visitor's own list, and follow-ups that link back to the chat they continue.

Who may see which past chat is decided here once:

- a helper in a chat sees a summary of the same visitor's earlier chats (when, the article, how
  it ended, the rating and the article feedback: no messages), because knowing "this is the
  third time about this crash" changes the answer;
- searching finds the chats the caller took part in (as the chat's helper or an active
  participant, the same people the access gate lets in), and every chat for supervisors;
- a signed-in visitor sees their own chats.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from ...exceptions import Forbidden, InvalidInput, NotAuthenticated, NotFound
from ...host import get_host_adapter
from ...models import ChatSession, Message, Participant
from ..shared.access import Caller, ChatRole, get_session_for
from ..shared.roles import is_helper, is_supervisor

HISTORY_LIMIT = 20
SEARCH_LIMIT = 50
MAX_QUERY = 200


def _summary(session: ChatSession, helper_name: str) -> dict[str, Any]:
    rating = getattr(session, "rating", None)
    feedback = getattr(session, "feedback", None)
    return {
        "id": str(session.pk),
        "status": session.status,
        "status_label": str(session.get_status_display()),
        "created": session.created.isoformat(),
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "end_reason": session.end_reason,
        "problem": session.problem,
        "article": {"id": session.article_id, "title": session.article_title},
        "helper": helper_name,
        "rating": (
            {
                "score": rating.score,
                "comment": rating.comment,
                "article_helped": rating.article_helped,
            }
            if rating is not None
            else None
        ),
        "feedback": (
            {"outcome": feedback.outcome, "label": feedback.get_outcome_display()}
            if feedback is not None
            else None
        ),
        "follow_up_of": str(session.follow_up_of_id) if session.follow_up_of_id else None,
    }


def _with_outcomes(chats: QuerySet) -> QuerySet:
    return chats.select_related("rating", "feedback", "helper").order_by("-created")


def summaries(chats) -> list[dict[str, Any]]:
    """Past chats as the screens list them; a missing rating or feedback is None (the
    reverse one-to-one raises an AttributeError subclass, which ``getattr`` turns into None).
    Each helper's display name is looked up once, however many of their chats are listed."""
    adapter = get_host_adapter()
    names: dict[int, str] = {}
    out = []
    for session in chats:
        if session.helper_id and session.helper_id not in names:
            names[session.helper_id] = adapter.display_name(session.helper)
        out.append(_summary(session, names.get(session.helper_id, "")))
    return out


def earlier_chats(*, caller: Caller, session_id) -> list[dict[str, Any]]:
    """The same visitor's other chats, newest first, for the staff of this chat.

    The visitor is the account, or for anonymous visitors the key behind their token; chats
    of visitors without either are never linked.
    """
    access = get_session_for(caller, session_id)
    if not access.is_staff:
        raise Forbidden(_("Only the chat's helpers see the visitor's earlier chats."))
    session = access.session
    if session.visitor_id:
        same_visitor = Q(visitor_id=session.visitor_id)
    elif session.anonymous_key:
        same_visitor = Q(anonymous_key=session.anonymous_key)
    else:
        return []
    chats = ChatSession.objects.filter(same_visitor).exclude(pk=session.pk)
    return summaries(_with_outcomes(chats)[:HISTORY_LIMIT])


def chats_visible_to(caller: Caller) -> QuerySet:
    """Every chat the caller may find in a search: their own as helper or participant; all of
    them for supervisors. Contributors only."""
    if not caller.is_authenticated:
        raise NotAuthenticated()
    if is_supervisor(caller.account):
        return ChatSession.objects.all()
    if not is_helper(caller.account):
        raise Forbidden(_("Only contributors can search past chats."))
    took_part = Participant.objects.filter(
        session=OuterRef("pk"), user_id=caller.user_id, state=Participant.State.ACTIVE
    )
    return ChatSession.objects.filter(Q(helper_id=caller.user_id) | Exists(took_part))


def search_chats(*, caller: Caller, q: str) -> list[dict[str, Any]]:
    """Past chats the caller may see whose question, article, visitor name or messages (those
    the visitor saw) contain every word of ``q``; newest first."""
    words = (q or "").split()
    if not words or len(q) > MAX_QUERY:
        raise InvalidInput(
            _("Search for one or more words (at most %(limit)d characters).")
            % {"limit": MAX_QUERY},
            code="invalid_query",
        )
    chats = chats_visible_to(caller)
    for word in words:
        said = Message.objects.filter(
            session=OuterRef("pk"), body__icontains=word, kind=Message.Kind.TEXT
        )
        chats = chats.filter(
            Q(problem__icontains=word)
            | Q(article_title__icontains=word)
            | Q(visitor_name__icontains=word)
            | Exists(said)
        )
    return summaries(_with_outcomes(chats)[:SEARCH_LIMIT])


def my_chats(*, caller: Caller) -> list[dict[str, Any]]:
    """A signed-in visitor's own chats, newest first."""
    if not caller.is_authenticated:
        raise NotAuthenticated()
    chats = ChatSession.objects.filter(visitor_id=caller.user_id)
    return summaries(_with_outcomes(chats)[:HISTORY_LIMIT])


def follow_up_target(caller: Caller, session_id) -> ChatSession:
    """The caller's own finished chat that a new chat follows up on, or InvalidInput.

    Someone else's chat and a missing one are refused alike; an open chat cannot be followed
    up (it is still going on).
    """
    try:
        access = get_session_for(caller, session_id)
    except NotFound:
        access = None
    if access is None or access.role != ChatRole.VISITOR or access.session.is_open:
        raise InvalidInput(
            _("You can only follow up on one of your own finished chats."),
            code="invalid_follow_up",
        )
    return access.session
