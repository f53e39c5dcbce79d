"""Template tags for host pages rendered by Django templates: ``{% load livechat_tags %}``."""

from typing import Any
from urllib.parse import urlencode

from django import template
from django.http import HttpRequest
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ..host import get_host_adapter

register = template.Library()


def _supported(code: str) -> str:
    """The article's language when the site has it, else the page's."""
    from django.conf import settings

    from ..views import supported_locale

    return (
        supported_locale(code)
        or supported_locale(translation.get_language())
        or settings.LANGUAGE_CODE
    )


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
    info = get_host_adapter().article_info(article)
    locale = _supported(info.locale)
    params = {"article": info.id}
    if prompt:
        params["from"] = "not-helpful"
    context = {
        "article": info,
        "locale": locale,
        "prompt": prompt,
        "chat_url": f"{reverse('livechat:chat')}?{urlencode(params)}",
        "api_root": reverse("livechat:livechat_api:api-root"),
        "jsi18n_url": reverse("livechat:jsi18n", kwargs={"locale": locale}),
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
    from ..services.karma import profile_summary

    if user is None or getattr(user, "pk", None) is None:
        return mark_safe("")
    summary = profile_summary(user)
    if not (summary["totals"]["all_time"] or summary["chats_helped"] or summary["recent"]):
        return mark_safe("")
    context = {
        **summary,
        "panel_id": user.pk,
        "leaderboard_url": reverse("livechat:leaderboard"),
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
