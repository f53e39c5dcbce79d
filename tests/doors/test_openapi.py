"""The published OpenAPI document: unique schema names, errors and both ways to log in."""

from typing import get_args

import pytest
from pydantic import BaseModel

from kitsune_livechat.api import api
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(api_client):
    response = api_client(UserFactory()).get("openapi.json")
    assert response.status_code == 200
    return response.json()


def models_in(annotation, found: set) -> None:
    """Every pydantic model an annotation reaches, through containers and fields."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            models_in(field.annotation, found)
        return
    for argument in get_args(annotation):
        models_in(argument, found)


def operations():
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            yield from path_view.operations


def test_every_schema_name_belongs_to_one_model():
    """django-ninja files schemas by class name: two models of one name publish one of them."""
    found: set = set()
    for operation in operations():
        for model in [*operation.models, *operation.response_models.values()]:
            models_in(model, found)
    by_name: dict[str, set] = {}
    for model in found:
        if model.__module__.startswith("kitsune_livechat"):
            by_name.setdefault(model.__name__, set()).add(
                f"{model.__module__}.{model.__qualname__}"
            )
    shared = {name: sorted(models) for name, models in by_name.items() if len(models) > 1}
    assert shared == {}


def test_renamed_schemas_keep_their_shapes(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["PublicFocusOut"]["properties"]) == {
        "slug",
        "title",
        "description",
        "questions",
    }
    assert set(schemas["FocusOut"]["properties"]) >= {"id", "is_active", "articles", "chats"}
    assert set(schemas["FeedbackArticleRef"]["properties"]) == {"id", "title", "url"}
    assert set(schemas["ArticleRef"]["properties"]) == {"id", "title", "url", "revision_id"}
    assert "html" in schemas["MessageOut"]["properties"]
    assert "html" not in schemas["ApprovedMessageOut"]["properties"]


def test_every_operation_declares_its_errors(document):
    assert document["components"]["schemas"]["Error"]["required"] == ["detail", "code"]
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            errors = {int(status): answer for status, answer in operation["responses"].items()}
            assert {400, 422} <= set(errors), (method, path)
            for status, answer in errors.items():
                if status >= 400:
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path)
            if operation.get("security"):
                assert {401, 403} <= set(errors), (method, path)
            if "{" in path:
                assert 404 in errors, (method, path)


def test_both_ways_to_log_in_are_declared(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["sessionCookie"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": "The site's login session.",
    }
    assert (schemes["csrfToken"]["in"], schemes["csrfToken"]["name"]) == ("header", "X-CSRFToken")
    assert (schemes["visitorToken"]["in"], schemes["visitorToken"]["name"]) == (
        "header",
        "X-Livechat-Token",
    )
    paths = document["paths"]
    write = paths["/livechat/api/sessions/{session_id}/messages"]["post"]["security"]
    read = paths["/livechat/api/sessions/{session_id}/messages"]["get"]["security"]
    request = paths["/livechat/api/sessions"]["post"]["security"]
    assert write == [{"sessionCookie": [], "csrfToken": []}, {"visitorToken": []}]
    assert read == [{"sessionCookie": []}, {"visitorToken": []}]
    assert request[-1] == {}
    assert "security" not in paths["/livechat/api/availability"]["get"]


def test_path_ids_are_typed(document):
    parameter = document["paths"]["/livechat/api/sessions/{session_id}"]["get"]["parameters"][0]
    assert parameter["schema"]["format"] == "uuid"
