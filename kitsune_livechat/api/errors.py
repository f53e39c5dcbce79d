"""One mapping from every error to the ``{"detail", "code"}`` body clients rely on."""

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
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
        if exc.errors and all(error.get("loc", ("",))[0] == "path" for error in exc.errors):
            # An id that cannot exist (not a UUID, not a number) names nothing: 404, as for ids
            # that are well formed but unknown.
            return not_found(request, exc)
        body = {"detail": _first_problem(exc.errors), "code": "invalid", "errors": exc.errors}
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        body = {"detail": "Log in to use live chat.", "code": "not_authenticated"}
        return api.create_response(request, body, status=401)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(
            request, {"detail": "Not found.", "code": "not_found"}, status=404
        )

    @api.exception_handler(RequestDataTooBig)
    def too_large(request, exc):
        body = {"detail": "The request body is too large.", "code": "too_large"}
        return api.create_response(request, body, status=413)

    @api.exception_handler(MultiPartParserError)
    @api.exception_handler(BadRequest)
    @api.exception_handler(SuspiciousOperation)
    def unreadable(request, exc):
        body = {"detail": "The request body cannot be read.", "code": "invalid_body"}
        return api.create_response(request, body, status=400)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        # Body parsing failures arrive wrapped; answer with what was actually wrong.
        if isinstance(exc.__cause__, RequestDataTooBig | MultiPartParserError | LivechatError):
            return api.on_exception(request, exc.__cause__)
        code = "csrf_failed" if "CSRF" in str(exc) else f"http_{exc.status_code}"
        body = {"detail": str(exc), "code": code}
        return api.create_response(request, body, status=exc.status_code)
