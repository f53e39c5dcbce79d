"""One CSV row per chat, with its tags, waits, outcome, rating and feedback; and the tag filter
of the insight pages."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from kitsune_livechat.models import ArticleFeedback, ChatTag
from tests.factories import (
    ArticleFeedbackFactory,
    EndedChatFactory,
    HelperFactory,
    RatingFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)


def rows_of(response) -> list[dict]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_chats_csv_has_one_row_per_chat_with_tags_waits_outcome_and_rating(editor_client):
    helper = HelperFactory(username="ann")
    tagged = EndedChatFactory(created=DAY, helper=helper, end_reason="solved")
    ChatTag.objects.create(session=tagged, name="sync")
    ChatTag.objects.create(session=tagged, name="crash")
    ArticleFeedbackFactory(
        session=tagged, outcome=ArticleFeedback.Outcome.ARTICLE_WRONG, missing="=SUM(A1)"
    )
    RatingFactory(session=tagged, score=4, comment="Kind and fast")
    plain = EndedChatFactory(created=DAY + timedelta(hours=1))

    rows = rows_of(
        editor_client.get(
            reverse("livechat:insights_export", args=["chats"]),
            {"from": "2024-03-04", "to": "2024-03-04"},
        )
    )
    assert [row["session"] for row in rows] == [str(tagged.pk), str(plain.pk)]
    first = rows[0]
    assert first["tags"] == "crash;sync"
    assert first["helper"] == "ann"
    assert float(first["wait_seconds"]) == 20.0  # the factory's request-to-assignment
    assert float(first["first_response_seconds"]) == 50.0
    assert float(first["duration_seconds"]) == 600.0
    assert first["outcome"] == "article_wrong"
    assert first["missing"] == "'=SUM(A1)"  # formula-looking text stays text
    assert (first["rating"], first["rating_comment"]) == ("4", "Kind and fast")
    assert first["end_reason"] == "solved"
    assert rows[1]["tags"] == "" and rows[1]["outcome"] == "" and rows[1]["rating"] == ""

    # The tag filter narrows the export (and every insight figure) to tagged chats.
    only = rows_of(
        editor_client.get(
            reverse("livechat:insights_export", args=["chats"]),
            {"from": "2024-03-04", "to": "2024-03-04", "tag": "SYNC"},
        )
    )
    assert [row["session"] for row in only] == [str(tagged.pk)]


def test_stats_page_filters_by_tag_and_offers_the_tags_in_use(editor_client):
    for n in range(3):
        chat = EndedChatFactory(created=DAY + timedelta(minutes=n))
        if n:
            ChatTag.objects.create(session=chat, name="sync")
    url = reverse("livechat:insights_stats")
    page = editor_client.get(url, {"from": "2024-03-04", "to": "2024-03-04", "tag": "sync"})
    assert page.status_code == 200
    assert page.context["figures"]["totals"]["requested"] == 2
    assert '<option value="sync" selected>sync</option>' in page.content.decode()
    everything = editor_client.get(url, {"from": "2024-03-04", "to": "2024-03-04"})
    assert everything.context["figures"]["totals"]["requested"] == 3
    assert "tag=sync" in page.context["query"]


def test_chats_csv_needs_the_insights_permission():
    client = Client()
    client.force_login(HelperFactory())
    assert client.get(reverse("livechat:insights_export", args=["chats"])).status_code == 403
