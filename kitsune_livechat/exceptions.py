"""Errors the services raise; the API and the consumers map them once to {detail, code}."""


class LivechatError(Exception):
    """Base error: a stable machine-readable ``code`` and the HTTP status to answer with."""

    status = 400
    code = "invalid"
    default_detail = "The request is not valid."

    def __init__(self, detail: str | None = None, *, code: str | None = None):
        self.detail = str(detail or self.default_detail)
        if code:
            self.code = code
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, str]:
        return {"detail": self.detail, "code": self.code}


class InvalidInput(LivechatError):
    status = 400
    code = "invalid"


class NotAuthenticated(LivechatError):
    status = 401
    code = "not_authenticated"
    default_detail = "Log in to use live chat."


class Forbidden(LivechatError):
    status = 403
    code = "forbidden"
    default_detail = "You are not allowed to do that."


class NotFound(LivechatError):
    """Also raised for objects that exist but are not the caller's: the two look the same."""

    status = 404
    code = "not_found"
    default_detail = "No such chat."


class Conflict(LivechatError):
    """The state changed under the caller (already taken, already ended, at capacity...)."""

    status = 409
    code = "conflict"
    default_detail = "The chat changed meanwhile."


class Unavailable(LivechatError):
    """Chat cannot be requested right now (closed or full); the fallback is offered."""

    status = 409
    code = "unavailable"
    default_detail = "Live chat is not available right now."


class RateLimited(LivechatError):
    status = 429
    code = "rate_limited"
    default_detail = "You are sending messages too quickly."
