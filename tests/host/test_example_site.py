"""The example host site: its Kitsune-like pages, stand-in models and demo data."""

import html
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.template import engines
from django.template.loader import get_template
from django.urls import reverse
from karma.models import Title
from kbadge.models import Award, Badge
from kbadge.utils import get_or_create_badge
from products.models import Product, Topic
from questions.models import Question, QuestionMetaData
from wiki.models import Document, HelpfulVote, Revision

from kitsune_livechat.host import get_host_adapter
from kitsune_livechat.models import (
    ArticleFeedback,
    ChatSession,
    KarmaAward,
    Message,
    Queue,
    Rating,
    Trainee,
)
from tests.factories import DocumentFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

EXAMPLE_SITE = Path(__file__).resolve().parents[2] / "example_site"


@pytest.fixture
def demo():
    call_command("livechat_demo", stdout=io.StringIO())


def page(response) -> str:
    return html.unescape(response.content.decode())


# --- pages ------------------------------------------------------------------------------------


def test_root_redirects_to_the_readers_locale(client):
    assert client.get("/").url == "/en-US/"
    assert client.get("/", headers={"accept-language": "de"}).url == "/de/"


@pytest.mark.slow
def test_home_lists_articles_per_product_without_canned_responses(client, demo):
    text = page(client.get("/en-US/"))
    assert 'id="product-firefox"' in text
    assert 'id="product-thunderbird"' in text
    assert "Firefox won't start - find solutions" in text
    assert "/en-US/kb/automatic-account-configuration-thunderbird" in text
    assert "/kb/canned-greeting" not in text


@pytest.mark.slow
def test_home_in_german_prefers_translations(client, demo):
    text = page(client.get("/de/"))
    assert "/de/kb/cookies-und-website-daten-loeschen" in text
    assert "/en-US/kb/clear-cookies-and-site-data-firefox" not in text
    # Untranslated articles are still listed, in English.
    assert "/en-US/kb/update-firefox-latest-release" in text


def test_article_page_renders_through_jinja2_with_the_chat_button(client, firefox_doc):
    response = client.get(firefox_doc.get_absolute_url())
    assert response.status_code == 200
    assert get_template("wiki/document.html").backend is engines["jinja2"]
    text = page(response)
    assert "<h1>Firefox won't start</h1>" in text
    assert "<li>Quit Firefox.</li>" in text  # the revision's markup is rendered
    assert "Was this article helpful?" in text
    assert 'class="livechat-slot"' in text


def test_article_under_another_locale_leads_to_its_translation(client, firefox_doc):
    DocumentFactory(locale="de", slug="startet-nicht", parent=firefox_doc)
    assert client.get("/de/kb/wont-start").url == "/de/kb/startet-nicht"
    assert client.get("/de/kb/no-such-article").status_code == 404


def test_helpful_vote_is_recorded_once(client, firefox_doc):
    url = f"{firefox_doc.get_absolute_url()}/vote"
    data = {"revision_id": firefox_doc.current_revision_id, "not-helpful": "1"}
    first = client.post(url, data)
    client.post(url, data)
    assert first.url == f"{firefox_doc.get_absolute_url()}?voted=no#helpful"
    vote = HelpfulVote.objects.get()
    assert (vote.helpful, vote.creator, vote.revision_id) == (
        False,
        None,
        firefox_doc.current_revision_id,
    )
    assert vote.anonymous_id
    assert "Sorry this article didn't help." in page(client.get(first.url))


def test_profile_page_shows_name_titles_badges_and_chat_karma(client):
    user = UserFactory(username="priya")
    user.profile.name = "Priya Sharma"
    user.profile.save()
    Title.objects.set_auto_title("Top 10 Chat Helper", [user])
    Badge.objects.create(title="2026 Live Chat Badge").award_to(awardee=user)

    response = client.get("/en-US/user/priya")

    text = page(response)
    assert response.status_code == 200
    assert "<h1>Priya Sharma</h1>" in text
    assert "Top 10 Chat Helper" in text
    assert "2026 Live Chat Badge" in text
    assert client.get("/en-US/user/nobody").status_code == 404


