"""Who is calling, read at every door: a request, a socket's scope or a visitor token.

A logged-in user comes first; otherwise an anonymous visitor is known by the key inside their
signed token (the ``X-Livechat-Token`` header over HTTP, ``?token=`` or an ``auth`` frame on a
socket, never a page URL). Every door builds its ``Caller`` here, so the rule is written once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from django.http import HttpRequest

from .services.shared.access import Caller, read_visitor_token

TOKEN_HEADER = "X-Livechat-Token"


def _logged_in(user) -> bool:
    return user is not None and user.is_authenticated


def visitor_caller(token: object) -> Caller | None:
    """The anonymous visitor a signed token names; None when it is missing or tampered with."""
    key = read_visitor_token(token) if isinstance(token, str) and token else None
    return Caller(anonymous_key=key) if key else None


def caller_from_request(request: HttpRequest) -> Caller | None:
    """The logged-in user, else the visitor of the ``X-Livechat-Token`` header, else None."""
    user = getattr(request, "user", None)
    if _logged_in(user):
        return Caller(user=user)
    return visitor_caller(request.headers.get(TOKEN_HEADER))


def page_caller(request: HttpRequest) -> Caller:
    """The caller of a page: as ``caller_from_request``, else an empty ``Caller`` that the
    access gate lets see nothing (pages answer 404 or send to the login page)."""
    return caller_from_request(request) or Caller()


def caller_from_scope(scope: dict[str, Any]) -> Caller | None:
    """The logged-in user (AuthMiddlewareStack) and/or the anonymous visitor's ``?token=``."""
    user = scope.get("user")
    authenticated = _logged_in(user)
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    visitor = visitor_caller((query.get("token") or [""])[0])
    if not authenticated and visitor is None:
        return None
    return Caller(
        user=user if authenticated else None,
        anonymous_key=visitor.anonymous_key if visitor is not None else "",
    )
