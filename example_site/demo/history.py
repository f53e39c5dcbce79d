"""Three weeks of past chats for the demo, so insight pages, stats and the leaderboard show
something on a fresh machine.

The chats go through the app's own services (messages, feedback, ratings, karma), then get
their historical timestamps; anonymous visitors keep the repeat-pair karma rule out of the
way. Seeded once: chats whose visitor key starts with ``demo-`` mark the history as present.
"""

import random
from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from kitsune_livechat.host import get_host_adapter
from kitsune_livechat.models import ArticleFeedback, ChatSession, Message, Queue
from kitsune_livechat.services.contributors import karma
from kitsune_livechat.services.conversation import feedback
from kitsune_livechat.services.conversation.messaging import store_message
from kitsune_livechat.services.shared.access import Caller
from wiki.models import Document

KEY_PREFIX = "demo-"
DAYS = 21
CHATS = 60

# (outcome, weight, what was missing, tags)
VERDICTS = [
    ("article_solved", 5, "", ["quick-fix"]),
    ("article_incomplete", 3, "No steps for the latest version of the menu", ["outdated-ui"]),
    ("article_outdated", 2, "Screenshots show the old settings page", ["screenshots"]),
    ("wrong_article", 2, "The visitor needed the profile article instead", ["search"]),
    ("article_wrong", 1, "Step three names a setting that does not exist", ["settings"]),
    ("not_article_related", 1, "", ["account"]),
]
PROBLEMS = [
    "It stopped working after the last update.",
    "The steps in the article don't match what I see.",
    "I tried everything in the article and it still happens.",
    "It happens every time I start the computer.",
]


def seed_history(people: dict) -> int:
    """Create the past chats unless they exist; returns how many were created."""
    if ChatSession.objects.filter(anonymous_key__startswith=KEY_PREFIX).exists():
        return 0
    rng = random.Random(2026)
    helpers = [people[name] for name in ("helper1", "helper2", "helper3")]
    queue = Queue.objects.get(slug="general")
    articles = list(
        Document.objects.filter(locale="en-US", is_archived=False)
        .exclude(category=70)
        .exclude(current_revision=None)
    )
    now = timezone.now()
    for number in range(CHATS):
        article = rng.choice(articles)
        created = now - timedelta(days=rng.uniform(0.5, DAYS), minutes=rng.randint(0, 600))
        status = rng.choices(
            [ChatSession.Status.ENDED, ChatSession.Status.MISSED, ChatSession.Status.ABANDONED],
            [8, 1, 1],
        )[0]
        _past_chat(rng, number, article, queue, rng.choice(helpers), created, status)
    return CHATS


def _past_chat(rng, number, article, queue, helper, created, status) -> None:
    key = f"{KEY_PREFIX}{number}"
    waited = timedelta(seconds=rng.randint(20, 420))
    lasted = timedelta(minutes=rng.randint(3, 25))
    answered = status == ChatSession.Status.ENDED
    session = ChatSession.objects.create(
        queue=queue,
        anonymous_key=key,
        article=article,
        article_title=article.title,
        article_url=article.get_absolute_url(),
        article_revision_id=article.current_revision_id,
        locale="en-US",
        problem=rng.choice(PROBLEMS),
        browser="Firefox",
        browser_version=str(rng.randint(126, 133)),
        os=rng.choice(["Windows", "macOS", "Linux"]),
        helper=helper if answered else None,
    )
    if answered:
        visitor = Caller(anonymous_key=key)
        store_message(session_id=session.pk, body=session.problem, role="visitor")
        store_message(
            session_id=session.pk,
            body="Thanks for waiting! Let's sort this out together.",
            role="helper",
            author=helper,
            author_name=get_host_adapter().display_name(helper),
            first_response=True,
        )
        ChatSession.objects.filter(pk=session.pk).update(
            status=status,
            created=created,
            assigned_at=created + waited,
            first_response_at=created + waited + timedelta(seconds=rng.randint(5, 60)),
            ended_at=created + waited + lasted,
        )
        session.refresh_from_db()
        karma.credit_chat_end(session)
        outcome, _weight, missing, tags = rng.choices(VERDICTS, [v[1] for v in VERDICTS])[0]
        solved_by = None
        if outcome == "wrong_article":
            solved_by = rng.choice([a for a in _articles_like(article) if a.pk != article.pk])
        filed = feedback.submit_feedback(
            caller=Caller(user=helper),
            session_id=session.pk,
            outcome=outcome,
            solved_by=solved_by.pk if solved_by else None,
            missing=missing,
            tags=tags,
        )
        ArticleFeedback.objects.filter(pk=filed.pk).update(created=session.ended_at)
        if rng.random() < 0.7:
            # The visitor rated right after the chat; replayed weeks later, their token's grace
            # period is over, so the replay stretches it to the chat's age.
            with override_settings(LIVECHAT_VISITOR_TOKEN_GRACE=(DAYS + 1) * 86400):
                feedback.rate_chat(
                    caller=visitor,
                    session_id=session.pk,
                    score=rng.choices([5, 4, 3, 2, 1], [6, 3, 1, 1, 1])[0],
                    article_helped=outcome == "article_solved",
                )
    else:
        ChatSession.objects.filter(pk=session.pk).update(
            status=status, created=created, ended_at=created + waited
        )
    Message.objects.filter(session=session).update(created=created + waited)


def _articles_like(article) -> list:
    return list(
        Document.objects.filter(
            locale="en-US", category=article.category, is_archived=False
        ).exclude(current_revision=None)
    )
