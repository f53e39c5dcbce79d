"""Insight pages, charts and the insights API: permissions, contents, escaping."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from kitsune_livechat.models import ArticleFeedback, Focus
from kitsune_livechat.pages.charts import bar_chart, line_chart, nice_max
from tests.factories import (
    ArticleFeedbackFactory,
    DocumentFactory,
    EndedChatFactory,
    HelperFactory,
    RatingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Outcome = ArticleFeedback.Outcome
DAY = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
RANGE = {"from": "2024-03-01", "to": "2024-03-10"}


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def article():
    """An article with five judged chats, one of them on an article with a hostile title."""
    doc = DocumentFactory(title="Fix <b>sync</b> & bookmarks")
    right = DocumentFactory(title="Reset password")
    helper = HelperFactory(username="ann")
    outcomes = [Outcome.ARTICLE_OUTDATED] * 3 + [Outcome.ARTICLE_SOLVED, Outcome.WRONG_ARTICLE]
    for n, outcome in enumerate(outcomes):
        chat = EndedChatFactory(article=doc, helper=helper, created=DAY + timedelta(hours=n))
        ArticleFeedbackFactory(
            session=chat,
            outcome=outcome,
            missing="Missing the <script>alert(1)</script> sync menu",
            suggested_change="Show the new sync menu" if n == 0 else "",
            tags=["sync"],
            solved_by=right if outcome == Outcome.WRONG_ARTICLE else None,
        )
        RatingFactory(session=chat, score=5 - n % 3)
    return doc


# --- Permissions ------------------------------------------------------------------------------

PAGES = [
    ("livechat:insights", {}),
    ("livechat:insights_stats", {}),
    ("livechat:insights_focuses", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_pages_need_the_view_insights_permission(name, kwargs):
    url = reverse(name, kwargs=kwargs)
    anonymous = browser().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/users/login/")
    assert browser(HelperFactory()).get(url).status_code == 403
    assert browser(UserFactory(perms=["view_insights"])).get(url).status_code == 200


def test_article_and_focus_pages_and_exports_need_the_permission(article):
    focus = Focus.objects.create(title="F", slug="f")
    urls = [
        reverse("livechat:insights_article", args=[article.pk]),
        reverse("livechat:insights_focus", args=[focus.pk]),
        reverse("livechat:insights_export", args=["feedback"]),
        reverse("livechat:insights_export", args=["stats"]),
        reverse("livechat:insights_export", args=["focus"]) + f"?focus={focus.pk}",
    ]
    helper = browser(HelperFactory())
    for url in urls:
        assert helper.get(url).status_code == 403, url
        assert browser().get(url).status_code == 302, url


def test_unknown_things_are_404_and_bad_filters_400(editor):
    client = browser(editor)
    assert client.get(reverse("livechat:insights_article", args=[999999])).status_code == 404
    assert client.get(reverse("livechat:insights_focus", args=[999999])).status_code == 404
    assert client.get(reverse("livechat:insights_export", args=["everything"])).status_code == 404
    assert client.get(reverse("livechat:insights_export", args=["focus"])).status_code == 404
    response = client.get(reverse("livechat:insights"), {"from": "last week"})
    assert response.status_code == 400


# --- Contents ---------------------------------------------------------------------------------


@override_settings(LIVECHAT_INSIGHTS_MIN_SAMPLE=5)
def test_ranking_page_lists_the_failing_article_with_chart_and_table(editor, article):
    response = browser(editor).get(reverse("livechat:insights"), RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    # 5 chats, 5 judged, 4 failures: rate 80 %, score 5 × 0.8 = 4.0
    assert "Fix &lt;b&gt;sync&lt;/b&gt; &amp; bookmarks" in html
    assert "<b>sync</b>" not in html
    assert "80%" in html
    assert "<svg" in html and "<table" in html
    assert "<caption>Failure ranking</caption>" in html
    assert reverse("livechat:insights_article", args=[article.pk]) in html
    assert "Reset password" in html  # wrong→right pair
    assert reverse("livechat:insights_export", args=["feedback"]) in html


@override_settings(LIVECHAT_INSIGHTS_MIN_SAMPLE=6)
def test_ranking_page_respects_the_minimum_sample(editor, article):
    html = browser(editor).get(reverse("livechat:insights"), RANGE).content.decode()
    assert "No article has enough feedback in this range yet." in html


def test_article_page_shows_outcomes_themes_suggestions_and_ratings(editor, article):
    url = reverse("livechat:insights_article", args=[article.pk])
    response = browser(editor).get(url, RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Show the new sync menu" in html
    assert "The article is outdated" in html
    assert "Outcomes of chats from this article" in html
    assert html.count("<svg") == 4  # outcomes, ratings, trend, words
    assert "Show as a table" in html
    assert "Reset password" in html
    # Exact figures from the fixture: 5 chats, 4 failures.
    assert response.context["insight"]["figures"]["chats"] == 5
    assert response.context["insight"]["figures"]["failures"] == 4


def test_stats_page_shows_queue_days_and_helpers(editor, article):
    response = browser(editor).get(reverse("livechat:insights_stats"), RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption>Per queue and day</caption>" in html
    assert "<caption>Chats handled per helper</caption>" in html
    assert ">ann</th>" in html
    totals = response.context["figures"]["totals"]
    assert (totals["requested"], totals["answered"], totals["ratings"]) == (5, 5, 5)


def test_focus_page_counts_answers_per_outcome(editor):
    focus = Focus.objects.create(
        title="Sync after update",
        slug="sync",
        questions=[{"key": "backup", "label": "Do you have a <backup>?", "type": "yesno"}],
    )
    for answer, outcome in ((True, Outcome.ARTICLE_SOLVED), (True, None), (False, None)):
        chat = EndedChatFactory(focus=focus, answers={"backup": answer})
        if outcome:
            ArticleFeedbackFactory(session=chat, outcome=outcome)
    response = browser(editor).get(reverse("livechat:insights_focus", args=[focus.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Do you have a &lt;backup&gt;?" in html
    (question,) = response.context["result"]["questions"]
    yes, no = question["answers"]  # everyone answered: no "(no answer)" row
    assert (yes["label"], yes["count"]) == ("Yes", 2)
    assert (yes["outcomes"]["article_solved"], yes["outcomes"]["none"]) == (1, 1)
    assert (no["label"], no["count"], no["outcomes"]["none"]) == ("No", 1, 1)
    listing = browser(editor).get(reverse("livechat:insights_focuses")).content.decode()
    assert "Sync after update" in listing


def test_pages_keep_a_constant_number_of_queries(editor, article, django_assert_max_num_queries):
    client = browser(editor)
    url = reverse("livechat:insights_article", args=[article.pk])

    def count(target):
        with django_assert_max_num_queries(40) as captured:
            assert client.get(target, RANGE).status_code == 200
        return len(captured)

    pages = [reverse("livechat:insights"), reverse("livechat:insights_stats"), url]
    before = [count(page) for page in pages]
    for n in range(10):
        chat = EndedChatFactory(article=article, created=DAY + timedelta(minutes=n))
        ArticleFeedbackFactory(session=chat, outcome=Outcome.ARTICLE_WRONG, tags=[f"t{n}"])
        RatingFactory(session=chat)
    assert [count(page) for page in pages] == before


# --- Insights API -----------------------------------------------------------------------------


def test_insights_api_needs_the_permission(api_client, article):
    for path in ("insights/stats", "insights/articles", f"insights/articles/{article.pk}"):
        assert api_client().get(path).status_code == 401
        response = api_client(HelperFactory()).get(path)
        assert (response.status_code, response.json()["code"]) == (403, "no_insights")


@override_settings(LIVECHAT_INSIGHTS_MIN_SAMPLE=5)
def test_insights_api_returns_the_figures(api_client, editor, article):
    client = api_client(editor)
    ranking = client.get("insights/articles", **RANGE).json()
    assert ranking["min_sample"] == 5
    (row,) = ranking["articles"]
    assert (row["article"], row["chats"], row["failures"], row["score"]) == (article.pk, 5, 4, 4.0)

    detail = client.get(f"insights/articles/{article.pk}", **RANGE).json()
    assert detail["article"]["title"] == "Fix <b>sync</b> & bookmarks"
    assert detail["themes"]["tags"] == [{"tag": "sync", "count": 5}]
    assert [p["right"]["title"] for p in detail["solved_instead"]] == ["Reset password"]

    figures = client.get("insights/stats", **RANGE).json()
    assert figures["totals"]["requested"] == 5
    assert figures["ratings"]["scores"] == {"1": 0, "2": 0, "3": 1, "4": 2, "5": 2}
    assert len(figures["days"]) == 10
    assert figures["days"][3] == {
        "day": "2024-03-04",
        "requested": 5,
        "answered": 5,
        "abandoned": 0,
        "missed": 0,
        "wait_p50": 20.0,  # every chat was taken 20 s after it was requested
        "wait_p90": 20.0,
    }
    response = client.get("insights/stats", **{"from": "2024-13-01"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_date")
    assert client.get("insights/articles/999999").status_code == 404


def test_focus_insight_api(api_client, editor):
    focus = Focus.objects.create(
        title="F",
        slug="f",
        questions=[{"key": "os", "label": "OS", "type": "choice", "choices": ["mac", "win"]}],
    )
    EndedChatFactory(focus=focus, answers={"os": "mac"})
    body = api_client(editor).get(f"insights/focuses/{focus.pk}").json()
    (question,) = body["questions"]
    assert [(a["value"], a["count"]) for a in question["answers"]] == [
        ("mac", 1),
        ("win", 0),
    ]
    assert api_client(HelperFactory()).get(f"insights/focuses/{focus.pk}").status_code == 403


# --- Charts -----------------------------------------------------------------------------------


def test_bar_chart_escapes_labels_and_keeps_a_table():
    chart = bar_chart(
        title="Top <articles>",
        items=[("<script>x</script>", 3), ("B & C", 1.5), ("Nothing", None)],
        value_label="Chats",
    )
    assert "<script>" not in chart.svg
    assert "&lt;script&gt;x&lt;/script&gt;" in chart.svg
    assert "Top &lt;articles&gt;" in chart.svg
    assert 'role="img"' in chart.svg
    assert chart.columns == ["Top <articles>", "Chats"]
    assert chart.rows == [["<script>x</script>", "3"], ["B & C", "1.5"], ["Nothing", "–"]]
    assert chart.svg.count("<rect") == 3


def test_line_chart_draws_each_series_with_gaps():
    chart = line_chart(
        title="Waits",
        x_labels=["2024-03-01", "2024-03-02", "2024-03-03"],
        series=[("p50", [1.0, None, 3.0]), ("p90 <x>", [2.0, 4.0, 6.0])],
    )
    # p50 has a gap, so no polyline joins its two lone points; p90 has one line of 3 points.
    assert chart.svg.count("<polyline") == 1
    assert chart.svg.count("<circle") == 5
    assert "p90 &lt;x&gt;" in chart.svg
    assert chart.rows == [
        ["2024-03-01", "1", "2"],
        ["2024-03-02", "–", "4"],
        ["2024-03-03", "3", "6"],
    ]


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 1), (0.7, 1), (3, 5), (7, 10), (11, 20), (240, 250), (2600, 5000)]
)
def test_axis_maximum_is_round(value, expected):
    assert nice_max(value) == expected


def test_dates_in_filters_are_kept_in_links(editor, article):
    html = browser(editor).get(reverse("livechat:insights"), RANGE).content.decode()
    assert "from=2024-03-01&amp;to=2024-03-10" in html
    assert date(2024, 3, 1).isoformat() in html
