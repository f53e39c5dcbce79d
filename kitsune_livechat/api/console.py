"""Tools of the contributor console: canned responses and KB articles to send as links.

Thin doors over ``services.canned``.
"""

from django.http import HttpRequest
from ninja import Query, Router, Schema

from ..services import canned
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


class SearchQuery(Schema):
    q: str = ""
    locale: str = ""
    limit: int = canned.SEARCH_LIMIT


class ArticleOut(Schema):
    id: int
    title: str
    url: str
    locale: str
    products: list[str]


@router.get("canned", auth=chat_auth, response=list[CannedOut], summary="Canned responses")
def list_canned(request: HttpRequest, query: Query[CannedQuery]):
    """Canned responses in ``locale`` where translated (else the default locale), matching
    ``q``: the site's canned-response KB articles and the app's own."""
    return canned.canned_responses(caller=caller_of(request), locale=query.locale, query=query.q)


@router.get("kb/search", auth=chat_auth, response=list[ArticleOut], summary="Search the KB")
def search_kb(request: HttpRequest, query: Query[SearchQuery]):
    """KB articles matching ``q`` in ``locale`` (falling back to the default locale)."""
    articles = canned.search_articles(
        caller=caller_of(request), query=query.q, locale=query.locale, limit=query.limit
    )
    return [
        {
            "id": a.id,
            "title": a.title,
            "url": a.url,
            "locale": a.locale,
            "products": list(a.products),
        }
        for a in articles
    ]
