"""Article feedback from helpers and ratings from visitors, through the API."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from wiki.models import HelpfulVote

from kitsune_livechat.models import (
    ArticleFeedback,
    ChatSession,
    KarmaAward,
    Participant,
    Rating,
)
from kitsune_livechat.services.conversation.feedback import extract_terms
from kitsune_livechat.services.line import assignment, lifecycle
from kitsune_livechat.services.shared.access import Caller, make_visitor_token
from kitsune_livechat.signals import article_feedback_submitted
from tests.factories import (
    ActiveChatFactory,
    AgentStatusFactory,
    ArticleFeedbackFactory,
    DocumentFactory,
    EndedChatFactory,
    HelperFactory,
    SupervisorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Outcome = ArticleFeedback.Outcome


def feedback_url(chat) -> str:
    return f"sessions/{chat.pk}/feedback"


def rating_url(chat) -> str:
    return f"sessions/{chat.pk}/rating"


@pytest.fixture
def chat():
    """A chat that ended after ten minutes, started from an article with a current revision."""
    return EndedChatFactory()


@pytest.fixture
def received():
    """Everything article_feedback_submitted sends while the test runs."""
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    article_feedback_submitted.connect(receiver)
    yield calls
    article_feedback_submitted.disconnect(receiver)


# --- Filing feedback --------------------------------------------------------------------------


def test_helper_files_feedback_on_the_article(
    chat, api_client, received, django_capture_on_commit_callbacks
):
    right = DocumentFactory(title="Reset your Firefox password")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(chat.helper).post(
            feedback_url(chat),
            {
                "outcome": "wrong_article",
                "solved_by": right.pk,
                "missing": "Nothing about the new password screen.",
                "suggested_change": "Link to the password reset article.",
                "tags": [" Sync ", "password reset", "sync"],
            },
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outcome"] == "wrong_article"
    assert body["article"] == {
        "id": chat.article_id,
        "title": chat.article_title,
        "url": chat.article_url,
    }
    assert body["solved_by"]["title"] == "Reset your Firefox password"
    assert body["tags"] == ["sync", "password-reset"]
    assert body["revision_id"] == chat.article.current_revision_id

    feedback = ArticleFeedback.objects.get(session=chat)
    assert feedback.author == chat.helper
    assert feedback.article_id == chat.article_id
    assert feedback.revision_id == chat.article_revision_id
    assert feedback.solved_by_id == right.pk
    assert feedback.terms == ["nothing", "new", "password", "screen"]
    assert feedback.flagged_for_review is False

    award = KarmaAward.objects.get(user=chat.helper, session=chat)
    assert (award.action, award.points) == ("feedback_filed", 2)
    assert received == [
        {"signal": article_feedback_submitted, "feedback": feedback, "created": True}
    ]


def test_feedback_can_be_filed_while_the_chat_is_still_open(api_client):
    chat = ActiveChatFactory(assigned_at=timezone.now() - timedelta(minutes=5))
    response = api_client(chat.helper).post(feedback_url(chat), {"outcome": "article_solved"})
    assert response.status_code == 201


def test_an_invited_helper_may_file_it_too(chat, api_client):
    invited = HelperFactory()
    Participant.objects.create(
        session=chat, user=invited, role=Participant.Role.HELPER, state=Participant.State.ACTIVE
    )
    response = api_client(invited).post(feedback_url(chat), {"outcome": "article_solved"})
    assert response.status_code == 201
    assert ArticleFeedback.objects.get().author == invited


def test_feedback_is_filed_once(chat, api_client):
    client = api_client(chat.helper)
    assert client.post(feedback_url(chat), {"outcome": "article_solved"}).status_code == 201
    response = client.post(feedback_url(chat), {"outcome": "article_wrong"})
    assert response.status_code == 409
    assert response.json()["code"] == "feedback_exists"
    assert ArticleFeedback.objects.get().outcome == "article_solved"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"outcome": "meh"}, "invalid_outcome"),
        ({"outcome": "wrong_article", "solved_by": 987654}, "unknown_article"),
        ({"outcome": "article_solved", "tags": [f"t{n}" for n in range(11)]}, "invalid_tags"),
        ({"outcome": "article_solved", "tags": ["x" * 41]}, "invalid_tags"),
        ({"outcome": "article_solved", "missing": "x" * 5001}, "too_long"),
    ],
)
def test_bad_feedback_is_refused_and_nothing_is_stored(chat, api_client, payload, code):
    response = api_client(chat.helper).post(feedback_url(chat), payload)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not ArticleFeedback.objects.exists()
    assert not KarmaAward.objects.exists()


def test_the_article_that_solved_it_must_be_another_one(chat, api_client):
    response = api_client(chat.helper).post(
        feedback_url(chat), {"outcome": "wrong_article", "solved_by": chat.article_id}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "same_article"


def test_only_the_chats_helpers_file_feedback(chat, api_client):
    payload = {"outcome": "article_solved"}
    # The visitor and a supervisor watching the chat can see it but may not file feedback.
    for person, code in ((chat.visitor, "not_helper"), (SupervisorFactory(), "not_helper")):
        response = api_client(person).post(feedback_url(chat), payload)
        assert (response.status_code, response.json()["code"]) == (403, code)
    # Another helper's chat looks like no chat at all.
    response = api_client(HelperFactory()).post(feedback_url(chat), payload)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert api_client().post(feedback_url(chat), payload).status_code == 401
    assert not ArticleFeedback.objects.exists()


def test_feedback_needs_an_answered_chat(api_client):
    helper = HelperFactory()
    chat = EndedChatFactory(helper=helper, status=ChatSession.Status.WAITING)
    response = api_client(helper).post(feedback_url(chat), {"outcome": "article_solved"})
    assert (response.status_code, response.json()["code"]) == (409, "not_answered")


def test_short_chats_earn_no_feedback_karma(api_client):
    now = timezone.now()
    chat = EndedChatFactory(assigned_at=now - timedelta(seconds=20), ended_at=now)
    response = api_client(chat.helper).post(feedback_url(chat), {"outcome": "article_solved"})
    assert response.status_code == 201
    assert not KarmaAward.objects.exists()


# --- Reading and editing ----------------------------------------------------------------------


def test_helper_reads_the_feedback_back(chat, api_client):
    client = api_client(chat.helper)
    response = client.get(feedback_url(chat))
    assert (response.status_code, response.json()["code"]) == (404, "no_feedback")
    client.post(feedback_url(chat), {"outcome": "article_incomplete", "missing": "Screenshots"})
    body = client.get(feedback_url(chat)).json()
    assert (body["outcome"], body["missing"]) == ("article_incomplete", "Screenshots")
    assert body["outcome_label"] == "The article is incomplete"
    assert api_client(chat.visitor).get(feedback_url(chat)).status_code == 403


def test_author_edits_within_the_window(
    chat, api_client, received, django_capture_on_commit_callbacks
):
    client = api_client(chat.helper)
    client.post(feedback_url(chat), {"outcome": "article_solved", "tags": ["sync"]})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            feedback_url(chat), {"outcome": "article_incomplete", "missing": "Sync keys"}
        )
    assert response.status_code == 200, response.content
    feedback = ArticleFeedback.objects.get()
    assert (feedback.outcome, feedback.missing, feedback.tags) == (
        "article_incomplete",
        "Sync keys",
        ["sync"],  # fields left out of the PATCH stay as they were
    )
    assert feedback.terms == ["sync", "keys"]
    assert received[-1]["created"] is False
    # Editing earns no second award.
    assert KarmaAward.objects.filter(action="feedback_filed").count() == 1


@override_settings(LIVECHAT_FEEDBACK_EDIT_MINUTES=30)
def test_edit_window_closes(chat, api_client):
    client = api_client(chat.helper)
    client.post(feedback_url(chat), {"outcome": "article_solved"})
    ArticleFeedback.objects.update(created=timezone.now() - timedelta(minutes=31))
    response = client.patch(feedback_url(chat), {"outcome": "article_wrong"})
    assert (response.status_code, response.json()["code"]) == (403, "edit_window_closed")
    assert ArticleFeedback.objects.get().outcome == "article_solved"


def test_only_the_author_edits(chat, api_client):
    ArticleFeedbackFactory(session=chat, outcome=Outcome.ARTICLE_SOLVED)
    invited = HelperFactory()
    Participant.objects.create(session=chat, user=invited, role=Participant.Role.HELPER)
    response = api_client(invited).patch(feedback_url(chat), {"outcome": "article_wrong"})
    assert (response.status_code, response.json()["code"]) == (403, "not_author")
    response = api_client(HelperFactory()).patch(feedback_url(chat), {"outcome": "article_wrong"})
    assert response.status_code == 404
    assert ArticleFeedback.objects.get().outcome == "article_solved"


def test_patch_with_a_bad_value_changes_nothing(chat, api_client):
    client = api_client(chat.helper)
    client.post(feedback_url(chat), {"outcome": "article_solved", "missing": "keep me"})
    response = client.patch(feedback_url(chat), {"missing": "new", "outcome": "nope"})
    assert response.status_code == 400
    assert ArticleFeedback.objects.get().missing == "keep me"


# --- Flagging for review ----------------------------------------------------------------------


@override_settings(LIVECHAT_FLAG_ARTICLES_FOR_REVIEW=True)
def test_wrong_or_outdated_article_is_flagged_for_review_with_evidence(chat, api_client):
    response = api_client(chat.helper).post(
        feedback_url(chat),
        {"outcome": "article_outdated", "missing": "The menu moved in Firefox 120."},
    )
    assert response.status_code == 201
    assert response.json()["flagged_for_review"] is True
    document = type(chat.article).objects.get(pk=chat.article_id)
    assert document.needs_change is True
    assert (
        reverse("livechat:insights_article", args=[chat.article_id])
        in document.needs_change_comment
    )
    assert "The article is outdated" in document.needs_change_comment
    assert "The menu moved in Firefox 120." in document.needs_change_comment
    # The evidence link opens the insight page for that article.
    assert ArticleFeedback.objects.get().flagged_for_review is True


@override_settings(LIVECHAT_FLAG_ARTICLES_FOR_REVIEW=True)
def test_an_edit_to_a_review_outcome_flags_once_and_keeps_host_comments(chat, api_client):
    type(chat.article).objects.filter(pk=chat.article_id).update(
        needs_change=True, needs_change_comment="Screenshots are old."
    )
    client = api_client(chat.helper)
    client.post(feedback_url(chat), {"outcome": "article_incomplete"})
    document = type(chat.article).objects.get(pk=chat.article_id)
    assert document.needs_change_comment == "Screenshots are old."  # incomplete: no flag
    client.patch(feedback_url(chat), {"outcome": "article_wrong"})
    client.patch(feedback_url(chat), {"missing": "Wrong steps for macOS"})
    document.refresh_from_db()
    assert document.needs_change_comment.startswith("Screenshots are old.\nLive chat feedback:")
    assert document.needs_change_comment.count("Live chat feedback") == 1


def test_no_flag_unless_the_site_asks_for_it(chat, api_client):
    api_client(chat.helper).post(feedback_url(chat), {"outcome": "article_wrong"})
    document = type(chat.article).objects.get(pk=chat.article_id)
    assert document.needs_change is False
    assert ArticleFeedback.objects.get().flagged_for_review is False


# --- Visitor rating ---------------------------------------------------------------------------


def test_visitor_rates_and_the_article_vote_is_mirrored(chat, api_client):
    response = api_client(chat.visitor).post(
        rating_url(chat), {"score": 5, "comment": "Great help!", "article_helped": False}
    )
    assert response.status_code == 201, response.content
    assert response.json()["score"] == 5
    rating = Rating.objects.get(session=chat)
    assert (rating.score, rating.comment, rating.article_helped) == (5, "Great help!", False)

    vote = HelpfulVote.objects.get()
    assert rating.helpful_vote_id == vote.pk
    assert vote.revision_id == chat.article_revision_id
    assert (vote.helpful, vote.creator) == (False, chat.visitor)
    assert dict(vote.metadata.values_list("key", "value")) == {
        "source": "livechat",
        "livechat_session": str(chat.pk),
    }
    # A good rating credits the helper.
    assert KarmaAward.objects.filter(user=chat.helper, action="good_rating").exists()


def test_second_rating_is_refused(chat, api_client):
    client = api_client(chat.visitor)
    assert client.post(rating_url(chat), {"score": 4}).status_code == 201
    response = client.post(rating_url(chat), {"score": 1, "article_helped": True})
    assert (response.status_code, response.json()["code"]) == (409, "already_rated")
    assert Rating.objects.get().score == 4


def test_anonymous_visitor_rates_with_their_token(api_client):
    chat = EndedChatFactory(visitor=None, anonymous_key="k" * 32, user_agent="Firefox/120.0")
    visitor = api_client(token=make_visitor_token("k" * 32))
    response = visitor.post(rating_url(chat), {"score": 3, "article_helped": True})
    assert response.status_code == 201
    vote = HelpfulVote.objects.get()
    assert (vote.helpful, vote.creator, vote.anonymous_id) == (True, None, "k" * 32)
    assert vote.user_agent == "Firefox/120.0"
    # Another anonymous visitor cannot find the chat.
    stranger = api_client(token=make_visitor_token("x" * 32))
    assert stranger.post(rating_url(chat), {"score": 1}).status_code == 404


def test_only_the_visitor_rates_after_the_end(chat, api_client):
    for person in (chat.helper, SupervisorFactory()):
        response = api_client(person).post(rating_url(chat), {"score": 5})
        assert (response.status_code, response.json()["code"]) == (403, "not_visitor")
    response = api_client(UserFactory()).post(rating_url(chat), {"score": 5})
    assert response.status_code == 404
    active = ActiveChatFactory()
    response = api_client(active.visitor).post(rating_url(active), {"score": 5})
    assert (response.status_code, response.json()["code"]) == (409, "not_ended")
    assert not Rating.objects.exists()


@pytest.mark.parametrize("score", [0, 6, -1])
def test_score_must_be_one_to_five(chat, api_client, score):
    response = api_client(chat.visitor).post(rating_url(chat), {"score": score})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_score")
    assert api_client(chat.visitor).post(rating_url(chat), {"score": "five"}).status_code == 422
    assert not Rating.objects.exists()


def test_no_vote_without_an_answer_to_did_the_article_help(chat, api_client):
    api_client(chat.visitor).post(rating_url(chat), {"score": 2})
    assert Rating.objects.get().helpful_vote_id is None
    assert not HelpfulVote.objects.exists()
    assert not KarmaAward.objects.filter(action="good_rating").exists()


# --- The whole way through --------------------------------------------------------------------


@pytest.mark.queue(auto_assign=True)
def test_request_answer_end_rate_and_file_feedback(api_client, queue):
    """A visitor asks from an article, a helper takes and ends the chat, both close the loop."""

    article = DocumentFactory(title="Firefox won't start")
    visitor, helper = UserFactory(), HelperFactory()
    AgentStatusFactory(user=helper)
    result = lifecycle.request_chat(
        caller=Caller(user=visitor), article_id=article.pk, problem="It crashes at start."
    )
    session_id = result.session.pk
    ChatSession.objects.filter(pk=session_id).update(created=timezone.now() - timedelta(minutes=15))
    chat = ChatSession.objects.get(pk=session_id)
    if chat.status == ChatSession.Status.WAITING:
        assignment.claim_chat(user=helper, session_id=session_id)
    ChatSession.objects.filter(pk=session_id).update(
        assigned_at=timezone.now() - timedelta(minutes=10)
    )
    lifecycle.end_chat(caller=Caller(user=helper), session_id=session_id)

    rated = api_client(visitor).post(
        f"sessions/{session_id}/rating", {"score": 5, "article_helped": False}
    )
    assert rated.status_code == 201, rated.content
    filed = api_client(helper).post(
        f"sessions/{session_id}/feedback",
        {"outcome": "article_incomplete", "missing": "Safe mode steps"},
    )
    assert filed.status_code == 201, filed.content
    feedback = ArticleFeedback.objects.get(session_id=session_id)
    assert feedback.article == article
    assert feedback.revision_id == article.current_revision_id
    assert feedback.terms == extract_terms("Safe mode steps") == ["safe", "mode"]
    actions = set(KarmaAward.objects.filter(user=helper).values_list("action", flat=True))
    assert {"feedback_filed", "good_rating"} <= actions


def test_the_console_lists_chats_still_waiting_for_the_helpers_feedback(api_client):
    helper = HelperFactory()
    owed = EndedChatFactory(helper=helper, ended_at=timezone.now() - timedelta(hours=2))
    newest = EndedChatFactory(helper=helper, ended_at=timezone.now() - timedelta(minutes=5))
    filed = EndedChatFactory(helper=helper, ended_at=timezone.now())
    ArticleFeedbackFactory(session=filed, author=helper)
    EndedChatFactory(helper=helper, ended_at=timezone.now() - timedelta(days=8))  # too old
    EndedChatFactory(helper=helper, article=None)  # no article to judge
    EndedChatFactory(ended_at=timezone.now())  # someone else's

    response = api_client(helper).get("feedback/due")

    assert response.status_code == 200, response.json()
    assert [item["id"] for item in response.json()] == [str(newest.pk), str(owed.pk)]
    assert response.json()[0]["article_title"] == newest.article_title
    assert api_client(HelperFactory()).get("feedback/due").json() == []

    # Filing the feedback takes the chat off the list.
    api_client(helper).post(f"sessions/{newest.pk}/feedback", {"outcome": "article_solved"})
    assert [item["id"] for item in api_client(helper).get("feedback/due").json()] == [str(owed.pk)]
