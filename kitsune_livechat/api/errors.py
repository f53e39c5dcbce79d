"""One mapping from every error to the ``{"detail", "code"}`` body clients rely on."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ..exceptions import LivechatError


def _first_problem(errors: list[dict]) -> str:
    if not errors:
        return "The request is not valid."
    error = errors[0]
    where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
    return f"{where}: {error.get('msg', 'invalid value')}"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(LivechatError)
    def livechat_error(request, exc: LivechatError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        body = {"detail": _first_problem(exc.errors), "code": "invalid", "errors": exc.errors}
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        body = {"detail": "Log in to use live chat.", "code": "not_authenticated"}
        return api.create_response(request, body, status=401)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, {"detail": "Not found.", "code": "not_found"}, 404)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = "csrf_failed" if "CSRF" in str(exc) else f"http_{exc.status_code}"
        body = {"detail": str(exc), "code": code}
        return api.create_response(request, body, status=exc.status_code)
