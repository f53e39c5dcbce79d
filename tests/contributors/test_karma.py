"""The karma ledger: idempotent awards, points per action, anti-gaming rules, chat-end and rating
credit, feedback that led to a revision, totals per period and leaderboards."""

import threading
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wiki.models import Revision

from kitsune_livechat.exceptions import InvalidInput
from kitsune_livechat.models import ArticleFeedback, ChatSession, KarmaAward, Message, Rating
from kitsune_livechat.services.contributors import karma
from tests.factories import (
    ActiveChatFactory,
    HelperFactory,
    MessageFactory,
    UserFactory,
)

Action = KarmaAward.Action
pytestmark = pytest.mark.django_db

RECORDED: list[tuple[int, str, int]] = []


class RecordingBackend:
    """A karma backend that remembers what it was given."""

    def award(self, karma_award):
        RECORDED.append((karma_award.user_id, karma_award.action, karma_award.points))


class BrokenBackend:
    def award(self, karma_award):
        KarmaAward.objects.filter(pk=karma_award.pk).update(points=999)  # rolled back
        raise RuntimeError("backend down")


RECORDING = "tests.contributors.test_karma.RecordingBackend"
BROKEN = "tests.contributors.test_karma.BrokenBackend"


@pytest.fixture(autouse=True)
def only_recording_backend(settings):
    RECORDED.clear()
    settings.LIVECHAT_KARMA_BACKENDS = [RECORDING]


def ended_chat(*, minutes: float = 10, **kwargs) -> ChatSession:
    """A chat that was answered for ``minutes`` and has just ended."""
    now = timezone.now()
    kwargs.setdefault("created", now - timedelta(minutes=minutes + 1))
    return ActiveChatFactory(
        status=ChatSession.Status.ENDED,
        assigned_at=now - timedelta(minutes=minutes),
        ended_at=now,
        **kwargs,
    )


def helper_says(session, user=None, body="Let's fix that.", kind=Message.Kind.TEXT):
    user = user or session.helper
    return MessageFactory(
        session=session, author=user, author_name=user.username, role="helper", kind=kind, body=body
    )


def rows(user):
    return sorted(KarmaAward.objects.filter(user=user).values_list("action", "points"))


# --- award() ----------------------------------------------------------------------------------


def test_same_award_twice_is_one_row_and_one_backend_call():
    session = ended_chat()
    first = karma.award(session.helper, Action.CHAT_ANSWERED, session)
    second = karma.award(session.helper, Action.CHAT_ANSWERED, session)
    assert first.pk == second.pk
    assert KarmaAward.objects.filter(user=session.helper).count() == 1
    assert RECORDED == [(session.helper.pk, "chat_answered", 1)]
    assert first.locale == "en-US"


def test_an_award_without_a_chat_is_once_per_action():
    helper = HelperFactory()
    first = karma.award(helper, Action.TRAINEE_GRADUATED)
    assert karma.award(helper, Action.TRAINEE_GRADUATED).pk == first.pk
    assert first.locale == ""
    assert KarmaAward.objects.filter(user=helper).count() == 1


def test_each_action_earns_its_configured_points():
    defaults = {
        "chat_answered": 1,
        "first_chat": 5,
        "good_rating": 10,
        "feedback_filed": 2,
        "feedback_led_to_revision": 25,
        "mentored_chat": 3,
        "trainee_graduated": 10,
        "walked_away": -5,
    }
    session = ended_chat()
    for action, points in defaults.items():
        assert karma.award(session.helper, action, session).points == points
    # A revocation is worth minus what the chat earned, never a configured amount.
    assert set(defaults) == set(Action.values) - {Action.REVOKED}


