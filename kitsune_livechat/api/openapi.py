"""The published contract: every operation's ``{detail, code}`` errors and both ways to log in.

django-ninja documents the 2xx answers and the header token only; the API also answers errors
with one body shape and accepts the site's session cookie (with the CSRF header on writes), and
clients generated from the document need to know both.
"""

from typing import Any

from django.conf import settings
from ninja import NinjaAPI, Schema
from ninja.openapi.docs import Swagger
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from ..endpoints import api_root
from .auth import TOKEN_HEADER, ChatAuth

ERROR_REF = {"$ref": "#/components/schemas/Error"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorOut(Schema):
    """Every 4xx answer: a readable ``detail`` and a stable ``code`` (validation errors add
    pydantic's ``errors``)."""

    detail: str
    code: str
    errors: list[dict[str, Any]] | None = None


def error_statuses(operation: Operation) -> dict[int, str]:
    """The error statuses an operation can answer with, from what it takes and who may call."""
    methods = set(operation.methods)
    sources = {model.__ninja_param_source__ for model in operation.models}
    statuses = {400: "Bad input", 422: "Input does not match the schema"}
    if operation.auth_callbacks:
        statuses[401] = "Not logged in and no visitor token"
        statuses[403] = "Not allowed, or the CSRF header is missing"
    if "path" in sources:
        statuses[404] = "Not found, or not the caller's"
    if methods & WRITE_METHODS:
        statuses[409] = "The state changed meanwhile, or the request conflicts with it"
        statuses[413] = "The body is too large"
        statuses[429] = "Too many requests"
    return statuses


class LivechatOpenAPISchema(OpenAPISchema):
    def operation_details(self, operation: Operation) -> dict[str, Any]:
        details = super().operation_details(operation)
        responses = details["responses"]
        for status, description in error_statuses(operation).items():
            responses.setdefault(
                status,
                {
                    "description": description,
                    "content": {"application/json": {"schema": ERROR_REF}},
                },
            )
        return details

    def operation_security(self, operation: Operation) -> list[dict[str, list]] | None:
        auths = [auth for auth in operation.auth_callbacks if isinstance(auth, ChatAuth)]
        if not auths:
            return super().operation_security(operation)
        self.securitySchemes.update(security_schemes())
        session = {"sessionCookie": []}
        if set(operation.methods) & WRITE_METHODS:
            session["csrfToken"] = []
        security = [session, {"visitorToken": []}]
        if any(auth.allow_new_visitor for auth in auths):
            security.append({})  # a new visitor may call it without either
        return security

    def get_components(self) -> dict[str, Any]:
        components = super().get_components()
        components["schemas"]["Error"] = ErrorOut.model_json_schema()
        return components


def security_schemes() -> dict[str, dict[str, str]]:
    return {
        "sessionCookie": {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The site's login session.",
        },
        "csrfToken": {
            "type": "apiKey",
            "in": "header",
            "name": "X-CSRFToken",
            "description": f"The {settings.CSRF_COOKIE_NAME} cookie's value, on every write.",
        },
        "visitorToken": {
            "type": "apiKey",
            "in": "header",
            "name": TOKEN_HEADER,
            "description": "An anonymous visitor's signed token, from their chat request.",
        },
    }


class LivechatAPI(NinjaAPI):
    """Finds its own root wherever the site mounts it (inside ``kitsune_livechat.urls`` or, on a
    site with locale-prefixed pages, through ``kitsune_livechat.api_urls``) and publishes the
    contract with its error responses and both ways to sign in."""

    def get_root_path(self, path_params: dict[str, Any]) -> str:
        return api_root()

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return LivechatOpenAPISchema(self, path_prefix)


class LivechatDocs(Swagger):
    def get_openapi_url(self, api: NinjaAPI, path_params: dict[str, Any]) -> str:
        return api_root() + "openapi.json"
