"""Past chats as pages: a returning visitor's own chats (with a follow-up link), and the search
over past chats for contributors. Thin doors over ``services.conversation.history``."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache

from ..callers import page_caller
from ..exceptions import Forbidden, InvalidInput
from ..services.conversation import history
from ..services.shared.roles import is_supervisor


def _locale() -> str:
    code = (translation.get_language() or settings.LANGUAGE_CODE).lower()
    for language, _name in settings.LANGUAGES:
        if language.lower() == code:
            return language
    return settings.LANGUAGE_CODE


def _page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    locale = _locale()
    context = {
        **context,
        "locale": locale,
        "jsi18n_url": reverse("livechat:jsi18n", kwargs={"locale": locale}),
    }
    return render(request, template, context)


@never_cache
def my_chats(request: HttpRequest) -> HttpResponse:
    """The signed-in visitor's chats, newest first: open one again, or ask a follow-up."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    chats = history.my_chats(caller=page_caller(request))
    return _page(request, "livechat/my_chats.html", {"chats": chats})


@never_cache
def past_chats(request: HttpRequest) -> HttpResponse:
    """Contributors search the chats they took part in (supervisors: every chat)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    caller = page_caller(request)
    query = request.GET.get("q", "").strip()
    results, error = None, ""
    try:
        history.chats_visible_to(caller)
        if query:
            results = history.search_chats(caller=caller, q=query)
    except Forbidden as refused:
        raise PermissionDenied(refused.detail) from None
    except InvalidInput as invalid:
        error = invalid.detail
    return _page(
        request,
        "livechat/past_chats.html",
        {
            "query": query,
            "results": results,
            "error": error,
            "supervisor": is_supervisor(caller.account),
        },
    )
