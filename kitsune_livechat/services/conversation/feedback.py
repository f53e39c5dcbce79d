"""What a chat teaches: the helper's article feedback and the visitor's rating.

``submit_feedback``/``edit_feedback`` are the only writers of ``ArticleFeedback`` and
``rate_chat`` the only writer of ``Rating``. Side effects reach the host through its adapter
(helpful votes, "needs change" flags) and the karma ledger through ``services.contributors.karma``;
the ``article_feedback_submitted`` signal is sent after commit for the host to listen to.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ... import realtime
from ...conf import livechat_settings
from ...exceptions import Conflict, Forbidden, InvalidInput, NotFound
from ...host import get_host_adapter
from ...models import ArticleFeedback, ChatSession, KarmaAward, Rating
from ...signals import article_feedback_submitted, send_on_commit
from ..contributors import karma, mentoring
from ..shared.access import Caller, ChatRole, get_session_for
from ..shared.cleaning import clean_text

Outcome = ArticleFeedback.Outcome

MAX_TEXT = 5000
MAX_TAGS = 10
MAX_TAG_LENGTH = 40
MAX_TERMS = 40
MAX_COMMENT = 2000

# Words that say nothing about what an article lacks; the rest of ``missing`` becomes terms.
THEME_STOP_WORDS = frozenset(
    """
    a about after again all also am an and any are as at be because been before being but by
    can cannot could did didn't do does doesn't doing don't for from had has have having how
    if in into is isn't it it's its just more most no nor not now of on once only or other our
    out over own same should so some such than that the their them then there these they this
    those through to too under until up use used user users very was wasn't way we were what
    when where which while who why will with won't would you your article articles page step
    steps need needs needed missing explain explains explained mention mentions mentioned
    der die das und ist nicht ein eine mit wie was bei auf den dem des für zu von
    """.split()
)
WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

_UNSET: Any = object()


# --- Cleaning input ---------------------------------------------------------------------------


def extract_terms(text: str) -> list[str]:
    """The distinct meaningful words of a text, lowercased, in order of first appearance."""
    terms: list[str] = []
    for word in WORD_RE.findall(text.lower()):
        word = word.replace("’", "'")
        if len(word) < 3 or word in THEME_STOP_WORDS or word.isdigit() or word in terms:
            continue
        terms.append(word)
        if len(terms) >= MAX_TERMS:
            break
    return terms


def clean_tags(tags: Any) -> list[str]:
    """Lowercase, trimmed, de-duplicated tags; spaces become dashes ("sync-error")."""
    if tags is None:
        return []
    if not isinstance(tags, (list, tuple)):
        raise InvalidInput(_("Tags must be a list of words."), code="invalid_tags")
    cleaned: list[str] = []
    for tag in tags:
        if not isinstance(tag, str):
            raise InvalidInput(_("Tags must be a list of words."), code="invalid_tags")
        tag = "-".join(tag.strip().lower().split())
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidInput(
                _("A tag has at most %(max)d characters.") % {"max": MAX_TAG_LENGTH},
                code="invalid_tags",
            )
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise InvalidInput(_("At most %(max)d tags.") % {"max": MAX_TAGS}, code="invalid_tags")
    return cleaned


def _clean_outcome(outcome: Any) -> str:
    if outcome not in Outcome.values:
        raise InvalidInput(
            _("Choose one of the outcomes: %(outcomes)s.")
            % {"outcomes": ", ".join(Outcome.values)},
            code="invalid_outcome",
        )
    return outcome


def _clean_solved_by(solved_by: Any, session: ChatSession, user: Any) -> int | None:
    if solved_by in (None, ""):
        return None
    article = get_host_adapter().get_article(solved_by, user=user)
    if article is None:
        raise InvalidInput(_("There is no such article."), code="unknown_article")
    if session.article_id is not None and article.pk == session.article_id:
        raise InvalidInput(
            _("The article that solved it must differ from the one the chat started from."),
            code="same_article",
        )
    return article.pk


# --- Article feedback -------------------------------------------------------------------------


def insight_url(article_id: int) -> str:
    """The per-article insight page: the evidence behind a review flag."""
    try:
        return reverse("livechat:insights_article", kwargs={"article_id": article_id})
    except NoReverseMatch:
        return ""


def _review_comment(feedback: ArticleFeedback) -> str:
    parts = [_("Live chat feedback: %(outcome)s.") % {"outcome": feedback.get_outcome_display()}]
    url = insight_url(feedback.article_id)
    if url:
        parts.append(_("Evidence: %(url)s") % {"url": url})
    if feedback.missing:
        parts.append(_("Missing: %(missing)s") % {"missing": feedback.missing})
    return " ".join(parts)[:500]


def _flag_if_needed(feedback: ArticleFeedback) -> None:
    """Put a wrong or outdated article on the host's review list, once per feedback."""
    if (
        feedback.flagged_for_review
        or not livechat_settings.FLAG_ARTICLES_FOR_REVIEW
        or feedback.outcome not in ArticleFeedback.REVIEW
        or feedback.article_id is None
    ):
        return
    adapter = get_host_adapter()
    article = adapter.get_article(feedback.article_id, check_visibility=False)
    if article is None:
        return
    adapter.flag_for_review(article, _review_comment(feedback))
    feedback.flagged_for_review = True
    feedback.save(update_fields=["flagged_for_review", "updated"])