@override_settings(LIVECHAT_KARMA_POINTS={"chat_answered": 7, "good_rating": 0})
def test_points_come_from_settings_and_zero_means_no_award():
    session = ended_chat()
    assert karma.award(session.helper, Action.CHAT_ANSWERED, session).points == 7
    assert karma.award(session.helper, Action.GOOD_RATING, session) is None
    with pytest.raises(ValueError):
        karma.award(session.helper, Action.FIRST_CHAT, session)
    with pytest.raises(ValueError):
        karma.award(session.helper, "made_up", session)


def test_explicit_points_override():
    session = ended_chat()
    assert karma.award(session.helper, Action.MENTORED_CHAT, session, points=4).points == 4


def test_a_broken_backend_is_logged_and_the_award_stands(settings, caplog):
    settings.LIVECHAT_KARMA_BACKENDS = [BROKEN, RECORDING]
    session = ended_chat()
    award = karma.award(session.helper, Action.CHAT_ANSWERED, session)
    assert award is not None
    # The broken backend's write was rolled back to its savepoint; the next backend still ran.
    assert KarmaAward.objects.get(pk=award.pk).points == 1
    assert RECORDED == [(session.helper.pk, "chat_answered", 1)]
    assert "BrokenBackend failed" in caplog.text


def test_an_unimportable_backend_does_not_break_the_award(settings, caplog):
    settings.LIVECHAT_KARMA_BACKENDS = ["kitsune_livechat.nowhere.Backend", RECORDING]
    session = ended_chat()
    assert karma.award(session.helper, Action.CHAT_ANSWERED, session) is not None
    assert len(RECORDED) == 1
    assert "nowhere.Backend failed" in caplog.text


# --- Anti-gaming ------------------------------------------------------------------------------


def test_no_credit_for_a_chat_shorter_than_the_minimum(settings):
    settings.LIVECHAT_KARMA_MIN_CHAT_SECONDS = 120
    short = ended_chat(minutes=1.5)
    long = ended_chat(minutes=2.5)
    assert karma.award(short.helper, Action.CHAT_ANSWERED, short) is None
    assert karma.award(long.helper, Action.CHAT_ANSWERED, long) is not None
    assert karma.credit_refusal(short.helper, short) == "too_short"
    # A deduction is not credit: it applies whatever the length.
    assert karma.award(short.helper, Action.WALKED_AWAY, short).points == -5
    assert not KarmaAward.objects.filter(session=short, action=Action.CHAT_ANSWERED).exists()


def test_no_credit_for_helping_yourself():
    helper = HelperFactory()
    session = ended_chat(helper=helper, visitor=helper)
    assert karma.award(helper, Action.CHAT_ANSWERED, session) is None


def test_repeat_pair_limit_within_thirty_days(settings):
    settings.LIVECHAT_KARMA_REPEAT_PAIR_LIMIT = 2
    helper, visitor, other = HelperFactory(), UserFactory(), UserFactory()
    now = timezone.now()
    chats = [
        ended_chat(helper=helper, visitor=visitor, created=now - timedelta(days=days))
        for days in (20, 10, 5)
    ]
    credited = [karma.award(helper, Action.CHAT_ANSWERED, chat) for chat in chats]
    assert [c is not None for c in credited] == [True, True, False]
    assert karma.credit_refusal(helper, chats[2]) == "repeat_pair"
    # The verdict on an earlier chat never changes when later chats happen.
    assert karma.credit_refusal(helper, chats[1]) is None
    # Another visitor, or the same visitor a month after the earlier chats, counts again.
    assert karma.award(helper, Action.CHAT_ANSWERED, ended_chat(helper=helper, visitor=other))
    later = ended_chat(helper=helper, visitor=visitor, created=now + timedelta(days=25))
    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(days=26)):
        later.ended_at = timezone.now()
        assert karma.award(helper, Action.CHAT_ANSWERED, later) is not None


