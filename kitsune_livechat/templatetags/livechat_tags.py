"""Template tags for host pages rendered by Django templates: ``{% load livechat_tags %}``."""

from typing import Any
from urllib.parse import urlencode

from django import template
from django.http import HttpRequest
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ..endpoints import api_root
from ..locales import current_locale, site_locale
from ..services.contributors.karma import profile_summary

register = template.Library()


def nonce_attribute(request: HttpRequest | None) -> SafeString:
    """`` nonce="…"`` for a script or style tag when the host sends a Content-Security-Policy
    nonce (django-csp's ``request.csp_nonce``, as Kitsune does), else nothing: a policy without
    ``'self'`` for scripts or ``'unsafe-inline'`` for styles then still runs ours."""
    # django-csp's lazy nonce is falsy until read, and reading it is what puts it in the header.
    nonce = getattr(request, "csp_nonce", None) if request is not None else None
    return format_html(' nonce="{}"', str(nonce)) if nonce is not None else mark_safe("")


@register.simple_tag(takes_context=True)
def livechat_nonce(context) -> SafeString:
    """``<script{% livechat_nonce %} src=…>``: the CSP nonce attribute of the page's request."""
    return nonce_attribute(context.get("request"))


def _supported(code: str) -> str:
    """The article's language when the site has it, else the page's."""
    return site_locale(code, base=True) or current_locale()


def _django_engine():
    """The host's DjangoTemplates engine: the button is one template for Jinja2 and Django."""
    for engine in engines.all():
        if isinstance(engine, DjangoTemplates):
            return engine
    raise template.TemplateSyntaxError("The live chat button needs a DjangoTemplates engine.")


def render_chat_button(
    article: Any, request: HttpRequest | None = None, *, prompt: bool = False
) -> SafeString:
    """The chat button for a KB article: it asks availability and opens the chat window.

    ``prompt`` words it as the answer to a "No" on "Was this article helpful?"; the chat then
    records that it came from there. Nothing is rendered without an article.
    """
    if article is None or getattr(article, "pk", None) is None:
        return mark_safe("")
    # Only what the article row already holds: the button renders on every article view and
    # costs the page no query (the browser asks availability, answered from a shared cache).
    locale = _supported(getattr(article, "locale", None) or "")
    params = {"article": article.pk}
    if prompt:
        params["from"] = "not-helpful"
    context = {
        "article": {"id": article.pk},
        "locale": locale,
        "prompt": prompt,
        "chat_url": f"{reverse('livechat:chat')}?{urlencode(params)}",
        "api_root": api_root(),
        "jsi18n_url": reverse("livechat:jsi18n", kwargs={"locale": locale}),
        "request": request,
    }
    with translation.override(locale):
        html = _django_engine().get_template("livechat/button.html").render(context, request)
    return mark_safe(html)


@register.simple_tag(takes_context=True)
def livechat_button(context, article, prompt: bool = False) -> SafeString:
    """``{% livechat_button article %}`` (or ``... prompt=True`` after a "No" vote)."""
    return render_chat_button(article, context.get("request"), prompt=prompt)


def render_karma_panel(user: Any, request: HttpRequest | None = None) -> SafeString:
    """A contributor's live chat karma for their profile page: points, chats helped, average
    rating, articles improved through feedback, titles and recent credited work.

    Nothing is rendered for someone with no live chat work, so every profile can include it.
    """
    if user is None or getattr(user, "pk", None) is None:
        return mark_safe("")
    summary = profile_summary(user)
    if not (summary["totals"]["all_time"] or summary["chats_helped"] or summary["recent"]):
        return mark_safe("")
    context = {
        **summary,
        "panel_id": user.pk,
        "leaderboard_url": reverse("livechat:leaderboard"),
        "request": request,
    }
    html = _django_engine().get_template("livechat/karma_panel.html").render(context, request)
    return mark_safe(html)


@register.simple_tag(takes_context=True)
def livechat_karma(context, user) -> SafeString:
    """``{% livechat_karma profile_user %}``: the live chat panel on a profile page."""
    return render_karma_panel(user, context.get("request"))


@register.filter
def duration(seconds: float | int | None) -> str:
    """Seconds as people read them ("14 min 3 s", "1 h 5 min"); "–" when there is none."""
    if seconds is None or seconds == "":
        return "–"
    total = max(round(float(seconds)), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return gettext("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": secs}
    return gettext("%(seconds)d s") % {"seconds": secs}
