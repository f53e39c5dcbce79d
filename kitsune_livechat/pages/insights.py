"""Insight pages for KB editors and chat operators, and their CSV exports.

Thin doors over ``services.insights`` (figures and export rows), drawn by ``pages.charts`` (SVG
with table views) and streamed by ``pages.downloads`` (CSV). Every page needs
``livechat.view_insights``; the filters (``from``, ``to``, ``product``, ``locale``, ``queue``) are
plain query parameters, so every view is a bookmarkable, JavaScript-free page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ..conf import livechat_settings
from ..exceptions import InvalidInput, NotFound
from ..host import get_host_adapter
from ..locales import site_languages
from ..models import ArticleFeedback, Focus
from ..services.conversation.tags import all_tag_names
from ..services.insights import exports, focus_answers, stats
from ..services.insights.articles import (
    article_insight,
    article_ranking,
    themes,
    trend,
    wrong_right_pairs,
)
from ..services.insights.filters import NO_OUTCOME, Filters, queue_choices
from ..services.line.focus import focus_overview, public_focus
from ..services.shared.roles import reads_insights
from .charts import bar_chart, line_chart
from .chat import forbidden
from .downloads import csv_response


def insights_required(view):
    """Anonymous visitors go to the login page; logged-in users without the permission get 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not reads_insights(request.user):
            return forbidden(
                request, _("The insight pages are for knowledge base editors and operators.")
            )
        try:
            return view(request, *args, **kwargs)
        except InvalidInput as error:
            return HttpResponseBadRequest(error.detail)

    return wrapped


def _page(request: HttpRequest, template: str, filters: Filters, **context) -> HttpResponse:
    query = urlencode(filters.as_params())
    adapter = get_host_adapter()
    context.update(
        filters=filters,
        query=query,
        products=adapter.products(),
        locales=site_languages(),
        queues=queue_choices(),
        tags=all_tag_names(),
    )
    return render(request, template, context)


def _day_label(day) -> str:
    return day.isoformat()


@insights_required
def ranking(request: HttpRequest) -> HttpResponse:
    """The articles that fail users most, with what solved their readers instead."""
    filters = Filters.from_params(request.GET)
    articles = article_ranking(filters)
    pairs = wrong_right_pairs(filters.feedback())
    chart = bar_chart(
        title=_("Failure score of the top articles"),
        description=_("Chats started from the article times the share that the article failed."),
        items=[(row["title"] or str(row["article"]), row["score"]) for row in articles[:10]],
        label_header=_("Article"),
        value_label=_("Score"),
    )
    series = trend(filters)
    trend_chart = line_chart(
        title=_("Chats from articles and failures over time"),
        x_labels=[_day_label(row["start"]) for row in series],
        series=[
            (_("Chats"), [row["chats"] for row in series]),
            (_("Failures"), [row["failures"] for row in series]),
        ],
        x_header=_("Period starting"),
    )
    return _page(
        request,
        "livechat/insights/ranking.html",
        filters,
        articles=articles,
        pairs=pairs,
        chart=chart,
        trend_chart=trend_chart,
        themes=themes(filters.feedback()),
        min_sample=livechat_settings.INSIGHTS_MIN_SAMPLE,
    )


@insights_required
def article(request: HttpRequest, article_id: int) -> HttpResponse:
    """What chats started from one article say about it."""
    adapter = get_host_adapter()
    found = adapter.get_article(article_id, user=request.user)
    if found is None:
        raise Http404(_("No such article."))
    info = adapter.article_info(found)
    filters = Filters.from_params(request.GET)
    insight = article_insight(filters, found.pk)
    labels = dict(ArticleFeedback.Outcome.choices)
    for item in (*insight["missing"], *insight["suggestions"]):
        item["outcome_label"] = labels.get(item["outcome"], item["outcome"])
    outcome_chart = bar_chart(
        title=_("Outcomes of chats from this article"),
        items=[(o["label"], o["count"]) for o in insight["outcomes"]],
        label_header=_("Outcome"),
        value_label=_("Chats"),
    )
    trend_chart = line_chart(
        title=_("Chats and failures over time"),
        x_labels=[_day_label(row["start"]) for row in insight["trend"]],
        series=[
            (_("Chats"), [row["chats"] for row in insight["trend"]]),
            (_("Failures"), [row["failures"] for row in insight["trend"]]),
        ],
        x_header=_("Period starting"),
    )
    terms_chart = bar_chart(
        title=_("Words in “what was missing”"),
        items=[(t["term"], t["count"]) for t in insight["themes"]["terms"]],
        label_header=_("Word"),
        value_label=_("Feedback mentioning it"),
    )
    ratings = insight["ratings"]
    rating_chart = bar_chart(
        title=_("Visitor ratings"),
        items=[(f"{score} / 5", n) for score, n in ratings["scores"].items()],
        label_header=_("Score"),
        value_label=_("Ratings"),
    )
    return _page(
        request,
        "livechat/insights/article.html",
        filters,
        article=info,
        insight=insight,
        outcome_chart=outcome_chart,
        trend_chart=trend_chart,
        terms_chart=terms_chart,
        rating_chart=rating_chart,
    )


