"""Jinja2 globals for Kitsune's pages (django-jinja ``globals`` in the TEMPLATES options).

Kitsune renders its pages with Jinja2; these return markup built from the app's own Django
templates, so a host using either engine shows the same thing.
"""

from typing import Any

from django.http import HttpRequest
from markupsafe import Markup

from .templatetags.livechat_tags import render_chat_button, render_karma_panel


def livechat_button(
    article: Any, request: HttpRequest | None = None, prompt: bool = False
) -> Markup:
    """``{{ livechat_button(document, request) }}``: the chat button for a KB article.

    ``prompt=True`` words it as the answer to a "No" on "Was this article helpful?".
    """
    return Markup(render_chat_button(article, request, prompt=prompt))


def livechat_karma(user: Any, request: HttpRequest | None = None) -> Markup:
    """``{{ livechat_karma(profile_user) }}``: the live chat karma panel on a profile page."""
    return Markup(render_karma_panel(user, request))
