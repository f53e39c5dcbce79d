"""The supervisors' live floor view: a shell page; ``static/livechat/floor.js`` fills it from
the floor socket (``/ws/livechat/floor/``) and acts through the HTTP API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from ..conf import livechat_settings
from ..locales import current_locale
from ..services.shared.roles import is_supervisor
from .chat import _page_urls


@never_cache
@ensure_csrf_cookie
@login_required
def floor_page(request: HttpRequest) -> HttpResponse:
    if not is_supervisor(request.user):
        raise PermissionDenied
    locale = current_locale()
    context = {
        "locale": locale,
        "target_minutes": livechat_settings.SERVICE_LEVEL_MINUTES,
        **_page_urls(locale),
    }
    return render(request, "livechat/floor.html", context)
