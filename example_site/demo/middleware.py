"""Activate the locale named first in the path (/de/kb/...), as Kitsune's URLs carry it."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from config.locales import kitsune_locale


class PathLocaleMiddleware:
    """Runs after LocaleMiddleware: a locale in the path beats the cookie and the browser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        locale = kitsune_locale(request.path_info.lstrip("/").split("/", 1)[0])
        if locale:
            translation.activate(locale)
            request.LANGUAGE_CODE = locale  # Kitsune spells it like its rows: en-US
        return self.get_response(request)
