"""Past chats: the visitor's earlier chats beside a chat, searching, a returning visitor's list
and follow-ups, each with who may and may not see them."""

import pytest
from django.urls import reverse

from kitsune_livechat.models import ArticleFeedback, ChatSession, Participant
from tests.factories import (
    ActiveChatFactory,
    ArticleFeedbackFactory,
    DefaultQueueFactory,
    EndedChatFactory,
    HelperFactory,
    MessageFactory,
    RatingFactory,
    SupervisorFactory,
    chat_form,
    online_helper,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def earlier(visitor):
    """Mia's earlier chat: rated 2 with a comment, the article judged outdated."""
    session = EndedChatFactory(visitor=visitor, problem="Sync stopped working.")
    RatingFactory(session=session, score=2, comment="Did not fix it.")
    ArticleFeedbackFactory(session=session, outcome=ArticleFeedback.Outcome.ARTICLE_OUTDATED)
    return session


def test_helper_sees_the_visitors_earlier_chats_with_outcomes(api_client, visitor, earlier):
    now = ActiveChatFactory(visitor=visitor, problem="Sync still broken.")
    EndedChatFactory(problem="Someone else's chat.")

    response = api_client(now.helper).get(f"sessions/{now.pk}/history")

    assert response.status_code == 200, response.json()
    (past,) = response.json()
    assert past["id"] == str(earlier.pk)
    assert past["problem"] == "Sync stopped working."
    assert past["status"] == "ended"
    assert past["rating"] == {"score": 2, "comment": "Did not fix it.", "article_helped": None}
    assert past["feedback"] == {
        "outcome": "article_outdated",
        "label": "The article is outdated",
    }


def test_earlier_chats_of_anonymous_visitors_are_linked_by_their_key(api_client):
    EndedChatFactory(visitor=None, anonymous_key="k1", problem="First time.")
    EndedChatFactory(visitor=None, anonymous_key="k2", problem="Another person.")
    now = ActiveChatFactory(visitor=None, anonymous_key="k1")

    past = api_client(now.helper).get(f"sessions/{now.pk}/history").json()

    assert [chat["problem"] for chat in past] == ["First time."]
    assert past[0]["rating"] is None and past[0]["feedback"] is None


def test_history_is_not_for_the_visitor_or_strangers(api_client, visitor, earlier):
    now = ActiveChatFactory(visitor=visitor)

    own = api_client(visitor).get(f"sessions/{now.pk}/history")
    stranger = api_client(HelperFactory()).get(f"sessions/{now.pk}/history")

    assert own.status_code == 403
    assert stranger.status_code == 404
    assert stranger.json()["code"] == "not_found"


def test_helpers_find_the_chats_they_took_part_in_supervisors_all(api_client, visitor):
    helper = HelperFactory()
    mine = EndedChatFactory(helper=helper, problem="Printing is blank")
    joined = EndedChatFactory(problem="Printer margins wrong")
    Participant.objects.create(session=joined, user=helper, role=Participant.Role.HELPER)
    said = EndedChatFactory(helper=helper, problem="Something")
    MessageFactory(session=said, body="Have you checked the printer driver?")
    others = EndedChatFactory(problem="Printer offline")

    found = api_client(helper).get("history", q="print").json()
    by_message = api_client(helper).get("history", q="printer driver").json()
    everything = api_client(SupervisorFactory()).get("history", q="print").json()

    assert {chat["id"] for chat in found} == {str(mine.pk), str(joined.pk), str(said.pk)}
    assert [chat["id"] for chat in by_message] == [str(said.pk)]
    assert str(others.pk) in {chat["id"] for chat in everything}


def test_search_is_for_contributors_and_needs_words(api_client, visitor):
    assert api_client(visitor).get("history", q="print").status_code == 403
    assert api_client().get("history", q="print").status_code == 401
    empty = api_client(HelperFactory()).get("history", q="  ")
    assert empty.status_code == 400
    assert empty.json()["code"] == "invalid_query"


def test_returning_visitor_sees_their_own_chats(api_client, visitor, earlier):
    EndedChatFactory(problem="Not Mia's")

    response = api_client(visitor).get("my/chats")

    assert response.status_code == 200
    assert [chat["id"] for chat in response.json()] == [str(earlier.pk)]
    assert response.json()[0]["rating"]["score"] == 2
    assert api_client().get("my/chats").status_code == 401


def test_a_follow_up_links_to_the_earlier_chat(api_client, visitor, earlier):
    DefaultQueueFactory(auto_assign=False)
    online_helper()

    response = api_client(visitor).post("sessions", chat_form(follow_up_of=str(earlier.pk)))

    assert response.status_code == 201, response.json()
    assert response.json()["follow_up_of"] == str(earlier.pk)
    created = ChatSession.objects.get(pk=response.json()["id"])
    assert created.follow_up_of_id == earlier.pk
    helper_view = api_client(SupervisorFactory()).get(f"sessions/{created.pk}/history").json()
    assert helper_view[0]["id"] == str(earlier.pk)


def test_no_follow_up_on_someone_elses_or_an_open_chat(api_client, visitor):
    DefaultQueueFactory(auto_assign=False)
    online_helper()
    someone_elses = EndedChatFactory()

    refused = api_client(visitor).post("sessions", chat_form(follow_up_of=str(someone_elses.pk)))
    bad_id = api_client(visitor).post("sessions", chat_form(follow_up_of="not-a-uuid"))

    for response in (refused, bad_id):
        assert response.status_code == 400, response.json()
        assert response.json()["code"] == "invalid_follow_up"
    assert not ChatSession.objects.filter(visitor=visitor).exists()


# --- Pages ------------------------------------------------------------------------------------


def test_my_chats_page_lists_the_visitors_chats_with_a_follow_up_link(client, visitor, earlier):
    EndedChatFactory(problem="Not Mia's chat")
    client.force_login(visitor)

    page = client.get(reverse("livechat:my_chats"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Sync stopped working." in text
    assert "Not Mia&#x27;s chat" not in text and "Not Mia's chat" not in text
    assert f"follow_up={earlier.pk}" in text
    assert "2 of 5" in text


def test_past_chats_page_searches_what_the_helper_may_see(client, visitor):
    helper = HelperFactory()
    EndedChatFactory(helper=helper, problem="Audio crackles in calls")
    EndedChatFactory(problem="Audio missing in videos")
    client.force_login(helper)

    page = client.get(reverse("livechat:past_chats"), {"q": "audio"}).content.decode()

    assert "Audio crackles in calls" in page
    assert "Audio missing in videos" not in page
    assert "1 chat found" in page
    client.force_login(visitor)
    assert client.get(reverse("livechat:past_chats"), {"q": "audio"}).status_code == 403


def test_history_costs_the_same_queries_for_one_chat_or_many(
    api_client, visitor, django_assert_num_queries
):
    helper = HelperFactory()
    now = ActiveChatFactory(visitor=visitor, helper=helper)
    EndedChatFactory(visitor=visitor, helper=helper)
    client = api_client(helper)
    with django_assert_num_queries(6) as one:
        assert len(client.get(f"sessions/{now.pk}/history").json()) == 1
    for _ in range(4):
        RatingFactory(session=EndedChatFactory(visitor=visitor, helper=helper))
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(f"sessions/{now.pk}/history").json()) == 5
