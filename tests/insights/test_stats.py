"""Stats and insight figures, checked exactly against hand-built chat histories."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from django.db import connection
from django.db.models import F
from django.db.models.functions import TruncDate
from django.test import override_settings

from kitsune_livechat.exceptions import InvalidInput
from kitsune_livechat.models import ArticleFeedback, ChatSession, Focus
from kitsune_livechat.services.insights import expressions, focus_answers, stats
from kitsune_livechat.services.insights.articles import (
    article_insight,
    article_ranking,
    themes,
    trend,
    wrong_right_pairs,
)
from kitsune_livechat.services.insights.filters import Filters
from tests.factories import (
    ArticleFeedbackFactory,
    ChatSessionFactory,
    DocumentFactory,
    EndedChatFactory,
    HelperFactory,
    QueueFactory,
    RatingFactory,
)

pytestmark = pytest.mark.django_db

Outcome = ArticleFeedback.Outcome
Status = ChatSession.Status
DAY1 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)
DAY3 = DAY1 + timedelta(days=2)
RANGE = Filters(start=date(2024, 3, 4), end=date(2024, 3, 5))


def answered(queue, helper, at, *, wait, first_response, duration, **kwargs):
    """An ended chat with exact timings (seconds)."""
    assigned = at + timedelta(seconds=wait)
    return EndedChatFactory(
        queue=queue,
        helper=helper,
        created=at,
        assigned_at=assigned,
        first_response_at=at + timedelta(seconds=first_response),
        ended_at=assigned + timedelta(seconds=duration),
        **kwargs,
    )


@pytest.fixture
def history():
    """Two queues over three days.

    general, day 1: five answered chats (waits 10, 20, 30, 40, 100 s; first responses 15, 25,
    35, 45, 105 s; durations 60..300 s; ratings 5, 4, 2), one abandoned, one missed and
    handed to the forum. general, day 2: two answered (waits 7 and 8 s). de, day 1: one
    answered (wait 12 s). Day 3 is outside the range.
    """
    general = QueueFactory(slug="general", name="General", is_default=True)
    german = QueueFactory(slug="de", name="Deutsch", locale="de")
    ann, bob = HelperFactory(username="ann"), HelperFactory(username="bob")
    chats = []
    for n, wait in enumerate([10, 20, 30, 40, 100]):
        chats.append(
            answered(
                general,
                ann if n < 4 else bob,
                DAY1 + timedelta(minutes=n),
                wait=wait,
                first_response=wait + 5,
                duration=60 * (n + 1),
            )
        )
    for chat, score in zip(chats, [5, 4, 2], strict=False):
        RatingFactory(session=chat, score=score)
    ChatSessionFactory(queue=general, created=DAY1, status=Status.ABANDONED)
    ChatSessionFactory(
        queue=general,
        created=DAY1 + timedelta(hours=2),
        status=Status.MISSED,
        handoff_question_id=7,
    )
    answered(general, ann, DAY2, wait=7, first_response=9, duration=100)
    answered(general, ann, DAY2 + timedelta(hours=1), wait=8, first_response=20, duration=200)
    answered(german, bob, DAY1, wait=12, first_response=30, duration=90, locale="de")
    answered(general, ann, DAY3, wait=500, first_response=600, duration=50)
    return {"general": general, "german": german, "ann": ann, "bob": bob}


def test_queue_days_have_exact_counts_percentiles_and_averages(history):
    rows = stats.queue_days(RANGE)
    assert [(r["day"], r["queue"]) for r in rows] == [
        (date(2024, 3, 4), "de"),
        (date(2024, 3, 4), "general"),
        (date(2024, 3, 5), "general"),
    ]
    german, general1, general2 = rows
    assert general1 == {
        "queue": "general",
        "queue_name": "General",
        "day": date(2024, 3, 4),
        "requested": 7,
        "answered": 5,
        "abandoned": 1,
        "missed": 1,
        "handed_off": 1,
        "ended": 5,
        "wait_p50": 30.0,
        "wait_p90": 76.0,  # position 0.9 × 4 = 3.6: 40 + 0.6 × (100 − 40)
        "first_response_avg": 45.0,
        "duration_avg": 180.0,
        "ratings": 3,
        "rating_avg": 3.67,
    }
    assert (general2["requested"], general2["wait_p50"], general2["wait_p90"]) == (2, 7.5, 7.9)
    assert (general2["first_response_avg"], general2["duration_avg"]) == (14.5, 150.0)
    assert (general2["ratings"], general2["rating_avg"]) == (0, None)
    assert (german["requested"], german["wait_p50"], german["wait_p90"]) == (1, 12.0, 12.0)


def test_totals_over_the_range(history):
    totals = stats.totals(RANGE)
    assert totals["requested"] == 10
    assert totals["answered"] == 8
    assert (totals["abandoned"], totals["missed"], totals["handed_off"]) == (1, 1, 1)
    # Waits 7, 8, 10, 12, 20, 30, 40, 100: median between 12 and 20; p90 at 6.3 → 40 + 0.3 × 60.
    assert totals["wait_p50"] == 16.0
    assert totals["wait_p90"] == 58.0
    assert totals["first_response_avg"] == round((15 + 25 + 35 + 45 + 105 + 9 + 20 + 30) / 8, 1)


def test_filters_narrow_by_queue_locale_and_dates(history):
    assert stats.totals(Filters(start=date(2024, 3, 4), end=date(2024, 3, 6)))["requested"] == 11
    assert stats.totals(Filters(queue="de"))["requested"] == 1
    assert stats.totals(Filters(locale="de"))["wait_p50"] == 12.0
    only_day2 = Filters(start=date(2024, 3, 5), end=date(2024, 3, 5))
    assert stats.totals(only_day2)["answered"] == 2


def test_daily_series_includes_empty_days(history):
    series = stats.daily_series(Filters(start=date(2024, 3, 3), end=date(2024, 3, 5)))
    assert [(d["day"], d["requested"], d["answered"]) for d in series] == [
        (date(2024, 3, 3), 0, 0),
        (date(2024, 3, 4), 8, 6),
        (date(2024, 3, 5), 2, 2),
    ]


def test_helpers_chats_handled_and_ratings(history):
    rows = stats.helpers(RANGE)
    assert [(r["name"], r["chats"], r["ended"]) for r in rows] == [("ann", 6, 6), ("bob", 2, 2)]
    ann = rows[0]
    assert ann["ratings"] == 3
    assert ann["rating_avg"] == 3.67
    assert ann["duration_avg"] == round((60 + 120 + 180 + 240 + 100 + 200) / 6, 1)


def test_ratings_summary(history):
    ratings = stats.ratings(RANGE)
    assert ratings["count"] == 3
    assert ratings["average"] == 3.67
    assert ratings["scores"] == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}


def test_stats_query_count_does_not_grow_with_chats(history, django_assert_max_num_queries):
    def run():
        with django_assert_max_num_queries(16) as captured:
            stats.stats(RANGE)
        return len(captured)

    before = run()
    for n in range(20):
        answered(history["general"], history["ann"], DAY1, wait=n, first_response=n, duration=5)
    assert run() == before


# --- Percentiles ------------------------------------------------------------------------------


def test_percentiles_match_the_definition_on_uneven_data():
    helper = HelperFactory()
    queue = QueueFactory()
    waits = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]  # sorted: 1 1 2 3 3 4 5 5 5 6 9
    for n, wait in enumerate(waits):
        at = DAY1 + timedelta(minutes=n)
        answered(queue, helper, at, wait=wait, first_response=1, duration=1)
    values = expressions.percentiles(
        ChatSession.objects.all(),
        expressions.wait_seconds(),
        points=(Fraction(1, 2), Fraction(9, 10), Fraction(1, 4), Fraction(1, 1)),
    )[()]
    assert values[Fraction(1, 2)] == 4.0
    assert values[Fraction(9, 10)] == 6.0  # position 9: the tenth value
    assert values[Fraction(1, 4)] == 2.5  # position 2.5: between 2 and 3
    assert values[Fraction(1, 1)] == 9.0


def test_percentiles_ignore_unanswered_chats_and_split_groups():
    queue = QueueFactory()
    helper = HelperFactory()
    for wait in (2, 4):
        answered(queue, helper, DAY1, wait=wait, first_response=1, duration=1)
    answered(queue, helper, DAY2, wait=100, first_response=1, duration=1)
    ChatSessionFactory(queue=queue, created=DAY1, status=Status.ABANDONED)

    values = expressions.percentiles(
        ChatSession.objects.all(),
        expressions.wait_seconds(),
        group_by={"day": TruncDate("created")},
    )
    assert values == {
        (date(2024, 3, 4),): {Fraction(1, 2): 3.0, Fraction(9, 10): 3.8},
        (date(2024, 3, 5),): {Fraction(1, 2): 100.0, Fraction(9, 10): 100.0},
    }


def test_percentiles_of_nothing_are_absent():
    assert expressions.percentiles(ChatSession.objects.all(), expressions.wait_seconds()) == {}
    assert stats.totals(RANGE)["wait_p50"] is None


@pytest.mark.postgres
def test_postgres_percentile_cont_agrees_with_the_portable_path(history):
    assert connection.vendor == "postgresql"

    group = {"queue_slug": F("queue__slug")}
    by_aggregate = expressions.percentiles(
        ChatSession.objects.all(), expressions.wait_seconds(), group_by=group, method="aggregate"
    )
    by_window = expressions.percentiles(
        ChatSession.objects.all(), expressions.wait_seconds(), group_by=group, method="window"
    )
    assert by_aggregate.keys() == by_window.keys() == {("general",), ("de",)}
    for key, values in by_aggregate.items():
        for point, value in values.items():
            assert value == pytest.approx(by_window[key][point], abs=1e-9)


# --- Filters ----------------------------------------------------------------------------------


def test_filters_from_query_parameters():
    filters = Filters.from_params(
        {"from": "2024-03-01", "to": "2024-03-31", "product": "firefox", "locale": "de"}
    )
    assert filters == Filters(
        start=date(2024, 3, 1), end=date(2024, 3, 31), product="firefox", locale="de"
    )
    assert Filters.from_params({}, today=date(2024, 3, 31)).start == date(2024, 3, 2)
    with pytest.raises(InvalidInput) as caught:
        Filters.from_params({"from": "yesterday"})
    assert caught.value.code == "invalid_date"
    with pytest.raises(InvalidInput) as caught:
        Filters.from_params({"from": "2024-04-01", "to": "2024-03-01"})
    assert caught.value.code == "bad_range"


# --- Articles ---------------------------------------------------------------------------------


def feedback_on(article, outcome, *, product="firefox", locale="en-US", at=DAY1, **kwargs):
    session = EndedChatFactory(article=article, product=product, locale=locale, created=at)
    return ArticleFeedbackFactory(session=session, outcome=outcome, **kwargs)


@pytest.fixture
def articles():
    """Four articles with known feedback (see test_article_ranking for the figures)."""
    a, b, c, d = (DocumentFactory(title=t) for t in ("Sync", "Bookmarks", "Crash", "Profiles"))
    e, f = DocumentFactory(title="Reset password"), DocumentFactory(title="Sync settings")
    for outcome in (Outcome.ARTICLE_OUTDATED, Outcome.ARTICLE_OUTDATED):
        feedback_on(a, outcome)
    feedback_on(
        a,
        Outcome.ARTICLE_INCOMPLETE,
        missing="Doesn't mention the sync password reset",
        tags=["sync", "firefox-120"],
    )
    feedback_on(a, Outcome.WRONG_ARTICLE, solved_by=e, missing="Sync password screen changed")
    feedback_on(a, Outcome.ARTICLE_SOLVED, missing="Needs screenshots of the new sync screen")
    feedback_on(a, Outcome.NOT_ARTICLE_RELATED, tags=["sync"])
    for outcome in (Outcome.ARTICLE_WRONG, Outcome.WRONG_ARTICLE):
        feedback_on(b, outcome, product="thunderbird", solved_by=e)
    for _ in range(2):
        feedback_on(b, Outcome.ARTICLE_SOLVED, product="thunderbird")
    for _ in range(6):
        EndedChatFactory(article=b, product="thunderbird", created=DAY1)
    for _ in range(2):
        feedback_on(c, Outcome.ARTICLE_WRONG)
    for _ in range(3):
        feedback_on(d, Outcome.ARTICLE_SOLVED, locale="de")
    # A wrong→right pair outside the sync article, and one more A→F.
    ArticleFeedbackFactory(
        session=EndedChatFactory(article=a, created=DAY2, product="firefox"),
        outcome=Outcome.WRONG_ARTICLE,
        solved_by=f,
    )
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


@override_settings(LIVECHAT_INSIGHTS_MIN_SAMPLE=3)
def test_article_ranking_is_volume_times_failure_rate_with_a_minimum_sample(articles):
    ranking = article_ranking(RANGE)
    # B: 10 chats, 4 judged, 2 failures → 0.5 × 10 = 5.0
    # A: 7 chats, 6 judged (not-related excluded), 5 failures → 5/6 × 7 = 5.83
    # D: 3 chats, 3 solved → 0. C: 2 judged < 3, left out.
    assert [(r["title"], r["chats"], r["judged"], r["failures"]) for r in ranking] == [
        ("Sync", 7, 6, 5),
        ("Bookmarks", 10, 4, 2),
        ("Profiles", 3, 3, 0),
    ]
    assert [r["score"] for r in ranking] == [5.83, 5.0, 0.0]
    assert [r["failure_rate"] for r in ranking] == [0.8333, 0.5, 0.0]
    assert [r["rank"] for r in ranking] == [1, 2, 3]
    assert ranking[0]["article"] == articles["a"].pk


@override_settings(LIVECHAT_INSIGHTS_MIN_SAMPLE=3)
def test_article_ranking_filters(articles):
    assert [r["title"] for r in article_ranking(Filters(product="thunderbird"))] == ["Bookmarks"]
    assert [r["title"] for r in article_ranking(Filters(locale="de"))] == ["Profiles"]
    day1 = Filters(start=date(2024, 3, 4), end=date(2024, 3, 4))
    # On day 1 alone Sync has 6 chats, 5 judged, 4 failures: 4.8, below Bookmarks' 5.0.
    assert [(r["title"], r["score"]) for r in article_ranking(day1)][:2] == [
        ("Bookmarks", 5.0),
        ("Sync", 4.8),
    ]
    # A smaller minimum sample lets Crash in: 2 chats, both failures, 2.0.
    everything = article_ranking(RANGE, min_sample=1)
    assert [(r["title"], r["score"]) for r in everything] == [
        ("Sync", 5.83),
        ("Bookmarks", 5.0),
        ("Crash", 2.0),
        ("Profiles", 0.0),
    ]


def test_article_insight_outcomes_pairs_themes_and_trend(articles):
    a = articles["a"]
    insight = article_insight(RANGE, a.pk)
    assert insight["figures"]["chats"] == 7
    assert insight["figures"]["failure_rate"] == 0.8333
    outcomes = {o["outcome"]: o["count"] for o in insight["outcomes"]}
    assert outcomes == {
        "article_solved": 1,
        "article_incomplete": 1,
        "article_wrong": 0,
        "article_outdated": 2,
        "wrong_article": 2,
        "not_article_related": 1,
    }
    pairs = [(p["right"]["title"], p["count"]) for p in insight["solved_instead"]]
    assert pairs == [("Reset password", 1), ("Sync settings", 1)]
    assert insight["themes"]["terms"] == [
        {"term": "sync", "count": 3},
        {"term": "password", "count": 2},
        {"term": "screen", "count": 2},
        {"term": "changed", "count": 1},
        {"term": "new", "count": 1},
        {"term": "reset", "count": 1},
        {"term": "screenshots", "count": 1},
    ]
    assert insight["themes"]["tags"] == [
        {"tag": "sync", "count": 2},
        {"tag": "firefox-120", "count": 1},
    ]
    assert [(t["start"], t["chats"], t["failures"]) for t in insight["trend"]] == [
        (date(2024, 3, 4), 6, 4),
        (date(2024, 3, 5), 1, 1),
    ]
    assert len(insight["missing"]) == 3


def test_wrong_right_pairs_across_articles(articles):
    pairs = wrong_right_pairs(RANGE.feedback())
    assert [(p["wrong"]["title"], p["right"]["title"], p["count"]) for p in pairs] == [
        ("Bookmarks", "Reset password", 2),
        ("Sync", "Reset password", 1),
        ("Sync", "Sync settings", 1),
    ]


def test_themes_count_in_one_query_per_list(articles, django_assert_num_queries):
    with django_assert_num_queries(2):
        themes(RANGE.feedback())


def test_weekly_trend_for_long_ranges(articles):
    weeks = trend(Filters(start=date(2024, 1, 3), end=date(2024, 6, 30)))
    # Every week of the range, from the Monday before the start, so the axis is even.
    assert len(weeks) == 26
    assert (weeks[0]["period"], weeks[0]["start"], weeks[-1]["start"]) == (
        "week",
        date(2024, 1, 1),
        date(2024, 6, 24),
    )
    assert [(w["start"], w["chats"], w["failures"]) for w in weeks if w["chats"]] == [
        (date(2024, 3, 4), 22, 9)  # Sync 5, Bookmarks 2, Crash 2
    ]


# --- Focus answers ----------------------------------------------------------------------------


def test_focus_answer_counts_per_answer_and_per_outcome():
    focus = Focus.objects.create(
        title="Sync after update",
        slug="sync-update",
        questions=[
            {"key": "version", "label": "Version?", "type": "text", "required": True},
            {
                "key": "sync",
                "label": "How do you sync?",
                "type": "choice",
                "choices": ["account", "none", "other"],
            },
            {"key": "backup", "label": "Backup?", "type": "yesno"},
        ],
    )
    plan = [
        ({"version": "120", "sync": "account", "backup": True}, Outcome.ARTICLE_OUTDATED),
        ({"version": "120", "sync": "account", "backup": False}, Outcome.ARTICLE_OUTDATED),
        ({"version": "121", "sync": "account", "backup": True}, Outcome.ARTICLE_SOLVED),
        ({"version": "120", "sync": "none"}, None),
        ({"version": "119"}, Outcome.ARTICLE_SOLVED),
    ]
    for answers, outcome in plan:
        chat = EndedChatFactory(focus=focus, answers=answers)
        if outcome:
            ArticleFeedbackFactory(session=chat, outcome=outcome)
    EndedChatFactory(answers={"version": "120"})  # another focus's chat: not counted

    result = focus_answers.focus_answers(focus)
    assert result["chats"] == 5
    by_key = {q["key"]: q for q in result["questions"]}

    version = {a["label"]: (a["count"], a["outcomes"]) for a in by_key["version"]["answers"]}
    assert list(version) == ["120", "119", "121"]
    assert version["120"][0] == 3
    assert version["120"][1]["article_outdated"] == 2
    assert version["120"][1]["none"] == 1

    sync = [(a["value"], a["count"]) for a in by_key["sync"]["answers"]]
    assert sync == [("account", 3), ("none", 1), ("other", 0), (None, 1)]
    account = by_key["sync"]["answers"][0]["outcomes"]
    assert (account["article_outdated"], account["article_solved"]) == (2, 1)

    backup = [(a["label"], a["count"]) for a in by_key["backup"]["answers"]]
    assert backup == [("Yes", 2), ("No", 1), ("(no answer)", 2)]
    yes = by_key["backup"]["answers"][0]["outcomes"]
    assert (yes["article_outdated"], yes["article_solved"], yes["none"]) == (1, 1, 0)
