"""Absolute links for text that leaves the page it was written on.

KB articles and canned responses link relatively (``/en-US/kb/clear-cache``). Inside the site
that works, but a forum question, an email, a downloaded transcript or a chat message shows
such a path as dead text. Everything that carries chat text elsewhere runs it through
``absolute_links`` with the site's origin from ``site_url``.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.http import HttpRequest

from ...conf import livechat_settings

# A path on its own: after a space, a bracket or a quote, never inside a word or a full URL.
RELATIVE_PATH = re.compile(r"(?<![\w/.:~%-])/[A-Za-z][^\s<>()\[\]\"']*")
TRAILING = ".,;:!?"


def site_url(request: HttpRequest | None = None) -> str:
    """The site's origin, without a trailing slash: ``LIVECHAT_SITE_URL``, else the request's,
    else django.contrib.sites' current domain; "" when none is known."""
    configured = livechat_settings.SITE_URL
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    if apps.is_installed("django.contrib.sites"):
        return "https://" + apps.get_model("sites", "Site").objects.get_current().domain
    return ""


def absolute_url(url: str, base: str) -> str:
    """``url`` with ``base`` in front when it is a path on this site."""
    if base and url.startswith("/") and not url.startswith("//"):
        return base + url
    return url


def absolute_links(text: str, base: str) -> str:
    """Every site path standing alone in ``text`` made a full link (trailing punctuation kept
    outside it), so it can be clicked wherever the text ends up."""
    if not base or "/" not in text:
        return text

    def full(match: re.Match) -> str:
        path = match.group(0)
        kept = path.rstrip(TRAILING)
        return base + kept + path[len(kept) :]

    return RELATIVE_PATH.sub(full, text)
