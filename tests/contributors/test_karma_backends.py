"""Karma backends against the example site's ``karma`` (auto titles) and ``kbadge`` (yearly
badges), the checks that guard them, and a broken backend never breaking the end of a chat."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from karma.models import Title
from kbadge.models import Award, Badge

from kitsune_livechat.conf import DEFAULTS
from kitsune_livechat.models import ChatSession, KarmaAward, Message
from kitsune_livechat.services.contributors import karma
from tests.factories import ActiveChatFactory, HelperFactory, MessageFactory

pytestmark = pytest.mark.django_db
Action = KarmaAward.Action

TITLES = "kitsune_livechat.karma_backends.KitsuneTitlesBackend"
BADGES = "kitsune_livechat.karma_backends.BadgesBackend"


class ExplodingBackend:
    def award(self, karma_award):
        raise RuntimeError("the badge service is down")


class NeedsMissingApp:
    required_app_labels = ("no_such_app",)

    def award(self, karma_award):
        """Never reached: the check reports the missing app."""


def chat(helper=None, **kwargs):
    now = timezone.now()
    return ActiveChatFactory(
        helper=helper or HelperFactory(),
        status=ChatSession.Status.ENDED,
        assigned_at=now - timedelta(minutes=10),
        ended_at=now,
        **kwargs,
    )


def earn(user, points, action=Action.GOOD_RATING):
    return karma.award(user, action, chat(user), points=points)


def title_holders(name="Top 10 Chat Helper"):
    title = Title.objects.filter(name=name).first()
    return set(title.users.values_list("username", flat=True)) if title else set()


# --- Titles -----------------------------------------------------------------------------------


@override_settings(LIVECHAT_KARMA_BACKENDS=[TITLES], LIVECHAT_TOP_HELPERS_COUNT=2)
def test_top_helpers_title_follows_the_ranking():
    ada, bert, cleo = (HelperFactory(username=name) for name in ("ada", "bert", "cleo"))
    earn(ada, 5)
    assert title_holders() == {"ada"}
    earn(bert, 3)
    assert title_holders() == {"ada", "bert"}
    earn(cleo, 4)
    assert title_holders() == {"ada", "cleo"}
    assert Title.objects.get(name="Top 10 Chat Helper").is_auto


@override_settings(LIVECHAT_KARMA_BACKENDS=[TITLES])
def test_deductions_alone_never_earn_the_title_and_other_titles_are_left_alone():
    manual = Title.objects.create(name="Moderator")
    walker = HelperFactory(username="walker")
    manual.users.add(walker)
    karma.award(walker, Action.WALKED_AWAY, chat(walker))
    assert title_holders() == set()
    assert title_holders("Moderator") == {"walker"}


@override_settings(LIVECHAT_KARMA_BACKENDS=[TITLES])
def test_livechat_karma_command_takes_the_title_back_when_points_age_out():
    ada, bert = HelperFactory(username="ada"), HelperFactory(username="bert")
    earn(ada, 5)
    earn(bert, 1)
    assert title_holders() == {"ada", "bert"}
    KarmaAward.objects.filter(user=ada).update(created=timezone.now() - timedelta(days=91))
    call_command("livechat_karma", verbosity=0)
    assert title_holders() == {"bert"}


@override_settings(LIVECHAT_KARMA_BACKENDS=[TITLES], LIVECHAT_TOP_HELPERS_TITLE="Chat Star")
def test_title_name_is_a_setting():
    earn(HelperFactory(username="ada"), 2)
    assert title_holders("Chat Star") == {"ada"}
    assert title_holders() == set()


# --- Badges -----------------------------------------------------------------------------------


@override_settings(LIVECHAT_KARMA_BACKENDS=[BADGES], LIVECHAT_BADGE_THRESHOLD=15)
def test_yearly_badge_when_the_threshold_is_reached_once_per_year():
    helper = HelperFactory()
    june = datetime(2026, 6, 1, 12, tzinfo=timezone.get_default_timezone())
    with mock.patch("django.utils.timezone.now", return_value=june):
        earn(helper, 10)
        assert not Award.objects.filter(user=helper).exists()
        earn(helper, 5)
        earn(helper, 10)
    badge = Badge.objects.get(slug="2026-live-chat-badge")
    assert badge.title == "2026 Live Chat Badge"
    assert Award.objects.filter(user=helper, badge=badge).count() == 1

    next_year = datetime(2027, 1, 2, 12, tzinfo=timezone.get_default_timezone())
    with mock.patch("django.utils.timezone.now", return_value=next_year):
        earn(helper, 10)  # last year's points do not count towards this year's badge
        assert not Badge.objects.filter(slug="2027-live-chat-badge").exists()
        earn(helper, 5)
    assert Award.objects.filter(user=helper, badge__slug="2027-live-chat-badge").count() == 1


@override_settings(LIVECHAT_KARMA_BACKENDS=[BADGES], LIVECHAT_BADGE_THRESHOLD=1)
def test_deductions_never_award_a_badge():
    helper = HelperFactory()
    karma.award(helper, Action.WALKED_AWAY, chat(helper), points=-5)
    earn(helper, 1)  # net -4: still under the threshold
    assert not Award.objects.filter(user=helper).exists()


@override_settings(
    LIVECHAT_KARMA_BACKENDS=[BADGES],
    LIVECHAT_BADGE_THRESHOLD=1,
    LIVECHAT_BADGE_TITLE_TEMPLATE="Live chat hero {year}",
)
def test_badge_title_comes_from_the_template():
    helper = HelperFactory()
    earn(helper, 1)
    year = timezone.now().year
    assert Award.objects.get(user=helper).badge.title == f"Live chat hero {year}"


# --- Both, as configured by default -----------------------------------------------------------


def test_default_backends_are_titles_and_badges(settings):
    assert DEFAULTS["KARMA_BACKENDS"] == [TITLES, BADGES]
    del settings.LIVECHAT_KARMA_BACKENDS  # use the defaults
    settings.LIVECHAT_BADGE_THRESHOLD = 3
    helper = HelperFactory(username="ada")
    earn(helper, 3)
    assert title_holders() == {"ada"}
    assert Award.objects.filter(user=helper).count() == 1


# --- A failing backend never breaks a chat ----------------------------------------------------


@override_settings(
    LIVECHAT_KARMA_BACKENDS=["tests.contributors.test_karma_backends.ExplodingBackend", TITLES],
    LIVECHAT_KARMA_MIN_CHAT_SECONDS=0,
)
def test_a_broken_backend_does_not_break_ending_a_chat(caplog, api_client):
    helper = HelperFactory(username="ada")
    session = ActiveChatFactory(helper=helper, assigned_at=timezone.now() - timedelta(minutes=5))
    MessageFactory(session=session, author=helper, role="helper", body="Try safe mode.")

    response = api_client(helper).post(f"sessions/{session.pk}/end", {})

    assert response.status_code == 200
    assert response.json()["status"] == "ended"
    session.refresh_from_db()
    assert session.status == ChatSession.Status.ENDED
    assert session.messages.filter(kind=Message.Kind.SYSTEM).exists()
    assert sorted(KarmaAward.objects.filter(user=helper).values_list("action", flat=True)) == [
        "chat_answered",
        "first_chat",
    ]
    assert title_holders() == {"ada"}  # the backend after the broken one still ran
    assert "ExplodingBackend failed" in caplog.text


# --- Checks -----------------------------------------------------------------------------------


def test_backends_of_installed_host_apps_pass_the_checks():
    assert not [m for m in run_checks() if m.id == "livechat.E007"]


@override_settings(
    LIVECHAT_KARMA_BACKENDS=["tests.contributors.test_karma_backends.NeedsMissingApp"]
)
def test_a_backend_whose_host_app_is_missing_is_reported():
    messages = [m for m in run_checks() if m.id == "livechat.E007"]
    assert len(messages) == 1
    assert "no_such_app" in messages[0].msg
    assert messages[0].hint
