"""Past chats: beside a chat, searched, and a returning visitor's own. Thin doors over
``services.conversation.history``, where the rules of who sees what live."""

from django.http import HttpRequest
from ninja import Query, Router, Schema

from ..services.conversation import history
from .auth import caller_of, chat_auth

router = Router(tags=["history"])


class PastArticle(Schema):
    id: int | str | None
    title: str


class PastRating(Schema):
    score: int
    comment: str
    article_helped: bool | None


class PastFeedback(Schema):
    outcome: str
    label: str


class PastChatOut(Schema):
    id: str
    status: str
    status_label: str
    created: str
    ended_at: str | None
    end_reason: str
    problem: str
    article: PastArticle
    helper: str
    rating: PastRating | None
    feedback: PastFeedback | None
    follow_up_of: str | None


class PastChatSearchQuery(Schema):
    q: str = ""


@router.get(
    "sessions/{session_id}/history",
    auth=chat_auth,
    response=list[PastChatOut],
    summary="The visitor's earlier chats",
)
def earlier_chats(request: HttpRequest, session_id: str):
    """For the chat's helpers and observers: the same visitor's other chats, newest first, with
    how each ended, its rating and article feedback (no messages)."""
    return history.earlier_chats(caller=caller_of(request), session_id=session_id)


@router.get("history", auth=chat_auth, response=list[PastChatOut], summary="Search past chats")
def search(request: HttpRequest, query: Query[PastChatSearchQuery]):
    """Contributors: chats they took part in (supervisors: all) matching every word of ``q`` in
    the question, article, visitor name or what was said; newest first, at most 50."""
    return history.search_chats(caller=caller_of(request), q=query.q)


@router.get("my/chats", auth=chat_auth, response=list[PastChatOut], summary="My past chats")
def my_chats(request: HttpRequest):
    """A signed-in visitor's own chats, newest first."""
    return history.my_chats(caller=caller_of(request))
