"""Outcomes and ratings by tag, focus campaign and helper, the drill-down to the chats behind a
bar, and who sees which chats (helpers their own, insight readers and supervisors all)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from kitsune_livechat.models import ArticleFeedback, ChatTag, Focus
from tests.factories import (
    ArticleFeedbackFactory,
    EndedChatFactory,
    HelperFactory,
    RatingFactory,
    SupervisorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Outcome = ArticleFeedback.Outcome
DAY = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
RANGE = {"from": "2024-03-04", "to": "2024-03-04"}


@pytest.fixture
def floor_of_chats():
    """Ann: two chats tagged sync (one solved rated 5, one wrong rated 2), one in the campaign.
    Ben: one chat tagged sync and crash, outcome incomplete, no rating."""
    ann, ben = HelperFactory(username="ann"), HelperFactory(username="ben")
    focus = Focus.objects.create(title="Grey window", slug="grey")
    a1 = EndedChatFactory(helper=ann, created=DAY, focus=focus)
    a2 = EndedChatFactory(helper=ann, created=DAY + timedelta(minutes=5))
    b1 = EndedChatFactory(helper=ben, created=DAY + timedelta(minutes=10))
    EndedChatFactory(helper=ben, created=DAY - timedelta(days=3))  # outside the range
    for chat, tags in ((a1, ["sync"]), (a2, ["sync"]), (b1, ["sync", "crash"])):
        for tag in tags:
            ChatTag.objects.create(session=chat, name=tag)
    ArticleFeedbackFactory(session=a1, outcome=Outcome.ARTICLE_SOLVED)
    ArticleFeedbackFactory(session=a2, outcome=Outcome.ARTICLE_WRONG)
    ArticleFeedbackFactory(session=b1, outcome=Outcome.ARTICLE_INCOMPLETE)
    RatingFactory(session=a1, score=5)
    RatingFactory(session=a2, score=2)
    return {"ann": ann, "ben": ben, "focus": focus, "a1": a1, "a2": a2, "b1": b1}


def editor():
    return UserFactory(perms=["view_insights"])


def test_breakdown_by_tag_counts_outcomes_and_ratings(floor_of_chats, api_client):
    rows = api_client(editor()).get("insights/breakdown", by="tag", **RANGE).json()
    by_tag = {row["key"]: row for row in rows}
    assert [row["key"] for row in rows] == ["sync", "crash"]
    sync = by_tag["sync"]
    assert (sync["chats"], sync["judged"], sync["ratings"], sync["rating_avg"]) == (3, 3, 2, 3.5)
    assert sync["outcomes"]["article_solved"] == 1
    assert sync["outcomes"]["article_wrong"] == 1
    assert sync["outcomes"]["article_incomplete"] == 1
    assert by_tag["crash"]["chats"] == 1 and by_tag["crash"]["rating_avg"] is None
    assert sync["params"] == {"tag": "sync"}


def test_breakdown_by_focus_and_by_helper(floor_of_chats, api_client):
    client = api_client(editor())
    focus = floor_of_chats["focus"]
    rows = client.get("insights/breakdown", by="focus", **RANGE).json()
    assert [(r["label"], r["chats"], r["params"]) for r in rows] == [
        ("Grey window", 1, {"focus": str(focus.pk)})
    ]
    rows = client.get("insights/breakdown", by="helper", **RANGE).json()
    assert [(r["label"], r["chats"], r["rating_avg"]) for r in rows] == [
        ("ann", 2, 3.5),
        ("ben", 1, None),
    ]
    response = client.get("insights/breakdown", by="weather")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_breakdown")


def test_helpers_see_their_own_chats_and_supervisors_all(floor_of_chats, api_client):
    ann = api_client(floor_of_chats["ann"])
    rows = ann.get("insights/breakdown", by="helper", **RANGE).json()
    assert [r["label"] for r in rows] == ["ann"]
    rows = ann.get("insights/breakdown", by="tag", **RANGE).json()
    assert [(r["key"], r["chats"]) for r in rows] == [("sync", 2)]
    # Asking for someone else's chats gives nothing, not their chats.
    assert ann.get("insights/chats", helper="ben", **RANGE).json() == []
    supervisor = api_client(SupervisorFactory())
    rows = supervisor.get("insights/breakdown", by="helper", **RANGE).json()
    assert [r["label"] for r in rows] == ["ann", "ben"]
    response = api_client(UserFactory()).get("insights/breakdown", by="tag")
    assert (response.status_code, response.json()["code"]) == (403, "no_insights")
    assert api_client().get("insights/chats").status_code == 401


def test_drill_down_lists_the_chats_behind_a_bar(floor_of_chats, api_client):
    client = api_client(editor())
    chats = client.get("insights/chats", tag="sync", **RANGE).json()
    assert [c["id"] for c in chats] == [str(floor_of_chats[k].pk) for k in ("b1", "a2", "a1")]
    newest = chats[0]
    assert (newest["helper"], newest["tags"], newest["outcome"]) == (
        "ben",
        ["crash", "sync"],
        "article_incomplete",
    )
    focus = floor_of_chats["focus"]
    assert [c["id"] for c in client.get("insights/chats", focus=focus.pk, **RANGE).json()] == [
        str(floor_of_chats["a1"].pk)
    ]
    assert client.get("insights/chats", focus="x").json()["code"] == "invalid_filter"


def test_pages_link_each_bar_to_its_chats(floor_of_chats):
    client = Client()
    client.force_login(editor())
    page = client.get(reverse("livechat:insights_breakdown"), {"by": "tag", **RANGE})
    assert page.status_code == 200
    html = page.content.decode()
    url = page.context["rows"][0]["url"]
    assert url.startswith(reverse("livechat:insights_chats")) and "tag=sync" in url
    assert f'<a href="{url.replace("&", "&amp;")}" aria-label="sync: 3">' in html  # the bar
    listing = client.get(url)
    assert listing.status_code == 200
    assert [c["id"] for c in listing.context["chats"]] == [
        str(floor_of_chats[k].pk) for k in ("b1", "a2", "a1")
    ]
    csv_rows = b"".join(client.get(url + "&format=csv").streaming_content).decode()
    assert csv_rows.count("\n") == 4  # header and three chats


def test_pages_for_helpers_show_their_own_chats_only(floor_of_chats):
    client = Client()
    client.force_login(floor_of_chats["ben"])
    page = client.get(reverse("livechat:insights_breakdown"), {"by": "helper", **RANGE})
    assert [row["label"] for row in page.context["rows"]] == ["ben"]
    assert "Your own chats only." in page.content.decode()
    listing = client.get(reverse("livechat:insights_chats"), RANGE)
    assert [c["id"] for c in listing.context["chats"]] == [str(floor_of_chats["b1"].pk)]
    assert client.get(reverse("livechat:insights_chats"), {"format": "csv"}).status_code == 403
    client.force_login(UserFactory())
    assert client.get(reverse("livechat:insights_breakdown")).status_code == 403
