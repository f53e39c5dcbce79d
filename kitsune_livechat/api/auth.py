"""How API callers are recognised: session users (CSRF checked) or anonymous visitor tokens."""

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyHeader
from ninja.utils import check_csrf

from ..callers import TOKEN_HEADER, caller_from_request
from ..services.shared.access import Caller


class ChatAuth(APIKeyHeader):
    """Logged-in users by their session, anonymous visitors by the signed ``X-Livechat-Token``.

    ``allow_new_visitor`` lets a caller with neither through as an empty ``Caller`` (used to
    request a first chat); the service decides whether anonymous chat is allowed.
    """

    param_name = TOKEN_HEADER

    def __init__(self, *, allow_new_visitor: bool = False):
        self.allow_new_visitor = allow_new_visitor
        super().__init__()

    def __call__(self, request: HttpRequest) -> Caller | None:
        caller = caller_from_request(request)
        if caller is not None and caller.is_authenticated:
            if check_csrf(request) is not None:
                raise HttpError(403, "CSRF check failed: send the csrftoken as X-CSRFToken.")
            return caller
        if caller is not None or request.headers.get(self.param_name):
            return caller  # a visitor, or None for a token that does not verify
        return Caller() if self.allow_new_visitor else None

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        return self(request)


chat_auth = ChatAuth()
new_visitor_auth = ChatAuth(allow_new_visitor=True)


def caller_of(request: HttpRequest) -> Caller:
    return request.auth
