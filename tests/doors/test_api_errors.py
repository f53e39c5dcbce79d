"""Every API error has the {"detail", "code"} shape, validation errors included."""

import pytest
from django.urls import reverse

from kitsune_livechat.api import api
from tests.factories import UserFactory


def test_openapi_schema_is_served(api_client):
    response = api_client().get("openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Live chat"


def test_unique_url_namespace():
    assert api.urls_namespace == "livechat:livechat_api"
    # The example site mounts the API outside its locale-prefixed pages, as Kitsune would.
    assert reverse("livechat-api:livechat_api:openapi-json") == "/livechat/api/openapi.json"
    assert api.get_openapi_schema()["paths"]  # ninja finds its root there too


@pytest.mark.django_db
def test_unknown_session_is_404_with_code(api_client):
    response = api_client(UserFactory()).get("sessions/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such chat.", "code": "not_found"}


@pytest.mark.django_db
def test_validation_error_shape(api_client):
    response = api_client(UserFactory()).post(
        "sessions", {"article": ["not", "an", "id"], "problem": "help"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"]


@pytest.mark.django_db
def test_missing_csrf_is_403_with_code(api_client):
    client = api_client(UserFactory())
    response = client.client.post(
        "/livechat/api/sessions", data="{}", content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


@pytest.mark.django_db
def test_anonymous_needs_login(api_client):
    response = api_client().get("agent/queue")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
