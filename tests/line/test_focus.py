"""Focus campaigns: matching visitors, validating pre-chat answers, the operator API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kitsune_livechat.exceptions import InvalidInput
from kitsune_livechat.models import ChatSession, Focus
from kitsune_livechat.services.line.focus import match_focus, public_focus, validate_answers
from tests.factories import (
    ChatSessionFactory,
    DocumentFactory,
    SupervisorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"key": "version", "label": "Which Firefox version?", "type": "text", "required": True},
    {
        "key": "sync",
        "label": "How do you sync?",
        "type": "choice",
        "choices": ["account", "none", {"value": "other", "label": "Something else"}],
        "required": False,
    },
    {"key": "backup", "label": "Do you have a backup?", "type": "yesno", "required": True},
    {"key": "notes", "label": "Anything else?", "type": "text"},
]


def make_focus(**kwargs) -> Focus:
    articles = kwargs.pop("articles", [])
    kwargs.setdefault("title", "Lost bookmarks after update")
    kwargs.setdefault("slug", f"focus-{Focus.objects.count() + 1}")
    kwargs.setdefault("questions", QUESTIONS)
    focus = Focus.objects.create(**kwargs)
    if articles:
        focus.articles.set(articles)
    return focus


# --- match_focus ------------------------------------------------------------------------------


def test_no_focus_matches_when_none_is_defined():
    assert match_focus(article=DocumentFactory(), product="firefox", locale="en-US") is None


def test_focus_on_articles_matches_only_those_articles():
    targeted, other = DocumentFactory(), DocumentFactory()
    focus = make_focus(articles=[targeted])
    assert match_focus(article=targeted, locale="en-US") == focus
    assert match_focus(article=targeted.pk, locale="en-US") == focus
    assert match_focus(article=other, locale="en-US") is None
    assert match_focus(article=None, locale="en-US") is None


def test_product_locale_and_browser_targets_all_have_to_match():
    focus = make_focus(products=["firefox"], locales=["de", "fr"], browser_versions=["Firefox 120"])
    visitor = {"product": "firefox", "locale": "de", "browser": "Firefox"}
    assert match_focus(**visitor, browser_version="120.0.1") == focus
    assert match_focus(**visitor, browser_version="120") == focus
    assert match_focus(**visitor, browser_version="121.0") is None
    # A version boundary: Firefox 12 is not Firefox 120.
    assert match_focus(**{**visitor, "locale": "de"}, browser_version="1200.1") is None
    assert match_focus(**{**visitor, "product": "thunderbird"}, browser_version="120.0") is None
    assert match_focus(**{**visitor, "locale": "en-US"}, browser_version="120.0") is None
    assert match_focus(**{**visitor, "browser": "Chrome"}, browser_version="120.0") is None


def test_browser_name_alone_matches_any_version():
    focus = make_focus(browser_versions=["firefox"])
    assert match_focus(browser="Firefox", browser_version="99.0") == focus
    assert match_focus(browser="Safari", browser_version="17") is None


def test_time_window_and_active_flag():
    now = timezone.now()
    make_focus(is_active=False)
    later = make_focus(starts=now + timedelta(hours=1))
    make_focus(ends=now - timedelta(seconds=1))
    assert match_focus(locale="en-US", now=now) is None
    current = make_focus(starts=now - timedelta(days=1), ends=now + timedelta(days=1))
    assert match_focus(locale="en-US", now=now) == current
    # Two days on, the current one is over and the later one has begun.
    assert match_focus(locale="en-US", now=now + timedelta(days=2)) == later


def test_capacity_counts_collected_chats_not_abandoned_or_missed_ones():
    focus = make_focus(capacity=2)
    ChatSessionFactory(focus=focus, status=ChatSession.Status.ABANDONED)
    ChatSessionFactory(focus=focus, status=ChatSession.Status.MISSED)
    ChatSessionFactory(focus=focus, status=ChatSession.Status.ENDED)
    assert match_focus(locale="en-US") == focus
    ChatSessionFactory(focus=focus, status=ChatSession.Status.WAITING)
    assert match_focus(locale="en-US") is None


def test_a_focus_naming_the_article_beats_a_newer_general_one():
    article = DocumentFactory()
    specific = make_focus(articles=[article], created=timezone.now() - timedelta(days=3))
    general = make_focus(created=timezone.now())
    assert match_focus(article=article) == specific
    assert match_focus(article=DocumentFactory()) == general


def test_matching_takes_two_queries_however_many_focuses(django_assert_num_queries):
    for _ in range(5):
        make_focus(articles=[DocumentFactory()], products=["firefox"])
    article = DocumentFactory()
    with django_assert_num_queries(2):
        assert match_focus(article=article, product="firefox") is None


def test_public_focus_hides_targeting_and_normalises_choices():
    focus = make_focus(products=["firefox"])
    shown = public_focus(focus)
    assert shown["title"] == "Lost bookmarks after update"
    assert "products" not in shown
    assert shown["questions"][1]["choices"] == ["account", "none", "other"]
    assert public_focus(None) is None


# --- validate_answers -------------------------------------------------------------------------


def test_valid_answers_are_cleaned_and_typed():
    focus = make_focus()
    cleaned = validate_answers(
        focus=focus,
        answers={"version": "  120.0 ", "sync": "other", "backup": "no", "notes": " "},
    )
    assert cleaned == {"version": "120.0", "sync": "other", "backup": False}
    assert validate_answers(focus=focus, answers={"version": "121", "backup": True}) == {
        "version": "121",
        "backup": True,
    }


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"backup": "yes"}, "missing_answer"),
        ({"version": "   ", "backup": "yes"}, "missing_answer"),
        ({"version": "120"}, "missing_answer"),
        ({"version": "120", "backup": "maybe"}, "invalid_answer"),
        ({"version": "120", "backup": "yes", "sync": "carrier pigeon"}, "invalid_answer"),
        ({"version": ["120"], "backup": "yes"}, "invalid_answer"),
        ({"version": "x" * 1001, "backup": "yes"}, "invalid_answer"),
        ({"version": "120", "backup": "yes", "favourite_colour": "blue"}, "unknown_question"),
    ],
)
def test_bad_answers_are_refused_with_a_specific_code(answers, code):
    with pytest.raises(InvalidInput) as caught:
        validate_answers(focus=make_focus(), answers=answers)
    assert caught.value.code == code


def test_without_a_focus_answers_are_dropped():
    assert validate_answers(focus=None, answers={"anything": "at all"}) == {}


# --- Operator API -----------------------------------------------------------------------------


def test_operators_list_and_create_focuses(api_client):
    article = DocumentFactory()
    client = api_client(SupervisorFactory())
    response = client.post(
        "focuses",
        {
            "title": "Sync problems in Firefox 120",
            "description": "Help us understand sync failures.",
            "articles": [article.pk],
            "products": ["firefox"],
            "locales": ["en-US"],
            "browser_versions": ["Firefox 120"],
            "capacity": 50,
            "questions": QUESTIONS,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "sync-problems-in-firefox-120"
    assert body["articles"] == [article.pk]
    assert body["questions"][1]["choices"] == ["account", "none", "other"]
    focus = Focus.objects.get()
    assert focus.capacity == 50
    listed = client.get("focuses").json()
    assert [f["slug"] for f in listed] == ["sync-problems-in-firefox-120"]
    assert listed[0]["collected"] == 0


def test_staff_may_manage_focuses_too(api_client):
    staff = UserFactory(is_staff=True)
    assert api_client(staff).get("focuses").status_code == 200


def test_focus_api_refuses_visitors_and_bad_questions(api_client):
    visitor = api_client(UserFactory())
    assert visitor.get("focuses").status_code == 403
    assert visitor.post("focuses", {"title": "x"}).status_code == 403
    assert api_client().get("focuses").status_code == 401
    supervisor = api_client(SupervisorFactory())
    response = supervisor.post(
        "focuses", {"title": "Bad", "questions": [{"key": "a", "label": "A", "type": "slider"}]}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_question"
    response = supervisor.post("focuses", {"title": "Bad", "articles": [987654]})
    assert response.status_code == 400
    assert Focus.objects.count() == 0