def test_repeat_pair_limit_recognises_anonymous_visitors(settings):
    settings.LIVECHAT_KARMA_REPEAT_PAIR_LIMIT = 1
    helper = HelperFactory()
    now = timezone.now()
    first = ended_chat(helper=helper, visitor=None, anonymous_key="k1", created=now - timedelta(1))
    second = ended_chat(helper=helper, visitor=None, anonymous_key="k1")
    third = ended_chat(helper=helper, visitor=None, anonymous_key="k2")
    assert karma.award(helper, Action.CHAT_ANSWERED, first)
    assert karma.award(helper, Action.CHAT_ANSWERED, second) is None
    assert karma.award(helper, Action.CHAT_ANSWERED, third)


def test_repeat_pair_counts_chats_helped_as_an_invited_helper(settings):
    settings.LIVECHAT_KARMA_REPEAT_PAIR_LIMIT = 1
    helper, visitor = HelperFactory(), UserFactory()
    earlier = ended_chat(visitor=visitor, created=timezone.now() - timedelta(days=2))
    earlier.participants.create(user=helper, role="helper", joined_at=earlier.assigned_at)
    session = ended_chat(helper=helper, visitor=visitor)
    assert karma.credit_refusal(helper, session) == "repeat_pair"


# --- Chat end ---------------------------------------------------------------------------------


def test_first_chat_answered_earns_the_bonus_once():
    helper = HelperFactory()
    first = ended_chat(helper=helper)
    helper_says(first)
    second = ended_chat(helper=helper)
    helper_says(second)

    karma.credit_chat_end(first)
    karma.credit_chat_end(first)  # retried: nothing more
    assert rows(helper) == [("chat_answered", 1), ("first_chat", 5)]
    karma.credit_chat_end(second)
    assert rows(helper) == [("chat_answered", 1), ("chat_answered", 1), ("first_chat", 5)]


def test_every_helper_who_answered_is_credited():
    session = ended_chat()
    invited = HelperFactory()
    session.participants.create(user=invited, role="helper", joined_at=session.assigned_at)
    helper_says(session)
    helper_says(session, invited)
    silent = HelperFactory()
    session.participants.create(user=silent, role="helper", joined_at=session.assigned_at)
    awards = karma.credit_chat_end(session)
    assert {(a.user_id, a.action) for a in awards} == {
        (session.helper_id, "chat_answered"),
        (session.helper_id, "first_chat"),
        (invited.pk, "chat_answered"),
        (invited.pk, "first_chat"),
    }
    assert rows(silent) == []


def test_whispers_and_notes_are_not_answers():
    session = ended_chat(minutes=2)
    helper_says(session, kind=Message.Kind.WHISPER)
    helper_says(session, kind=Message.Kind.NOTE)
    assert karma.credit_chat_end(session) == []


def test_a_helper_who_held_a_chat_and_sent_nothing_walked_away(settings):
    settings.LIVECHAT_KARMA_WALKED_AWAY_SECONDS = 300
    session = ended_chat(minutes=6)
    MessageFactory(session=session, role="visitor", body="Hello? Anyone?")
    awards = karma.credit_chat_end(session)
    assert [(a.action, a.points) for a in awards] == [("walked_away", -5)]
    karma.credit_chat_end(session)
    assert rows(session.helper) == [("walked_away", -5)]
    assert karma.totals(session.helper)["all_time"] == -5


def test_not_walked_away_when_the_visitor_left_quickly_or_a_draft_waited(settings):
    settings.LIVECHAT_KARMA_WALKED_AWAY_SECONDS = 300
    quick = ended_chat(minutes=4)
    assert karma.credit_chat_end(quick) == []
    drafted = ended_chat(minutes=10, supervised=True)
    helper_says(drafted, kind=Message.Kind.DRAFT)
    assert karma.credit_chat_end(drafted) == []


def test_chats_that_did_not_end_normally_earn_nothing():
    for status in (ChatSession.Status.ACTIVE, ChatSession.Status.MISSED):
        session = ended_chat(minutes=10)
        ChatSession.objects.filter(pk=session.pk).update(status=status)
        session.refresh_from_db()
        helper_says(session)
        assert karma.credit_chat_end(session) == []


