"""Pages: the visitor's chat window, the contributor console, observing a chat, transcripts.

Thin doors. They check who may open the page, pick its language and render a shell; the
screens then speak docs/http-api.md and docs/websocket-protocol.md from the plain
modules in ``static/livechat/``. Chats are loaded only through the access gate.
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.i18n import JavaScriptCatalog

from ..callers import page_caller
from ..conf import livechat_settings
from ..endpoints import api_root
from ..exceptions import NotFound
from ..host import get_host_adapter
from ..locales import current_locale, site_languages, site_locale
from ..models import ArticleFeedback
from ..services.conversation.transcripts import transcript_text
from ..services.shared.access import ChatRole, get_session_for
from ..services.shared.roles import console_role
from ..services.shared.site_links import site_url


def supported_locale(code: str | None) -> str | None:
    """The site's language for ``code`` in any spelling (de, en-us, en-US, de-AT), or None."""
    return site_locale(code, base=True)


def _page_urls(locale: str) -> dict:
    """Where a screen's script finds the API, the sockets and its text catalogue."""
    return {
        "api_root": api_root(),
        "ws_root": livechat_settings.WEBSOCKET_ROOT,
        "jsi18n_url": reverse("livechat:jsi18n", kwargs={"locale": locale}),
        "login_url": resolve_url(settings.LOGIN_URL),
    }


def javascript_catalog(request: HttpRequest, locale: str) -> HttpResponse:
    """The screens' text in ``locale``: a chat window speaks its article's language, which may
    differ from the language the rest of the site was last shown in."""
    locale = supported_locale(locale)
    if locale is None:
        raise Http404("Unknown language.")
    with translation.override(locale):
        response = JavaScriptCatalog.as_view(packages=["kitsune_livechat"])(request)
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _chat_window(
    request: HttpRequest, *, article=None, session_id: str = "", locale: str | None = None
) -> HttpResponse:
    adapter = get_host_adapter()
    info = adapter.article_info(article) if article is not None else None
    user = request.user
    locale = (
        supported_locale(request.GET.get("locale"))
        or locale
        or (info and supported_locale(info.locale))
        or current_locale()
    )
    mode = request.GET.get("mode", "")
    with translation.override(locale):
        context = {
            "article": info,
            "article_product": (
                adapter.product_title(info.products[0]) if info and info.products else ""
            ),
            "session_id": session_id,
            "locale": locale,
            "mode": mode if mode in ("forum", "email") else "",
            "source": request.GET.get("from", "")[:40],
            "visitor_name": adapter.display_name(user) if user.is_authenticated else "",
            "visitor_email": getattr(user, "email", "") if user.is_authenticated else "",
            "is_authenticated": user.is_authenticated,
            "allow_anonymous": livechat_settings.ALLOW_ANONYMOUS,
            "max_length": livechat_settings.MAX_MESSAGE_LENGTH,
            **_page_urls(locale),
        }
        return render(request, "livechat/chat.html", context)


@never_cache
@ensure_csrf_cookie
def chat(request: HttpRequest) -> HttpResponse:
    """The visitor's chat window for an article: availability, the question form, then the chat.

    Opened from the chat button; ``?mode=forum`` or ``?mode=email`` opens the same form as the
    closed-hours fallback.
    """
    article = get_host_adapter().get_article(request.GET.get("article"), user=request.user)
    return _chat_window(request, article=article)


@never_cache
@ensure_csrf_cookie
def chat_session(request: HttpRequest, session_id) -> HttpResponse:
    """The visitor's window for a chat already requested (a reload, or a link back to it).

    A logged-in visitor is checked here; an anonymous visitor's token lives in the browser, so
    the page loads the chat through the API, where the same gate applies.
    """
    if not request.user.is_authenticated:
        return _chat_window(request, session_id=str(session_id))
    try:
        access = get_session_for(page_caller(request), session_id)
    except NotFound:
        raise Http404(_("No such chat.")) from None
    if access.role != ChatRole.VISITOR:
        # Staff open chats in the console; the visitor window is the visitor's.
        raise Http404(_("No such chat."))
    session = access.session
    return _chat_window(
        request,
        article=session.article,
        session_id=str(session.pk),
        locale=supported_locale(session.locale),
    )


def forbidden(request: HttpRequest, detail: str, *, offer_volunteering: bool = False):
    """A 403 page that says why and offers ways on (volunteer, sign in as someone else,
    back to the site), instead of the host's bare "403 Forbidden"."""
    context = {
        **_page_urls(current_locale()),
        "detail": detail,
        "show_volunteer": offer_volunteering,
        "login_url": redirect_to_login(request.get_full_path()).url,
        "locale": current_locale(),
    }
    return render(request, "livechat/403.html", context, status=403)


def _console_page(request: HttpRequest, *, observe_id: str = "") -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    role = console_role(request.user)
    if not role and not observe_id:
        # Not a contributor yet: the way in is the volunteer page (apply, guide, progress).
        return redirect("livechat:volunteer")
    if not role:
        return forbidden(
            request,
            _("You need permission to answer live chats to watch or join this chat."),
            offer_volunteering=True,
        )
    locale = current_locale()
    adapter = get_host_adapter()
    context = {
        "role": role,
        "observe_id": observe_id,
        "display_name": adapter.display_name(request.user),
        "username": request.user.get_username(),
        "products": dict(adapter.products()),
        "locale": locale,
        "languages": site_languages(),
        "capacity": getattr(
            getattr(request.user, "livechat_status", None),
            "capacity",
            livechat_settings.DEFAULT_CAPACITY,
        ),
        "outcomes": ArticleFeedback.Outcome.choices,
        "max_length": livechat_settings.MAX_MESSAGE_LENGTH,
        "auto_away_seconds": livechat_settings.AUTO_AWAY_SECONDS,
        **_page_urls(locale),
    }
    return render(request, "livechat/console.html", context)


@never_cache
@ensure_csrf_cookie
def console(request: HttpRequest) -> HttpResponse:
    """The contributor console: status, the live queue, and one tab per chat."""
    return _console_page(request)


@never_cache
@ensure_csrf_cookie
def observe(request: HttpRequest, session_id) -> HttpResponse:
    """The console opened on one chat: supervisors watch it read-only and whisper to the
    helper; trainees knock and watch once let in. The page shows nothing of the chat by
    itself: the screen loads it through the API, where the access gate decides."""
    return _console_page(request, observe_id=str(session_id))


@never_cache
def transcript(request: HttpRequest, session_id) -> HttpResponse:
    """A plain-text transcript of what the caller may see in the chat, as a download."""
    try:
        access = get_session_for(page_caller(request), session_id)
    except NotFound:
        raise Http404(_("No such chat.")) from None
    with translation.override(supported_locale(access.session.locale) or current_locale()):
        body = transcript_text(access, site_url(request))
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    day = access.session.created.strftime("%Y-%m-%d")
    filename = f"livechat-{day}-{str(access.session.pk)[:8]}.txt"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
