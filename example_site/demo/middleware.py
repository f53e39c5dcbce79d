"""Activate the locale named first in the path (/de/kb/...), as Kitsune's URLs carry it."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.utils import translation

from config.locales import kitsune_locale


class PathLocaleMiddleware:
    """Runs after LocaleMiddleware: a locale in the path beats the cookie and the browser.

    A locale spelled otherwise than Kitsune spells it (/en-us/...) is redirected to its spelling
    (/en-US/...), as Kitsune does.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        first, _slash, rest = request.path_info.lstrip("/").partition("/")
        locale = kitsune_locale(first)
        if locale and locale != first:
            script = request.path[: len(request.path) - len(request.path_info)]
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                f"{script}/{locale}/{rest}" + (f"?{query}" if query else "")
            )
        if locale:
            translation.activate(locale)
            request.LANGUAGE_CODE = locale  # Kitsune spells it like its rows: en-US
        return self.get_response(request)
