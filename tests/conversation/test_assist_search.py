"""KB search for waiting-room suggestions and the console: the host's own search when it has
one, else a ranked database search (full text on PostgreSQL) that prefers the chat's product."""

import sys
from types import ModuleType

import pytest
from django.contrib.auth.models import Group

from tests.factories import (
    ChatSessionFactory,
    DefaultQueueFactory,
    DocumentFactory,
    HelperFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUESTION = "Firefox is slow to load pages"


@pytest.fixture
def articles():
    firefox = ProductFactory(slug="firefox", title="Firefox")
    thunderbird = ProductFactory(slug="thunderbird", title="Thunderbird")
    came_from = DocumentFactory(title="Firefox keeps freezing", products=[firefox])
    tb = DocumentFactory(
        title="Thunderbird is slow to load messages",
        products=[thunderbird],
        revision="When Thunderbird takes long to load pages of messages, compact the folders.",
    )
    tb.current_revision.keywords = "slow load pages"
    tb.current_revision.save()
    ff = DocumentFactory(
        title="Firefox is slow – make it faster",
        products=[firefox],
        revision="Pages load slowly? Clear the cache and turn off add-ons you do not use.",
    )
    DocumentFactory(title="Import bookmarks from another browser", products=[firefox])
    return {"from": came_from, "tb": tb, "ff": ff, "firefox": firefox}


def test_waiting_room_suggestions_lead_with_the_chats_product(api_client, articles):
    visitor = UserFactory()
    session = ChatSessionFactory(
        visitor=visitor,
        queue=DefaultQueueFactory(),
        article=articles["from"],
        product="firefox",
        problem=QUESTION,
    )

    found = api_client(visitor).get(f"sessions/{session.pk}/suggestions").json()

    titles = [article["title"] for article in found]
    assert titles[0] == "Firefox is slow – make it faster"
    assert "Firefox keeps freezing" not in titles  # the article the chat came from
    assert "Import bookmarks from another browser" not in titles


def test_console_search_prefers_the_product_the_words_name(api_client, articles):
    found = api_client(HelperFactory()).get("kb/search", q=QUESTION, locale="en-US").json()
    assert found[0]["title"] == "Firefox is slow – make it faster"
    assert "Thunderbird is slow to load messages" in [a["title"] for a in found]


def test_word_forms_meet(api_client, articles):
    found = api_client(HelperFactory()).get("kb/search", q="loading page", locale="en-US").json()
    assert {a["title"] for a in found} >= {
        "Firefox is slow – make it faster",
        "Thunderbird is slow to load messages",
    }


@pytest.fixture
def kitsune_search(monkeypatch):
    """Kitsune's search modules as the adapter finds them by import: WikiSearch answers with
    the ids in ``answers`` (its results carry the document id, as Kitsune's do)."""
    calls = []
    answers: list[int] = []

    class WikiSearch:
        def __init__(self, *, query, locale, product=None):
            calls.append((query, locale, getattr(product, "slug", None)))

        def __getitem__(self, key):
            return [{"type": "document", "id": str(pk), "title": "?"} for pk in answers][key]

    package, search = ModuleType("kitsune"), ModuleType("kitsune.search")
    search.WHERE_WIKI = 1
    module = ModuleType("kitsune.search.search")
    module.WikiSearch = WikiSearch
    monkeypatch.setitem(sys.modules, "kitsune", package)
    monkeypatch.setitem(sys.modules, "kitsune.search", search)
    monkeypatch.setitem(sys.modules, "kitsune.search.search", module)
    return calls, answers


def test_the_hosts_own_search_is_used_and_its_results_still_checked(
    api_client, articles, kitsune_search
):
    calls, answers = kitsune_search
    hidden = DocumentFactory(title="Staff only: slow pages")
    hidden.restrict_to_groups.add(Group.objects.create(name="Staff"))
    answers.extend([hidden.pk, articles["tb"].pk, articles["ff"].pk, 987654])

    found = api_client(HelperFactory()).get("kb/search", q="slow pages", locale="en-US").json()

    assert calls == [("slow pages", "en-US", None)]
    # The host's order, minus what the caller may not see and what does not exist.
    assert [a["title"] for a in found] == [
        "Thunderbird is slow to load messages",
        "Firefox is slow – make it faster",
    ]


def test_a_failing_host_search_falls_back_to_the_database(api_client, articles, monkeypatch):
    class BrokenSearch:
        def __init__(self, **kwargs):
            raise ConnectionError("Elasticsearch is down")

    module = ModuleType("kitsune.search.search")
    module.WikiSearch = BrokenSearch
    monkeypatch.setitem(sys.modules, "kitsune", ModuleType("kitsune"))
    monkeypatch.setitem(sys.modules, "kitsune.search", ModuleType("kitsune.search"))
    monkeypatch.setitem(sys.modules, "kitsune.search.search", module)

    found = api_client(HelperFactory()).get("kb/search", q=QUESTION, locale="en-US").json()
    assert found[0]["title"] == "Firefox is slow – make it faster"


@pytest.mark.postgres
def test_postgres_searches_in_the_articles_language(api_client):
    english = DocumentFactory(title="Firefox crashes on startup")
    german = DocumentFactory(title="Lesezeichen wiederherstellen", locale="de")
    DocumentFactory(title="Firefox crashing everywhere", locale="de", slug="crashing-de")
    client = api_client(HelperFactory())

    by_english_stem = client.get("kb/search", q="crashing", locale="en-US").json()
    assert [a["id"] for a in by_english_stem] == [english.pk]  # crashing ~ crashes
    by_german_stem = client.get("kb/search", q="Lesezeichens", locale="de").json()
    assert [a["id"] for a in by_german_stem] == [german.pk]  # Lesezeichens ~ Lesezeichen
