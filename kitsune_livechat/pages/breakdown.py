"""Insight by tag, focus campaign and helper, and the drill-down to the chats behind a bar.

Thin doors over ``services.insights.breakdown``: insight readers and supervisors see every chat,
helpers their own (the service decides). Filters are the insight pages' query parameters plus
``tag``, ``focus`` and ``helper``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..callers import page_caller
from ..exceptions import Forbidden, InvalidInput
from ..host import get_host_adapter
from ..models import ArticleFeedback
from ..services.conversation.tags import all_tag_names
from ..services.insights import breakdown as service
from ..services.insights import exports
from ..services.insights.filters import Filters, queue_choices
from ..services.shared.access import Caller
from ..services.shared.roles import reads_insights
from .charts import bar_chart
from .downloads import csv_response

TITLES = {
    "tag": gettext_lazy("Outcomes and ratings by tag"),
    "focus": gettext_lazy("Outcomes and ratings by focus campaign"),
    "helper": gettext_lazy("Outcomes and ratings by helper"),
}


def _guarded(view):
    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, page_caller(request), *args, **kwargs)
        except Forbidden:
            raise PermissionDenied from None
        except InvalidInput as error:
            return HttpResponseBadRequest(error.detail)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _context(filters: Filters, **context) -> dict:
    return {
        "filters": filters,
        "query": urlencode(filters.as_params()),
        "products": get_host_adapter().products(),
        "locales": settings.LANGUAGES,
        "queues": queue_choices(),
        "tags": all_tag_names(),
        **context,
    }


@_guarded
def breakdown_page(request: HttpRequest, caller: Caller) -> HttpResponse:
    """One bar per tag, campaign or helper; each bar links to its chats."""
    by = request.GET.get("by") or "tag"
    filters = Filters.from_params(request.GET)
    rows = service.breakdown(caller=caller, filters=filters, by=by)
    chats_url = reverse("livechat:insights_chats")
    for row in rows:
        row["url"] = f"{chats_url}?{urlencode({**filters.as_params(), **row['params']})}"
        row["outcome_counts"] = [row["outcomes"][o] for o in ArticleFeedback.Outcome.values]
    title = str(TITLES.get(by, TITLES["tag"]))
    chart = bar_chart(
        title=title,
        description=_("Chats per group; choose a bar to see its chats."),
        items=[(row["label"], row["chats"]) for row in rows],
        label_header=_("Group"),
        value_label=_("Chats"),
        links=[row["url"] for row in rows],
    )
    return render(
        request,
        "livechat/insights/breakdown.html",
        _context(
            filters,
            by=by,
            title=title,
            rows=rows,
            chart=chart,
            outcome_columns=ArticleFeedback.Outcome.choices,
            own_only=service.scope_of(caller) is not None,
            dimensions=[(key, str(TITLES[key])) for key in service.DIMENSIONS],
        ),
    )


@_guarded
def chats_page(request: HttpRequest, caller: Caller) -> HttpResponse:
    """The chats behind a figure, with their tags, outcome and rating."""
    filters = Filters.from_params(request.GET)
    if request.GET.get("format") == "csv":
        service.scope_of(caller)
        if not reads_insights(caller.account):
            raise PermissionDenied
        return csv_response(exports.chats_export(filters))
    rows = service.chats(caller=caller, filters=filters)
    return render(
        request,
        "livechat/insights/chats.html",
        _context(filters, chats=rows, limit=service.CHAT_LIMIT),
    )
