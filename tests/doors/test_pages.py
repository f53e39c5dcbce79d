"""The pages: chat window, console, observing, transcripts, the text catalogue, the chat button."""

import html

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kitsune_livechat.models import Message, Trainee
from kitsune_livechat.services.shared.access import make_visitor_token
from tests.factories import (
    ActiveChatFactory,
    ChatSessionFactory,
    DocumentFactory,
    HelperFactory,
    MessageFactory,
    SupervisorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


# --- The visitor's window -----------------------------------------------------------------------


def test_chat_window_for_an_article_in_its_language():
    english = DocumentFactory(title="Firefox won't start")
    german = DocumentFactory(title="Firefox startet nicht", locale="de", parent=english)
    visitor = UserFactory(email="vera@example.com")

    page = text(client_for(visitor).get(reverse("livechat:chat"), {"article": english.pk}))
    assert "Tell us what's wrong" in page
    assert 'href="/en-US/kb/' in page and "Firefox won't start" in page
    assert f'data-article="{english.pk}"' in page
    assert 'value="vera@example.com"' in page
    assert '<html lang="en-US"' in page
    assert reverse("livechat:jsi18n", args=["en-US"]) in page

    page = text(client_for(visitor).get(reverse("livechat:chat"), {"article": german.pk}))
    assert '<html lang="de"' in page
    assert "Was ist das Problem?" in page
    assert "/livechat/jsi18n/de/" in page  # the catalogue of the article's language


def test_chat_window_modes_and_unknown_article():
    page = text(
        client_for(UserFactory()).get(reverse("livechat:chat"), {"article": "nope", "mode": "x"})
    )
    assert 'data-article=""' in page
    assert 'data-mode=""' in page
    doc = DocumentFactory()
    page = text(client_for().get(reverse("livechat:chat"), {"article": doc.pk, "mode": "forum"}))
    assert 'data-mode="forum"' in page
    assert 'data-authenticated="0"' in page


def test_chat_window_of_a_session_only_for_its_visitor():
    session = ChatSessionFactory(locale="de")
    url = reverse("livechat:chat_session", args=[session.pk])
    response = client_for(session.visitor).get(url)
    assert response.status_code == 200
    assert f'data-session-id="{session.pk}"' in text(response)
    assert '<html lang="de"' in text(response)
    # Someone else, and the chat's own helper (who uses the console), find nothing.
    assert client_for(UserFactory()).get(url).status_code == 404
    active = ActiveChatFactory()
    assert (
        client_for(active.helper)
        .get(reverse("livechat:chat_session", args=[active.pk]))
        .status_code
        == 404
    )
    # Anonymous visitors get the shell; their token is checked by the API the page calls.
    page = text(client_for().get(url))
    assert f'data-session-id="{session.pk}"' in page
    assert session.problem not in page


# --- The console -------------------------------------------------------------------------------


def test_console_needs_a_contributor():
    assert client_for().get(reverse("livechat:console")).status_code == 302
    newcomer = client_for(UserFactory()).get(reverse("livechat:console"))
    assert (newcomer.status_code, newcomer.url) == (302, reverse("livechat:volunteer"))
    helper = HelperFactory()
    page = text(client_for(helper).get(reverse("livechat:console")))
    assert 'data-role="helper"' in page
    assert f'data-username="{helper.username}"' in page
    assert "Take next" in page
    assert 'id="lc-products"' in page
    assert 'data-role="supervisor"' in text(
        client_for(SupervisorFactory()).get(reverse("livechat:console"))
    )
    trainee = UserFactory()
    Trainee.objects.create(user=trainee, stage=Trainee.Stage.TRAINING)
    page = text(client_for(trainee).get(reverse("livechat:console")))
    assert 'data-role="trainee"' in page
    assert "Take next" not in page
    graduate = UserFactory()
    Trainee.objects.create(user=graduate, stage=Trainee.Stage.APPLIED)
    assert client_for(graduate).get(reverse("livechat:console")).url == reverse(
        "livechat:volunteer"
    )


def test_observe_opens_the_console_on_one_chat_without_showing_it():
    chat = ActiveChatFactory(problem="A private problem")
    url = reverse("livechat:observe", args=[chat.pk])
    page = text(client_for(SupervisorFactory()).get(url))
    assert f'data-observe="{chat.pk}"' in page
    assert "A private problem" not in page
    assert client_for(UserFactory()).get(url).status_code == 403
    assert client_for().get(url).status_code == 302


# --- Transcripts -------------------------------------------------------------------------------


@pytest.fixture
def chat_with_whisper():
    chat = ActiveChatFactory(article__title="Firefox won't start")
    MessageFactory(session=chat, role="visitor", author_name="Vera", body="It crashes")
    MessageFactory(session=chat, role="helper", author_name="Priya", body="Try safe mode")
    MessageFactory(
        session=chat, role="helper", author_name="Priya", kind="whisper", body="Probably add-ons"
    )
    MessageFactory(session=chat, role="system", kind="system", body="Priya ended the chat.")
    return chat


def test_transcript_for_the_visitor_leaves_out_whispers(chat_with_whisper):
    chat = chat_with_whisper
    response = client_for(chat.visitor).get(reverse("livechat:transcript", args=[chat.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="livechat-')
    body = response.content.decode()
    assert "Article: Firefox won't start" in body
    assert "Vera: It crashes" in body
    assert "Priya: Try safe mode" in body
    assert "* Priya ended the chat." in body
    assert "Probably add-ons" not in body


def test_transcript_for_the_helper_marks_whispers(chat_with_whisper):
    chat = chat_with_whisper
    body = client_for(chat.helper).get(reverse("livechat:transcript", args=[chat.pk])).content
    assert "Priya (whisper): Probably add-ons" in body.decode()


def test_transcript_is_nobody_elses(chat_with_whisper):
    url = reverse("livechat:transcript", args=[chat_with_whisper.pk])
    assert client_for(UserFactory()).get(url).status_code == 404
    assert client_for().get(url).status_code == 404
    assert client_for().get(url, headers={"X-Livechat-Token": "forged"}).status_code == 404


def test_transcript_for_an_anonymous_visitor_by_token_header():
    chat = ChatSessionFactory(visitor=None, anonymous_key="k" * 20)
    MessageFactory(session=chat, role="visitor", author_name="Visitor", body="Hello")
    url = reverse("livechat:transcript", args=[chat.pk])
    token = make_visitor_token("k" * 20)
    response = client_for().get(url, headers={"X-Livechat-Token": token})
    assert response.status_code == 200
    assert "Visitor: Hello" in response.content.decode()
    other = make_visitor_token("x" * 20)
    assert client_for().get(url, headers={"X-Livechat-Token": other}).status_code == 404


def test_transcript_in_the_chats_language(chat_with_whisper):
    chat = chat_with_whisper
    chat.locale = "de"
    chat.save()
    body = client_for(chat.visitor).get(reverse("livechat:transcript", args=[chat.pk])).content
    assert "Live-Chat-Protokoll" in body.decode()
    assert Message.objects.filter(session=chat).count() == 4


# --- Text catalogue and the chat button ----------------------------------------------------------


def test_javascript_catalogue_per_language():
    german = client_for().get(reverse("livechat:jsi18n", args=["de"]))
    assert german.status_code == 200
    assert "Wieder verbunden." in german.content.decode()
    assert "max-age=3600" in german["Cache-Control"]
    english = client_for().get(reverse("livechat:jsi18n", args=["en-US"])).content.decode()
    assert "Wieder verbunden." not in english
    assert client_for().get(reverse("livechat:jsi18n", args=["xx"])).status_code == 404


def test_chat_button_as_django_tag_and_jinja2_global(rf):
    doc = DocumentFactory(title="Firefox won't start")
    request = rf.get("/")
    django_html = (
        engines["django"]
        .from_string("{% load livechat_tags %}{% livechat_button doc %}")
        .render({"doc": doc}, request)
    )
    jinja_html = str(
        engines["jinja2"]
        .from_string("{{ livechat_button(doc, request) }}")
        .render({"doc": doc, "request": request})
    )
    for rendered in (django_html, jinja_html):
        assert "data-livechat-button" in rendered
        assert f"{reverse('livechat:chat')}?article={doc.pk}" in rendered
        assert "livechat/button.js" in rendered
        assert "Still stuck?" in rendered
    prompt = str(
        engines["jinja2"]
        .from_string("{{ livechat_button(doc, request, prompt=True) }}")
        .render({"doc": doc, "request": request})
    )
    assert "Let a volunteer help you" in prompt
    assert "from=not-helpful" in prompt
    assert (
        engines["django"]
        .from_string("{% load livechat_tags %}{% livechat_button None %}")
        .render({})
        == ""
    )


def test_chat_button_in_the_articles_language(rf):
    german = DocumentFactory(title="Firefox startet nicht", locale="de")
    rendered = str(
        engines["jinja2"]
        .from_string("{{ livechat_button(doc, request) }}")
        .render({"doc": german, "request": rf.get("/")})
    )
    assert "Kommen Sie nicht weiter?" in rendered
    assert reverse("livechat:jsi18n", args=["de"]) in rendered
    assert 'lang="de"' in rendered


def test_article_page_after_a_no_vote_prompts_for_chat(client):
    doc = DocumentFactory(title="Firefox won't start")
    page = text(client.get(doc.get_absolute_url() + "?voted=no"))
    assert "Let a volunteer help you" in page
    plain = text(client.get(doc.get_absolute_url()))
    assert "Still stuck?" in plain
    assert "Let a volunteer help you" not in plain


def test_pages_set_the_csrf_cookie_the_screens_send_back():
    doc = DocumentFactory()
    assert (
        "csrftoken"
        in client_for(UserFactory()).get(reverse("livechat:chat"), {"article": doc.pk}).cookies
    )
    assert "csrftoken" in client_for(HelperFactory()).get(reverse("livechat:console")).cookies


def test_console_in_the_helpers_language():
    """The pages sit under the site's locale prefix, as Kitsune's do: /de/ speaks German."""
    client = client_for(HelperFactory())
    with translation.override("de"):
        url, catalogue = reverse("livechat:console"), reverse("livechat:jsi18n", args=["de"])
    assert url.startswith("/de/")
    page = text(client.get(url))
    assert '<html lang="de"' in page
    assert "Nächsten nehmen" in page
    assert catalogue in page