def _announce(feedback: ArticleFeedback, *, created: bool) -> None:
    send_on_commit(article_feedback_submitted, ArticleFeedback, feedback=feedback, created=created)


def _helper_access(caller: Caller, session_id: Any, *, for_update: bool):
    access = get_session_for(caller, session_id, for_update=for_update)
    if access.role != ChatRole.HELPER:
        raise Forbidden(_("Only the chat's helper files article feedback."), code="not_helper")
    return access


FEEDBACK_DUE_DAYS = 7
FEEDBACK_DUE_LIMIT = 20


def feedback_due(*, caller: Caller) -> list[dict[str, Any]]:
    """The caller's chats of the last week that ended without their article feedback, newest
    first: the console lists them, so feedback is not lost with a closed tab or a reload.
    One query."""
    user = caller.account
    if user is None:
        return []
    since = timezone.now() - timedelta(days=FEEDBACK_DUE_DAYS)
    chats = (
        ChatSession.objects.filter(
            helper_id=user.pk,
            status=ChatSession.Status.ENDED,
            ended_at__gte=since,
            article__isnull=False,
            feedback__isnull=True,
        )
        .order_by("-ended_at")
        .values("pk", "article_title", "problem", "ended_at")[:FEEDBACK_DUE_LIMIT]
    )
    return [
        {
            "id": str(chat["pk"]),
            "article_title": chat["article_title"],
            "problem": chat["problem"][:120],
            "ended_at": chat["ended_at"],
        }
        for chat in chats
    ]


def submit_feedback(
    *,
    caller: Caller,
    session_id: Any,
    outcome: str,
    solved_by: Any = None,
    missing: str = "",
    suggested_change: str = "",
    tags: list[str] | None = None,
) -> ArticleFeedback:
    """File the helper's verdict on the chat's article: one per chat.

    The article and the revision the visitor saw come from the chat's snapshot. Awards the
    ``feedback_filed`` karma, flags a wrong or outdated article for review when
    ``LIVECHAT_FLAG_ARTICLES_FOR_REVIEW`` is on, and announces the feedback after commit.
    """
    with transaction.atomic():
        session = _helper_access(caller, session_id, for_update=True).session
        if session.status not in (ChatSession.Status.ACTIVE, ChatSession.Status.ENDED):
            raise Conflict(_("This chat was never answered."), code="not_answered")
        if ArticleFeedback.objects.filter(session=session).exists():
            raise Conflict(
                _("Feedback for this chat was already filed; edit it instead."),
                code="feedback_exists",
            )
        missing = clean_text(missing, _("What was missing"), MAX_TEXT)
        feedback = ArticleFeedback(
            session=session,
            author=caller.user,
            article_id=session.article_id,
            revision_id=session.article_revision_id,
            outcome=_clean_outcome(outcome),
            solved_by_id=_clean_solved_by(solved_by, session, caller.user),
            missing=missing,
            terms=extract_terms(missing),
            suggested_change=clean_text(suggested_change, _("The suggested change"), MAX_TEXT),
            tags=clean_tags(tags),
        )
        try:
            with transaction.atomic():
                feedback.save()
        except IntegrityError:
            raise Conflict(
                _("Feedback for this chat was already filed; edit it instead."),
                code="feedback_exists",
            ) from None
        _flag_if_needed(feedback)
        karma.award(caller.user, KarmaAward.Action.FEEDBACK_FILED, session)
        _announce(feedback, created=True)
    return feedback


