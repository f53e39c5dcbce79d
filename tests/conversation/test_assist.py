"""The console's tools: canned responses (host KB articles and the app's own) and KB search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kitsune_livechat.models import CannedResponse, Participant, Trainee
from tests.factories import (
    ActiveChatFactory,
    ChatSessionFactory,
    DocumentFactory,
    HelperFactory,
    SupervisorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CANNED = 70


@pytest.fixture
def canned_kb():
    """A canned-response KB article in en-US with a German translation, and a plain article."""
    original = DocumentFactory(
        title="Clear the cache",
        slug="canned-clear-cache",
        category=CANNED,
        revision="Open Settings, then Privacy, then Clear data.",
    )
    DocumentFactory(
        title="Cache leeren",
        slug="canned-cache-leeren",
        locale="de",
        parent=original,
        category=CANNED,
        revision="Einstellungen öffnen, dann Datenschutz, dann Daten löschen.",
    )
    DocumentFactory(title="Fix slow startup", slug="fix-slow-startup", revision="Disable add-ons.")
    return original


@pytest.fixture
def canned_app():
    CannedResponse.objects.create(key="welcome", locale="en-US", title="Welcome", body="Hi there!")
    CannedResponse.objects.create(key="welcome", locale="de", title="Willkommen", body="Hallo!")
    CannedResponse.objects.create(key="bye", locale="en-US", title="Goodbye", body="Take care.")
    CannedResponse.objects.create(
        key="old", locale="en-US", title="Retired", body="No longer used.", is_active=False
    )


def test_canned_in_the_visitors_locale_with_fallback(api_client, canned_kb, canned_app):
    response = api_client(HelperFactory()).get("canned", locale="de")
    assert response.status_code == 200
    items = {(item["source"], item["key"]): item for item in response.json()}
    assert items[("kb", "canned-clear-cache")]["title"] == "Cache leeren"
    assert items[("kb", "canned-clear-cache")]["locale"] == "de"
    assert items[("kb", "canned-clear-cache")]["url"].startswith("/de/kb/")
    assert items[("app", "welcome")]["body"] == "Hallo!"
    # No German "bye": the en-US text is offered; inactive responses never are.
    assert items[("app", "bye")]["locale"] == "en-US"
    assert ("app", "old") not in items
    # Translations come first.
    locales = [item["locale"] for item in response.json()]
    assert locales == sorted(locales, key=lambda locale: locale != "de")


def test_canned_search_matches_every_word(api_client, canned_kb, canned_app):
    client = api_client(HelperFactory())
    titles = [item["title"] for item in client.get("canned", locale="en-US", q="clear DATA").json()]
    assert titles == ["Clear the cache"]
    assert client.get("canned", locale="en-US", q="nothing like this").json() == []


def test_canned_is_for_contributors_only(api_client, canned_app):
    assert api_client(UserFactory()).get("canned").status_code == 403
    assert api_client(UserFactory()).get("canned").json()["code"] == "not_a_contributor"
    assert api_client().get("canned").status_code == 401
    trainee = UserFactory()
    Trainee.objects.create(user=trainee, stage=Trainee.Stage.TRAINING)
    assert api_client(trainee).get("canned").status_code == 200


def test_canned_query_too_long(api_client):
    response = api_client(HelperFactory()).get("canned", q="x" * 201)
    assert response.status_code == 400
    assert response.json()["code"] == "query_too_long"


def test_kb_search_finds_articles_not_canned_ones(api_client, canned_kb):
    client = api_client(HelperFactory())
    response = client.get("kb/search", q="slow startup", locale="en-US")
    assert response.status_code == 200
    results = response.json()
    assert [r["title"] for r in results] == ["Fix slow startup"]
    assert results[0]["url"] == "/en-US/kb/fix-slow-startup"
    assert client.get("kb/search", q="cache", locale="en-US").json() == []
    assert client.get("kb/search", q="", locale="en-US").json() == []


def test_kb_search_is_for_contributors_only(api_client, canned_kb):
    assert api_client(UserFactory()).get("kb/search", q="slow").status_code == 403
    assert api_client().get("kb/search", q="slow").status_code == 401


def test_canned_costs_the_same_queries_however_many(
    api_client, canned_kb, canned_app, django_assert_max_num_queries
):
    client = api_client(HelperFactory())
    client.get("canned", locale="de")  # warm the session and permission caches
    for n in range(10):
        CannedResponse.objects.create(key=f"k{n}", locale="de", title=f"T{n}", body="b")
        DocumentFactory(title=f"Canned {n}", slug=f"canned-{n}", category=CANNED)
    with django_assert_max_num_queries(8):
        assert len(client.get("canned", locale="de").json()) > 10


def test_waiting_visitor_gets_matching_articles_but_not_their_own(api_client):
    own = DocumentFactory(title="Firefox crashes on startup", slug="crash-startup")
    other = DocumentFactory(title="Firefox crashes with new tabs", slug="crash-tabs")
    DocumentFactory(title="Change your home page", slug="home-page")
    session = ChatSessionFactory(article=own, problem="Firefox crashes when I open tabs")
    visitor = api_client(session.visitor)
    response = visitor.get(f"sessions/{session.pk}/suggestions")
    assert response.status_code == 200
    assert [a["id"] for a in response.json()] == [other.pk]

    # Someone else's chat does not exist for them; staff and ended chats get nothing.
    assert api_client(UserFactory()).get(f"sessions/{session.pk}/suggestions").status_code == 404
    session.status = "active"
    session.save()
    assert visitor.get(f"sessions/{session.pk}/suggestions").json() == []


def test_chats_in_progress_for_supervisors_and_trainees(api_client, django_assert_num_queries):
    first = ActiveChatFactory(problem="Sync stopped working")
    second = ActiveChatFactory()
    ChatSessionFactory()  # waiting: not in progress
    supervisor = SupervisorFactory()
    trainee = UserFactory()
    Trainee.objects.create(user=trainee, stage=Trainee.Stage.TRAINING)
    Participant.objects.create(
        session=second, user=trainee, role=Participant.Role.TRAINEE, state="knocking"
    )

    chats = api_client(supervisor).get("console/chats").json()
    assert [c["id"] for c in chats] == [str(first.pk), str(second.pk)]
    assert chats[0]["problem"] == "Sync stopped working"
    assert chats[0]["access"] == "observer"
    assert chats[0]["helper"] == first.helper.username

    seen = {c["id"]: c for c in api_client(trainee).get("console/chats").json()}
    assert seen[str(first.pk)]["problem"] == ""  # trainees see no question before admission
    assert seen[str(first.pk)]["access"] == "none"
    assert seen[str(second.pk)]["access"] == "knocking"
    assert {c["access"] for c in api_client(first.helper).get("console/chats").json()} == {
        "in_chat",
        "none",
    }
    assert api_client(UserFactory()).get("console/chats").status_code == 403

    # The same queries for 2 chats as for 7.
    client = api_client(supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get("console/chats")
    for _ in range(5):
        ActiveChatFactory()
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get("console/chats").json()) == 7
