"""How API callers are recognised: session users (CSRF checked) or anonymous visitor tokens."""

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyHeader
from ninja.utils import check_csrf

from ..services.access import Caller, read_visitor_token

TOKEN_HEADER = "X-Livechat-Token"


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
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if check_csrf(request) is not None:
                raise HttpError(403, "CSRF check failed: send the csrftoken as X-CSRFToken.")
            return Caller(user=user)
        token = request.headers.get(self.param_name)
        if token:
            key = read_visitor_token(token)
            return Caller(anonymous_key=key) if key else None
        return Caller() if self.allow_new_visitor else None

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        return self(request)


chat_auth = ChatAuth()
new_visitor_auth = ChatAuth(allow_new_visitor=True)


def caller_of(request: HttpRequest) -> Caller:
    return request.auth
