"""Karma inside existing profiles and the public leaderboard: Jinja2 (the example site's profile
page), Django templates, the page and the API routes behind them."""

from datetime import timedelta

import pytest
from django.template import Context, Template, engines
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from karma.models import Title

from kitsune_livechat.models import ArticleFeedback, ChatSession, KarmaAward, Rating
from tests.factories import ActiveChatFactory, HelperFactory, UserFactory

pytestmark = pytest.mark.django_db
Action = KarmaAward.Action


@pytest.fixture(autouse=True)
def kitsune_backends(settings):
    settings.LIVECHAT_KARMA_BACKENDS = [
        "kitsune_livechat.karma_backends.KitsuneTitlesBackend",
        "kitsune_livechat.karma_backends.BadgesBackend",
    ]


def chat_work(helper, *, score=5, points=None, locale="en-US", days_ago=0, title=None):
    """An ended chat ``helper`` answered, rated ``score``, with its awards in the ledger."""
    when = timezone.now() - timedelta(days=days_ago)
    session = ActiveChatFactory(
        helper=helper,
        status=ChatSession.Status.ENDED,
        locale=locale,
        ended_at=when,
        **({"article_title": title} if title else {}),
    )
    Rating.objects.create(session=session, score=score)
    KarmaAward.objects.create(
        user=helper,
        action=Action.CHAT_ANSWERED,
        session=session,
        points=points if points is not None else 1,
        locale=locale,
        created=when,
    )
    return session


@pytest.fixture
def helper():
    helper = HelperFactory(username="ada")
    chat_work(helper, score=5, title="Fix slow startup")
    chat_work(helper, score=4, points=10)
    improved = chat_work(helper, score=4, title="Clear the cache", days_ago=100)
    ArticleFeedback.objects.create(
        session=improved,
        author=helper,
        article=improved.article,
        outcome=ArticleFeedback.Outcome.ARTICLE_OUTDATED,
        led_to_revision_id=improved.article.current_revision_id,
    )
    return helper


def test_profile_page_in_jinja2_shows_the_panel(helper):
    Title.objects.set_auto_title("Top 10 Chat Helper", [helper])
    response = Client().get(f"/en-US/user/{helper.username}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-livechat-karma" in html
    assert 'data-stat="points">12<' in html
    assert 'data-stat="last_90_days">11<' in html
    assert 'data-stat="chats_helped">3<' in html
    assert 'data-stat="rating_average">4.3 of 5<' in html
    assert 'data-stat="articles_improved">1<' in html
    assert "Top 10 Chat Helper" in html
    assert "Recent credited work" in html
    assert "Fix slow startup" in html
    assert reverse("livechat:leaderboard") in html


def test_panel_is_empty_for_someone_without_chat_work():
    user = UserFactory(username="newbie")
    response = Client().get(f"/en-US/user/{user.username}")
    assert response.status_code == 200
    assert "data-livechat-karma" not in response.content.decode()


def test_panel_from_a_django_template(helper):
    html = Template("{% load livechat_tags %}{% livechat_karma user %}").render(
        Context({"user": helper})
    )
    assert 'data-stat="points">12<' in html
    assert 'data-stat="chats_helped">3<' in html
    assert Template("{% load livechat_tags %}{% livechat_karma nobody %}").render(Context()) == ""


def test_panel_escapes_what_people_wrote():
    helper = HelperFactory()
    chat_work(helper, title="<script>alert(1)</script>")
    html = Template("{% load livechat_tags %}{% livechat_karma user %}").render(
        Context({"user": helper})
    )
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_panel_query_count_does_not_grow_with_history(helper, django_assert_num_queries):
    panel = engines["jinja2"].from_string("{{ livechat_karma(user) }}")

    with django_assert_num_queries(5):
        panel.render({"user": helper})
    for _ in range(10):
        chat_work(helper)
    with django_assert_num_queries(5):
        html = panel.render({"user": helper})
    assert 'data-stat="chats_helped">13<' in html


def test_leaderboard_page_periods_and_locales():
    ada, bert = HelperFactory(username="ada"), HelperFactory(username="bert")
    chat_work(ada, points=30, days_ago=200)
    chat_work(ada, points=2, days_ago=1)
    chat_work(bert, points=8, days_ago=3, locale="de")
    client = Client()

    def ranks(url):
        html = client.get(url).content.decode()
        return [name for name in ("ada", "bert") if f">{name}</a>" in html], html

    names, html = ranks(f"{reverse('livechat:leaderboard')}?period=week")
    assert names == ["ada", "bert"]
    assert html.index(">bert</a>") < html.index(">ada</a>")  # 8 points before 2
    names, html = ranks(f"{reverse('livechat:leaderboard')}?period=all")
    assert html.index(">ada</a>") < html.index(">bert</a>")  # 32 before 8
    names, _html = ranks(f"{reverse('livechat:leaderboard')}?period=all&locale=de")
    assert names == ["bert"]
    # Unknown filters fall back to the defaults.
    response = client.get(f"{reverse('livechat:leaderboard')}?period=ever&locale=xx")
    assert response.status_code == 200
    assert 'aria-current="page">Last 90 days' in response.content.decode()


def test_leaderboard_page_when_nobody_has_points():
    html = Client().get(reverse("livechat:leaderboard")).content.decode()
    assert "Nobody has earned points in this period yet." in html


# --- API --------------------------------------------------------------------------------------


def test_api_leaderboard_is_public(helper, api_client):
    bert = HelperFactory(username="bert")
    chat_work(bert, points=50, locale="de", days_ago=2)
    response = api_client().get("karma/leaderboard", period="week")
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == "week"
    assert [(e["rank"], e["display_name"], e["points"]) for e in body["entries"]] == [
        (1, "bert", 50),
        (2, "ada", 11),
    ]
    assert body["entries"][0]["profile_url"].endswith("/user/bert")
    assert "email" not in str(body)
    german = api_client().get("karma/leaderboard", period="all", locale="de").json()
    assert [e["display_name"] for e in german["entries"]] == ["bert"]
    bad = api_client().get("karma/leaderboard", period="decade")
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid"


def test_api_own_and_public_karma(helper, api_client):
    mine = api_client(helper).get("karma")
    assert mine.status_code == 200
    body = mine.json()
    assert body["totals"] == {
        "all_time": 12,
        "last_90_days": 11,
        "this_year": body["totals"]["this_year"],
    }
    assert body["chats_helped"] == 3
    assert body["rating_average"] == 4.3
    assert body["articles_improved"] == 1
    assert body["recent"][0]["label"] == "Chat answered"
    public = api_client().get("karma/users/ada")
    assert public.status_code == 200
    assert public.json()["totals"]["all_time"] == 12
    assert api_client().get("karma").status_code == 401
    missing = api_client().get("karma/users/nobody")
    assert missing.status_code == 404
    assert missing.json()["code"] == "no_such_user"