def test_a_short_chat_earns_no_answer_credit(settings):
    settings.LIVECHAT_KARMA_MIN_CHAT_SECONDS = 60
    session = ended_chat(minutes=0.5)
    helper_says(session)
    assert karma.credit_chat_end(session) == []


# --- Ratings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("score, credited", [(5, True), (4, True), (3, False), (1, False)])
def test_good_rating_is_four_or_more(score, credited):
    session = ended_chat()
    rating = Rating.objects.create(session=session, score=score)
    result = karma.credit_rating(rating)
    assert (result is not None) == credited
    karma.credit_rating(rating)
    expected = [("good_rating", 10)] if credited else []
    assert rows(session.helper) == expected


# --- Feedback that led to a revision ----------------------------------------------------------


def new_revision(article, *, approved=True, when=None):
    when = when or timezone.now()
    return Revision.objects.create(
        document=article,
        content="Better steps.",
        is_approved=approved,
        creator=UserFactory(),
        created=when,
        reviewed=when if approved else None,
    )


def filed_feedback(outcome=ArticleFeedback.Outcome.ARTICLE_OUTDATED, **kwargs):
    session = ended_chat()
    return ArticleFeedback.objects.create(
        session=session,
        author=session.helper,
        article=session.article,
        revision_id=session.article_revision_id,
        outcome=outcome,
        created=kwargs.pop("created", timezone.now() - timedelta(hours=1)),
        **kwargs,
    )


def test_feedback_followed_by_an_approved_revision_is_credited_once():
    feedback = filed_feedback()
    untouched = filed_feedback(ArticleFeedback.Outcome.ARTICLE_WRONG)
    revision = new_revision(feedback.article)
    new_revision(untouched.article, approved=False)

    call_command("livechat_karma", verbosity=0)
    call_command("livechat_karma", verbosity=0)

    feedback.refresh_from_db()
    assert feedback.led_to_revision_id == revision.pk
    assert rows(feedback.author) == [("feedback_led_to_revision", 25)]
    untouched.refresh_from_db()
    assert untouched.led_to_revision_id is None
    assert rows(untouched.author) == []


def test_only_feedback_about_the_article_and_revisions_after_it_count():
    solved = filed_feedback(ArticleFeedback.Outcome.ARTICLE_SOLVED)
    new_revision(solved.article)
    earlier = filed_feedback(ArticleFeedback.Outcome.ARTICLE_INCOMPLETE)
    new_revision(earlier.article, when=earlier.created - timedelta(minutes=5))
    flagged = filed_feedback(ArticleFeedback.Outcome.WRONG_ARTICLE, flagged_for_review=True)
    new_revision(flagged.article)

    credited = karma.credit_feedback_revisions()
    assert [(a.user_id, a.action) for a in credited] == [
        (flagged.author_id, "feedback_led_to_revision")
    ]


def test_old_feedback_is_not_credited_for_a_late_revision(settings):
    settings.LIVECHAT_KARMA_FEEDBACK_REVISION_DAYS = 30
    feedback = filed_feedback(created=timezone.now() - timedelta(days=31))
    new_revision(feedback.article)
    assert karma.credit_feedback_revisions() == []


# --- Totals and leaderboards ------------------------------------------------------------------

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.get_default_timezone())


def give(user, points, when, locale="en-US", action=Action.GOOD_RATING):
    session = ActiveChatFactory(locale=locale)
    return KarmaAward.objects.create(
        user=user, action=action, session=session, points=points, locale=locale, created=when
    )


def test_totals_all_time_last_90_days_and_this_year():
    user = UserFactory()
    give(user, 1, NOW - timedelta(days=400))  # last year
    give(user, 10, NOW - timedelta(days=150))  # this year, before the 90 days
    give(user, 100, NOW - timedelta(days=30))
    give(user, -5, NOW - timedelta(days=1))
    give(UserFactory(), 1000, NOW)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        assert karma.totals(user) == {"all_time": 106, "last_90_days": 95, "this_year": 105}
        assert karma.points_in_year(user, 2025) == 1
        assert karma.totals(UserFactory()) == {"all_time": 0, "last_90_days": 0, "this_year": 0}