def test_sign_in_and_out(client):
    UserFactory(username="visitor", password="livechat-demo")
    response = client.post(
        "/users/login/",
        {"username": "visitor", "password": "livechat-demo", "next": "/en-US/"},
    )
    assert response.url == "/en-US/"
    assert 'href="/en-US/user/visitor"' in page(client.get("/en-US/"))

    assert client.post("/users/logout/").status_code == 302
    assert "Sign in" in page(client.get("/en-US/"))


def test_only_helpers_see_the_chat_console_link(client):
    client.force_login(UserFactory(perms=["answer_chats"]))
    assert f'href="{reverse("livechat:console")}"' in page(client.get("/en-US/"))
    client.force_login(UserFactory())
    assert f'href="{reverse("livechat:console")}"' not in page(client.get("/en-US/"))


def test_kb_editors_find_the_chat_insights_of_an_article(client, firefox_doc):
    insights = f'href="{reverse("livechat:insights_article", args=[firefox_doc.pk])}"'
    assert insights not in page(client.get(firefox_doc.get_absolute_url()))
    client.force_login(UserFactory(perms=["view_insights"]))
    text = page(client.get(firefox_doc.get_absolute_url()))
    assert insights in text
    assert f'href="{reverse("livechat:insights")}"' in text


def test_wrong_password_shows_the_form_again(client):
    UserFactory(username="visitor")
    response = client.post("/users/login/", {"username": "visitor", "password": "nope"})
    assert response.status_code == 200
    assert "didn't match" in page(response)


def test_language_switch_keeps_the_page(client):
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/de/kb/x"})
    assert response.url == "/de/kb/x"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"


def test_forum_question_page_lists_its_metadata(client):
    question_id, url = get_host_adapter().create_forum_question(
        user=UserFactory(),
        title="Videos stutter",
        content="Since the update.",
        product=None,
        locale="en-US",
        metadata={"os": "Windows 11", "ff_version": "128.0"},
    )
    text = page(client.get(url))
    assert "<h1>Videos stutter</h1>" in text
    assert "<dt>ff_version</dt>" in text
    assert "Windows 11" in text
    assert "Videos stutter" in page(client.get("/en-US/questions/"))


@pytest.mark.parametrize(
    "model",
    [
        "wiki/document",
        "wiki/helpfulvote",
        "products/product",
        "products/topic",
        "questions/question",
        "users/profile",
        "karma/title",
        "kbadge/badge",
        "kbadge/award",
    ],
)
def test_admin_lists_the_stand_in_models(admin_client, firefox_doc, model):
    assert admin_client.get(f"/admin/{model}/").status_code == 200
    assert admin_client.get(f"/admin/{model}/add/").status_code == 200


def test_admin_edits_an_article_with_its_revisions(admin_client, firefox_doc):
    assert admin_client.get(f"/admin/wiki/document/{firefox_doc.pk}/change/").status_code == 200


# --- stand-in models --------------------------------------------------------------------------


def test_set_auto_title_gives_the_title_to_exactly_these_users():
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    Title.objects.set_auto_title("Top 10 Chat Helper", [alice, bob])
    title = Title.objects.set_auto_title("Top 10 Chat Helper", [bob, carol])
    assert title.is_auto
    assert set(title.users.all()) == {bob, carol}
    assert Title.objects.count() == 1


def test_a_badge_is_awarded_once_per_person():
    user = UserFactory()
    badge = get_or_create_badge(
        {"slug": "{year}-live-chat-badge", "title": "{year} Live Chat Badge"}, year=2026
    )
    assert badge == get_or_create_badge(
        {"slug": "{year}-live-chat-badge", "title": "{year} Live Chat Badge"}, year=2026
    )
    first = badge.award_to(awardee=user, description="50 points of live chat help")
    assert badge.award_to(awardee=user) == first
    assert (badge.title, Award.objects.count()) == ("2026 Live Chat Badge", 1)


