"""Jinja2 globals for Kitsune's pages (django-jinja ``globals`` in the TEMPLATES options).

Kitsune renders its pages with Jinja2; these return markup built from the app's own Django
templates, so a host using either engine shows the same thing. They read the page's
``request`` from the template context (for the CSP nonce and the user), so
``{{ livechat_button(document) }}`` is enough.
"""

from typing import Any

from django.http import HttpRequest
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from .templatetags.livechat_tags import render_chat_button, render_karma_panel


def _request(context: Context, request: HttpRequest | None) -> HttpRequest | None:
    return request if request is not None else context.get("request")


@pass_context
def livechat_button(
    context: Context, article: Any, request: HttpRequest | None = None, prompt: bool = False
) -> Markup:
    """``{{ livechat_button(document) }}``: the chat button for a KB article.

    ``prompt=True`` words it as the answer to a "No" on "Was this article helpful?".
    """
    return Markup(render_chat_button(article, _request(context, request), prompt=prompt))


@pass_context
def livechat_karma(context: Context, user: Any, request: HttpRequest | None = None) -> Markup:
    """``{{ livechat_karma(profile_user) }}``: the live chat karma panel on a profile page."""
    return Markup(render_karma_panel(user, _request(context, request)))
