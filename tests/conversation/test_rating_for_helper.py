"""The visitor's rating reaches the helper: live on their console socket, and readable after."""

import pytest

from kitsune_livechat import realtime
from tests.factories import EndedChatFactory, HelperFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db


def rating_url(session) -> str:
    return f"sessions/{session.pk}/rating"


def test_the_helpers_consoles_get_the_rating_when_it_is_given(
    api_client, published, django_capture_on_commit_callbacks
):
    chat = EndedChatFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(chat.visitor).post(
            rating_url(chat), {"score": 3, "comment": "Slow but it worked.", "article_helped": True}
        )

    assert response.status_code == 201
    assert (
        realtime.agent_group(chat.helper_id),
        {
            "type": "rating",
            "session": str(chat.pk),
            "score": 3,
            "comment": "Slow but it worked.",
            "article_helped": True,
        },
    ) in published.frames
    assert all(group != realtime.session_group(chat.pk) for group, _ in published.frames)


def test_helper_and_visitor_read_the_rating_others_cannot(api_client):
    chat = EndedChatFactory()
    before = api_client(chat.helper).get(rating_url(chat))
    RatingFactory(session=chat, score=4, comment="Thanks!")

    helper = api_client(chat.helper).get(rating_url(chat))
    visitor = api_client(chat.visitor).get(rating_url(chat))
    stranger = api_client(HelperFactory()).get(rating_url(chat))
    nobody = api_client(UserFactory()).get(rating_url(chat))

    assert (before.status_code, before.json()["code"]) == (404, "not_rated")
    assert helper.status_code == visitor.status_code == 200
    assert (helper.json()["score"], helper.json()["comment"]) == (4, "Thanks!")
    assert stranger.status_code == nobody.status_code == 404
    assert stranger.json()["code"] == "not_found"