@insights_required
def stats_page(request: HttpRequest) -> HttpResponse:
    """Queue and helper figures per day."""
    filters = Filters.from_params(request.GET)
    figures = stats.stats(filters)
    days = figures["days"]
    volume_chart = line_chart(
        title=_("Chats per day"),
        x_labels=[_day_label(d["day"]) for d in days],
        series=[
            (_("Requested"), [d["requested"] for d in days]),
            (_("Answered"), [d["answered"] for d in days]),
            (_("Abandoned"), [d["abandoned"] for d in days]),
            (_("Missed"), [d["missed"] for d in days]),
        ],
        x_header=_("Day"),
    )
    wait_chart = line_chart(
        title=_("Wait until a helper took the chat (seconds)"),
        description=_("Chats answered that day, all queues in the filter."),
        x_labels=[_day_label(d["day"]) for d in days],
        series=[
            (_("Median"), [d["wait_p50"] for d in days]),
            (_("90th percentile"), [d["wait_p90"] for d in days]),
        ],
        x_header=_("Day"),
    )
    helpers_chart = bar_chart(
        title=_("Chats handled per helper"),
        items=[(h["name"], h["chats"]) for h in figures["helpers"][:15]],
        label_header=_("Helper"),
        value_label=_("Chats"),
    )
    return _page(
        request,
        "livechat/insights/stats.html",
        filters,
        figures=figures,
        volume_chart=volume_chart,
        wait_chart=wait_chart,
        helpers_chart=helpers_chart,
    )


@insights_required
def focuses(request: HttpRequest) -> HttpResponse:
    """Every focus campaign and how many chats it collected."""
    filters = Filters()
    rows = focus_overview()
    return _page(request, "livechat/insights/focuses.html", filters, focuses=rows)


@insights_required
def focus(request: HttpRequest, focus_id: int) -> HttpResponse:
    """A focus's pre-chat answers, counted per answer and per feedback outcome."""
    found = _focus(focus_id)
    filters = Filters.from_params(request.GET, default_days=None)
    result = focus_answers.focus_answers(found, filters)
    outcome_labels = dict(ArticleFeedback.Outcome.choices)
    outcome_labels[NO_OUTCOME] = _("No feedback")
    for question in result["questions"]:
        for answer in question["answers"]:
            answer["outcome_counts"] = [answer["outcomes"][key] for key in result["outcomes"]]
        question["chart"] = bar_chart(
            title=_("Chats per answer"),
            items=[(a["label"], a["count"]) for a in question["answers"]],
            label_header=_("Answer"),
            value_label=_("Chats"),
        )
    return _page(
        request,
        "livechat/insights/focus.html",
        filters,
        focus=found,
        shown=public_focus(found),
        result=result,
        outcome_columns=[(key, outcome_labels[key]) for key in result["outcomes"]],
    )


@insights_required
def export(request: HttpRequest, kind: str) -> HttpResponse:
    """CSV downloads: ``feedback``, ``stats``, ``chats`` (one row per chat) or ``focus`` (with
    ``?focus=<id>``)."""
    if kind == "feedback":
        return csv_response(exports.feedback_export(Filters.from_params(request.GET)))
    if kind == "stats":
        return csv_response(exports.stats_export(Filters.from_params(request.GET)))
    if kind == "chats":
        return csv_response(exports.chats_export(Filters.from_params(request.GET)))
    if kind == "focus":
        found = _focus(_int(request.GET.get("focus")))
        filters = Filters.from_params(request.GET, default_days=None)
        return csv_response(exports.focus_answers_export(found, filters))
    raise Http404(_("No such export."))


def _focus(focus_id: int) -> Focus:
    try:
        return focus_answers.focus_by_id(focus_id)
    except NotFound:
        raise Http404(_("No such focus.")) from None


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404(_("No such focus.")) from None