def test_leaderboard_per_period_and_locale(django_assert_num_queries):
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    give(alice, 50, NOW - timedelta(days=200))
    give(alice, 5, NOW - timedelta(days=2))
    give(bob, 20, NOW - timedelta(days=30), locale="de")
    give(bob, 1, NOW - timedelta(days=3), locale="de", action=Action.CHAT_ANSWERED)
    give(carol, 8, NOW - timedelta(days=1))
    give(carol, -20, NOW - timedelta(days=100))

    def board(**kwargs):
        return [(row["user_id"], row["points"]) for row in karma.leaderboard(**kwargs)]

    with mock.patch("django.utils.timezone.now", return_value=NOW):
        assert board(period="week") == [(carol.pk, 8), (alice.pk, 5), (bob.pk, 1)]
        assert board(period="90d") == [(bob.pk, 21), (carol.pk, 8), (alice.pk, 5)]
        assert board(period="all") == [(alice.pk, 55), (bob.pk, 21)]  # carol is below zero
        assert board(period="90d", locale="de") == [(bob.pk, 21)]
        assert board(period="all", limit=1) == [(alice.pk, 55)]
        assert karma.leaderboard(period="90d", locale="de")[0]["chats"] == 1
        with django_assert_num_queries(2):
            entries = karma.leaderboard_entries(period="90d")
    assert [entry["rank"] for entry in entries] == [1, 2, 3]
    assert entries[0]["display_name"] == bob.username


def test_unknown_period_is_invalid_input():
    with pytest.raises(InvalidInput):
        karma.leaderboard(period="decade")


# --- Concurrency (PostgreSQL) -----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_chat", [True, False])
def test_concurrent_awards_store_one_row(with_chat):
    session = ended_chat()
    helper = session.helper
    action = Action.CHAT_ANSWERED if with_chat else Action.TRAINEE_GRADUATED
    barrier = threading.Barrier(8)
    results, errors = [], []

    def award():
        try:
            barrier.wait()
            results.append(karma.award(helper, action, session if with_chat else None).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=award) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    assert KarmaAward.objects.filter(user=helper).count() == 1
    assert len(RECORDED) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_chats_ending_at_once_give_one_first_chat_bonus():
    helper = HelperFactory()
    chats = [ended_chat(helper=helper, visitor=UserFactory()) for _ in range(4)]
    for chat in chats:
        helper_says(chat)
    barrier = threading.Barrier(len(chats))
    errors = []

    def end(chat):
        try:
            barrier.wait()
            karma.credit_chat_end(chat)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=end, args=(chat,)) for chat in chats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert KarmaAward.objects.filter(user=helper, action=Action.FIRST_CHAT).count() == 1
    assert KarmaAward.objects.filter(user=helper, action=Action.CHAT_ANSWERED).count() == 4


def test_chat_end_credit_costs_the_same_whatever_the_history(settings):
    """Ending a chat is a hot path: its karma queries do not grow with messages or past chats."""

    settings.LIVECHAT_KARMA_REPEAT_PAIR_LIMIT = 100

    def queries_for_end(earlier_chats: int, messages: int) -> int:
        helper = HelperFactory()
        for _ in range(earlier_chats):
            old = ended_chat(helper=helper)
            helper_says(old)
            karma.credit_chat_end(old)
        session = ended_chat(helper=helper)
        for _ in range(messages):
            helper_says(session)
            MessageFactory(session=session, role="visitor")
        with CaptureQueriesContext(connection) as captured:
            karma.credit_chat_end(session)
        assert KarmaAward.objects.filter(session=session, action="chat_answered").exists()
        return len(captured)

    assert queries_for_end(1, 2) == queries_for_end(20, 30)
