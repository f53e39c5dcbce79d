"""Locales in the host's row spelling (en-US, pt-BR) whatever case the site's LANGUAGES keys use.

The example site is shaped like Kitsune: ``LANGUAGES`` keys are lower case (``pt-br``) while
``LANGUAGE_CODE``, URLs and every stored row say ``pt-BR``.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from questions.models import Question

from kitsune_livechat.locales import site_locale
from kitsune_livechat.models import AgentStatus, CannedResponse, ChatSession
from tests.factories import (
    DocumentFactory,
    HelperFactory,
    QueueFactory,
    UserFactory,
    chat_form,
    online_helper,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def brazilian_article():
    return DocumentFactory(
        title="Firefox trava ao abrir", slug="firefox-trava", locale="pt-BR", products=[]
    )


def test_the_example_site_is_shaped_like_kitsune():
    assert ("pt-br", "Português (do Brasil)") in settings.LANGUAGES
    assert all(code == code.lower() for code, _name in settings.LANGUAGES)
    assert settings.LANGUAGE_CODE == "en-US"
    assert [site_locale(code) for code in ("EN-us", "pt-br", "de", "xx")] == [
        "en-US",
        "pt-BR",
        "de",
        None,
    ]


@pytest.mark.parametrize("sent", ["pt-br", "PT-BR", "pt-BR", None])
def test_a_chat_is_stored_and_routed_in_the_rows_spelling(api_client, brazilian_article, sent):
    queue = QueueFactory(slug="pt", locale="pt-BR", auto_assign=False)
    online_helper(locales=["pt-BR"])
    form = chat_form(brazilian_article)
    if sent:
        form["locale"] = sent

    response = api_client(UserFactory()).post("sessions", form)

    assert response.status_code == 201, response.json()
    assert (response.json()["locale"], response.json()["queue"]) == ("pt-BR", queue.slug)
    assert ChatSession.objects.get().locale == "pt-BR"


def test_the_forum_question_of_a_hand_off_lists_in_the_hosts_forum(api_client, brazilian_article):
    QueueFactory(slug="pt", locale="pt-br", is_default=True)  # closed: nobody online
    visitor = UserFactory()
    form = chat_form(brazilian_article, locale="pt-br", fallback="forum", title="Trava sempre")

    response = api_client(visitor).post("sessions", form)

    assert response.status_code == 201, response.json()
    question = Question.objects.get()
    assert question.locale == "pt-BR"
    page = api_client(visitor).client.get(f"/{question.locale}/questions/")
    assert "Trava sempre" in page.content.decode()


def test_helper_languages_are_kept_in_the_rows_spelling_and_serve_chats(
    api_client, brazilian_article
):
    QueueFactory(slug="general", is_default=True, auto_assign=False)
    helper = HelperFactory()
    status = api_client(helper).put("agent/status", {"status": "online", "locales": ["pt-br"]})
    assert status.status_code == 200, status.json()
    assert status.json()["locales"] == ["pt-BR"]
    assert AgentStatus.objects.get(user=helper).locales == ["pt-BR"]

    chat = api_client(UserFactory()).post("sessions", chat_form(brazilian_article))
    assert chat.status_code == 201, chat.json()
    waiting = api_client(helper).get("agent/queue").json()
    assert [c["id"] for c in waiting["chats"]] == [chat.json()["id"]]

    bad = api_client(helper).put("agent/status", {"status": "online", "locales": ["xx"]})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_locale")


def test_canned_responses_and_kb_search_match_any_spelling(api_client, brazilian_article):
    CannedResponse.objects.create(key="hi", locale="en-US", title="Hello", body="Hi!")
    CannedResponse.objects.create(key="hi", locale="pt-BR", title="Olá", body="Oi!")
    client = api_client(HelperFactory())

    canned = client.get("canned", locale="pt-br").json()
    assert [(c["title"], c["locale"]) for c in canned] == [("Olá", "pt-BR")]

    found = client.get("kb/search", q="firefox trava", locale="pt-br").json()
    assert [a["title"] for a in found] == ["Firefox trava ao abrir"]


def test_pages_speak_the_rows_spelling(client, brazilian_article):
    page = client.get(reverse("livechat:chat"), {"article": brazilian_article.pk})
    assert page.status_code == 200
    assert 'data-locale="pt-BR"' in page.content.decode()
    catalogue = client.get(reverse("livechat:jsi18n", kwargs={"locale": "pt-br"}))
    assert catalogue.status_code == 200


def test_pages_live_under_the_locale_prefix_and_the_api_outside(client):
    assert reverse("livechat:console") == "/en-US/livechat/console/"
    with translation.override("pt-br"):
        assert reverse("livechat:console") == "/pt-BR/livechat/console/"
    # An unprefixed or lower-case page address lands on the site's spelling, as on Kitsune.
    landed = client.get("/livechat/leaderboard/", follow=True)
    assert landed.redirect_chain[-1][0] == "/en-US/livechat/leaderboard/"
    assert landed.status_code == 200
    assert client.get("/pt-br/livechat/leaderboard/")["Location"] == "/pt-BR/livechat/leaderboard/"
    # The API answers at the same address in every language, and never redirects.
    api = client.get("/livechat/api/availability", {"article": 987654})
    assert (api.status_code, api.json()["code"]) == (400, "unknown_article")
    assert client.get("/en-US/livechat/api/availability").status_code == 404
