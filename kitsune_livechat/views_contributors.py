"""The public live chat leaderboard page (week, 90 days, all time; per locale)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .services import karma

PERIODS = (("week", _("This week")), ("90d", _("Last 90 days")), ("all", _("All time")))
DEFAULT_PERIOD = "90d"
BOARD_SIZE = 25


def _locale_of(request: HttpRequest) -> str:
    code = (translation.get_language() or settings.LANGUAGE_CODE).lower()
    for language, _name in settings.LANGUAGES:
        if language.lower() == code:
            return language
    return settings.LANGUAGE_CODE


def leaderboard(request: HttpRequest) -> HttpResponse:
    """Top helpers by points; unknown filters fall back to the defaults instead of failing."""
    period = request.GET.get("period", DEFAULT_PERIOD)
    if period not in dict(PERIODS):
        period = DEFAULT_PERIOD
    languages = dict(settings.LANGUAGES)
    chat_locale = request.GET.get("locale", "")
    if chat_locale not in languages:
        chat_locale = ""
    locale = _locale_of(request)
    context = {
        "period": period,
        "periods": PERIODS,
        "chat_locale": chat_locale,
        "languages": settings.LANGUAGES,
        "entries": karma.leaderboard_entries(
            period=period, locale=chat_locale or None, limit=BOARD_SIZE
        ),
        "locale": locale,
        "jsi18n_url": reverse("livechat:jsi18n", kwargs={"locale": locale}),
    }
    return render(request, "livechat/leaderboard.html", context)