def test_a_new_user_gets_a_profile():
    assert UserFactory(username="newcomer").profile.display_name == "newcomer"


# --- demo data and settings -------------------------------------------------------------------


@pytest.mark.slow
def test_livechat_demo_is_idempotent():
    counted = [User, Group, Product, Topic, Document, Revision, Title, Question, QuestionMetaData]

    counted += [Queue, Trainee, ChatSession, Message, ArticleFeedback, Rating, KarmaAward]
    call_command("livechat_demo", stdout=io.StringIO())
    first = {model.__name__: model.objects.count() for model in counted}
    call_command("livechat_demo", stdout=io.StringIO())
    second = {model.__name__: model.objects.count() for model in counted}

    assert first == second
    assert first["Document"] >= 12
    assert Document.objects.filter(category=70, locale="en-US").count() >= 4
    assert Document.objects.filter(locale="de").exclude(parent=None).count() >= 3
    assert Queue.objects.filter(is_default=True).count() == 1
    # Past chats, so the insight pages and the leaderboard have something to show.
    assert first["ChatSession"] == 60
    assert first["ArticleFeedback"] == ChatSession.objects.filter(status="ended").count() > 0
    assert first["Rating"] > 0 and first["KarmaAward"] > 0
    assert ChatSession.objects.filter(status__in=("waiting", "active")).count() == 0
    mentor = User.objects.get(username="mentor")
    assert mentor.check_password("livechat-demo")
    assert mentor.has_perm("livechat.supervise_chats")
    assert User.objects.get(username="helper1").has_perm("livechat.answer_chats")
    assert User.objects.get(username="kbeditor").has_perm("livechat.view_insights")
    assert not User.objects.get(username="visitor").has_perm("livechat.answer_chats")


def _settings_with(env: dict) -> str:
    code = "import config.settings as s; print(s.DATABASES['default']['ENGINE'], "
    code += "s.CHANNEL_LAYERS['default']['BACKEND'], s.DEBUG)"
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG")
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=EXAMPLE_SITE,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_settings_default_to_sqlite_and_the_in_memory_layer():
    assert _settings_with({}) == (
        "django.db.backends.sqlite3 channels.layers.InMemoryChannelLayer True"
    )


def test_settings_switch_to_postgresql_and_redis_from_the_environment():
    assert _settings_with(
        {
            "DATABASE_URL": "postgres://u:p@localhost/livechat",
            "REDIS_URL": "redis://localhost:6379/0",
            "DJANGO_DEBUG": "0",
        }
    ) == ("django.db.backends.postgresql channels_redis.pubsub.RedisPubSubChannelLayer False")


@pytest.fixture
def firefox_doc():
    return DocumentFactory(
        title="Firefox won't start",
        slug="wont-start",
        products=[ProductFactory(slug="firefox", title="Firefox")],
        revision="If Firefox hangs:\n\n# Quit Firefox.\n# Start it again.",
    )


@pytest.mark.slow
def test_demo_history_fills_the_insight_pages(client, demo):
    client.force_login(User.objects.get(username="kbeditor"))
    ranking = page(client.get(reverse("livechat:insights")))
    stats = page(client.get(reverse("livechat:insights_stats")))

    assert "Failure ranking" in ranking
    assert ranking.count(reverse("livechat:insights") + "articles/") >= 3
    assert "<svg" in ranking and "<svg" in stats
    leaderboard = page(client.get(reverse("livechat:leaderboard")))
    helpers = User.objects.filter(username__in=["helper1", "helper2", "helper3"])
    assert all(helper.profile.display_name in leaderboard for helper in helpers)
