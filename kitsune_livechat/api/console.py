"""Helping material: canned responses and KB articles for the contributor console, and
articles that may solve a waiting visitor's problem. Thin doors over
``services.conversation.assist``.
"""

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema

from ..services.conversation import assist
from ..services.shared.site_links import site_url
from .auth import caller_of, chat_auth

router = Router(tags=["console"])


class CannedQuery(Schema):
    locale: str = ""
    q: str = ""


class CannedOut(Schema):
    key: str
    title: str
    body: str
    locale: str
    source: str
    url: str


class LinkOut(Schema):
    title: str
    url: str


class ChatInProgressOut(Schema):
    id: str
    article: LinkOut
    locale: str
    product: str
    helper: str
    assigned_at: datetime | None
    problem: str
    access: str


class KbSearchQuery(Schema):
    q: str = ""
    locale: str = ""
    limit: int = assist.SEARCH_LIMIT


class ArticleOut(Schema):
    id: int
    title: str
    url: str
    locale: str
    products: list[str]


def _article_json(article) -> dict:
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "locale": article.locale,
        "products": list(article.products),
    }


@router.get("canned", auth=chat_auth, response=list[CannedOut], summary="Canned responses")
def list_canned(request: HttpRequest, query: Query[CannedQuery]):
    """Canned responses in ``locale`` where translated (else the default locale), matching
    ``q``: the site's canned-response KB articles and the app's own."""
    return assist.canned_responses(
        caller=caller_of(request), locale=query.locale, query=query.q, base=site_url(request)
    )


@router.get("kb/search", auth=chat_auth, response=list[ArticleOut], summary="Search the KB")
def search_kb(request: HttpRequest, query: Query[KbSearchQuery]):
    """KB articles matching ``q`` in ``locale`` (falling back to the default locale)."""
    articles = assist.search_articles(
        caller=caller_of(request), query=query.q, locale=query.locale, limit=query.limit
    )
    return [_article_json(article) for article in articles]


@router.get(
    "sessions/{session_id}/suggestions",
    auth=chat_auth,
    response=list[ArticleOut],
    summary="Articles for a waiting visitor",
)
def suggestions(request: HttpRequest, session_id: UUID):
    """While the visitor waits: KB articles matching their question (empty once a helper
    joined). "This solved it" is ``POST sessions/{id}/solved``."""
    articles = assist.suggestions_for(caller=caller_of(request), session_id=session_id)
    return [_article_json(article) for article in articles]


@router.get(
    "console/chats",
    auth=chat_auth,
    response=list[ChatInProgressOut],
    summary="Chats in progress",
)
def chats_in_progress(request: HttpRequest):
    """Active chats, for supervisors to observe and trainees to knock on (``access`` says
    where the caller stands); the question only for supervisors."""
    return assist.chats_in_progress(caller=caller_of(request))
