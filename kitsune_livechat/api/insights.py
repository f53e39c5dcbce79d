"""Insight as JSON: queue and helper stats, the article failure ranking, one article, a focus.

Everything here needs ``livechat.view_insights``; filters are the query parameters ``from``,
``to`` (dates, inclusive), ``product``, ``locale`` and ``queue``.
"""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from ..conf import livechat_settings
from ..exceptions import NotFound
from ..host import get_host_adapter
from ..services.insights import articles, focus_answers, stats
from ..services.insights import breakdown as breakdown_service
from ..services.insights.filters import Filters
from ..services.shared import roles
from .auth import caller_of, chat_auth

router = Router(tags=["insights"])


def _filters(request: HttpRequest, **options) -> Filters:
    roles.require_insights(caller_of(request))
    return Filters.from_params(request.GET, **options)


@router.get("insights/stats", auth=chat_auth, response=dict[str, Any])
def queue_stats(request: HttpRequest):
    """Totals, per-day series, per queue and day, per helper, and ratings for the range."""
    return stats.stats(_filters(request))


@router.get("insights/articles", auth=chat_auth, response=dict[str, Any])
def article_ranking(request: HttpRequest):
    """Articles that fail readers most (chats × failure rate, minimum sample applied)."""
    filters = _filters(request)
    return {
        "filters": filters.as_params(),
        "min_sample": livechat_settings.INSIGHTS_MIN_SAMPLE,
        "articles": articles.article_ranking(filters),
        "solved_instead": articles.wrong_right_pairs(filters.feedback()),
    }


@router.get("insights/articles/{article_id}", auth=chat_auth, response=dict[str, Any])
def article_insight(request: HttpRequest, article_id: int):
    """What chats started from one article say about it."""
    filters = _filters(request)
    adapter = get_host_adapter()
    article = adapter.get_article(article_id, user=request.user)
    if article is None:
        raise NotFound(_("No such article."), code="unknown_article")
    info = adapter.article_info(article)
    return {
        "article": {"id": info.id, "title": info.title, "url": info.url, "locale": info.locale},
        "filters": filters.as_params(),
        **articles.article_insight(filters, article.pk),
    }


@router.get("insights/focuses/{focus_id}", auth=chat_auth, response=dict[str, Any])
def focus_insight(request: HttpRequest, focus_id: int):
    """A focus's answers, counted per answer and per feedback outcome (all its chats unless
    dates are given)."""
    filters = _filters(request, default_days=None)
    focus = focus_answers.focus_by_id(focus_id)
    return {"filters": filters.as_params(), **focus_answers.focus_answers(focus, filters)}


@router.get("insights/breakdown", auth=chat_auth, response=list[dict[str, Any]])
def breakdown(request: HttpRequest, by: str = "tag"):
    """Outcomes and ratings per ``by`` (tag, focus or helper): insight readers and supervisors
    over every chat, helpers over their own. Each row's ``params`` filter ``insights/chats``."""
    filters = Filters.from_params(request.GET)
    return breakdown_service.breakdown(caller=caller_of(request), filters=filters, by=by)


@router.get("insights/chats", auth=chat_auth, response=list[dict[str, Any]])
def chats(request: HttpRequest):
    """The chats behind a figure (the same filters, plus ``tag``, ``focus``, ``helper``),
    newest first, with their tags, outcome and rating."""
    filters = Filters.from_params(request.GET)
    return breakdown_service.chats(caller=caller_of(request), filters=filters)