def edit_feedback(
    *,
    caller: Caller,
    session_id: Any,
    outcome: str = _UNSET,
    solved_by: Any = _UNSET,
    missing: str = _UNSET,
    suggested_change: str = _UNSET,
    tags: list[str] | None = _UNSET,
) -> ArticleFeedback:
    """Change the fields given; only the author, for ``LIVECHAT_FEEDBACK_EDIT_MINUTES``."""
    with transaction.atomic():
        session = _helper_access(caller, session_id, for_update=True).session
        feedback = ArticleFeedback.objects.filter(session=session).first()
        if feedback is None:
            raise NotFound(_("No feedback was filed for this chat yet."), code="no_feedback")
        if feedback.author_id != caller.user_id:
            raise Forbidden(_("Only the author may edit this feedback."), code="not_author")
        window = timedelta(minutes=livechat_settings.FEEDBACK_EDIT_MINUTES)
        if timezone.now() > feedback.created + window:
            raise Forbidden(
                _("Feedback can only be edited for %(minutes)d minutes.")
                % {"minutes": livechat_settings.FEEDBACK_EDIT_MINUTES},
                code="edit_window_closed",
            )
        if outcome is not _UNSET:
            feedback.outcome = _clean_outcome(outcome)
        if solved_by is not _UNSET:
            feedback.solved_by_id = _clean_solved_by(solved_by, session, caller.user)
        if missing is not _UNSET:
            feedback.missing = clean_text(missing, _("What was missing"), MAX_TEXT)
            feedback.terms = extract_terms(feedback.missing)
        if suggested_change is not _UNSET:
            feedback.suggested_change = clean_text(
                suggested_change, _("The suggested change"), MAX_TEXT
            )
        if tags is not _UNSET:
            feedback.tags = clean_tags(tags)
        feedback.save()
        _flag_if_needed(feedback)
        _announce(feedback, created=False)
    return feedback


def feedback_for(*, caller: Caller, session_id: Any) -> ArticleFeedback | None:
    """The chat's feedback for its helpers (to prefill the edit form), or None."""
    session = _helper_access(caller, session_id, for_update=False).session
    return ArticleFeedback.objects.filter(session=session).first()


def feedback_editable_until(feedback: ArticleFeedback):
    return feedback.created + timedelta(minutes=livechat_settings.FEEDBACK_EDIT_MINUTES)


# --- Visitor rating ---------------------------------------------------------------------------


def rate_chat(
    *,
    caller: Caller,
    session_id: Any,
    score: int,
    comment: str = "",
    article_helped: bool | None = None,
) -> Rating:
    """Store the visitor's post-chat survey, once, after the chat ended.

    "Did the article help?" is also counted in the host's "Was this article helpful?" poll on
    the revision the visitor saw, marked as coming from live chat. The karma ledger credits the
    helper for a good score (``karma.credit_rating``).
    """
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        session = access.session
        if access.role != ChatRole.VISITOR:
            raise Forbidden(_("Only the visitor rates a chat."), code="not_visitor")
        if session.status != ChatSession.Status.ENDED:
            raise Conflict(_("A chat can be rated once it has ended."), code="not_ended")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise InvalidInput(_("Rate the chat from 1 to 5."), code="invalid_score")
        comment = "" if comment is None else str(comment).strip()
        if len(comment) > MAX_COMMENT:
            raise InvalidInput(
                _("The comment is too long (at most %(max)d characters).") % {"max": MAX_COMMENT},
                code="too_long",
            )
        if Rating.objects.filter(session=session).exists():
            raise Conflict(_("You already rated this chat."), code="already_rated")
        rating = Rating(
            session=session, score=score, comment=comment, article_helped=article_helped
        )
        try:
            with transaction.atomic():
                rating.save()
        except IntegrityError:
            raise Conflict(_("You already rated this chat."), code="already_rated") from None
        if article_helped is not None and session.article_revision_id:
            rating.helpful_vote_id = get_host_adapter().record_helpful_vote(
                revision_id=session.article_revision_id,
                helpful=article_helped,
                user=session.visitor,
                anonymous_id="" if session.visitor_id else session.anonymous_key,
                user_agent=session.user_agent,
                metadata={"source": "livechat", "livechat_session": str(session.pk)},
            )
            if rating.helpful_vote_id is not None:
                rating.save(update_fields=["helpful_vote_id"])
        karma.credit_rating(rating)
        mentoring.propose_ready_trainees(rating.session)
        if session.helper_id:
            # The helper sees how it went while the chat is still fresh in their mind.
            realtime.chat_rated(session.helper_id, session, rating)
    return rating


def rating_for(*, caller: Caller, session_id: Any) -> Rating:
    """The visitor's rating of the chat, for its visitor and staff; NotFound before it is given
    (code ``not_rated``)."""
    access = get_session_for(caller, session_id)
    rating = Rating.objects.filter(session=access.session).first()
    if rating is None:
        raise NotFound(_("The visitor has not rated this chat."), code="not_rated")
    return rating
