"""Focus campaigns: which focus a visitor matches, and checking their pre-chat answers.

An operator points chat at one problem (articles, products, locales, browser versions, a time
window and a capacity) and asks pre-chat questions. ``request_chat`` calls ``match_focus`` to
attach the focus and ``validate_answers`` to store the answers structured, so they can be counted
per answer and per outcome on the insight pages.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..exceptions import Conflict, Forbidden, InvalidInput, NotAuthenticated
from ..locales import clean_locale, same_locale
from ..models import ChatSession, Focus, Queue
from .access import Caller

QUESTION_TYPES = ("text", "choice", "yesno")
MAX_TEXT_ANSWER = 1000
MAX_QUESTIONS = 20
YES_WORDS = {"yes", "y", "true", "1", "on"}
NO_WORDS = {"no", "n", "false", "0", "off"}

# Chats that were never talked to do not use up a focus's capacity.
UNCOLLECTED_STATUSES = (ChatSession.Status.ABANDONED, ChatSession.Status.MISSED)


# --- Matching ---------------------------------------------------------------------------------


def _browser_matches(entries: list[str], browser: str, browser_version: str) -> bool:
    """``"Firefox 120"`` matches Firefox 120, 120.0 and 120.0.1; ``"Firefox"`` any Firefox.

    Entries compare case-insensitively and on version boundaries, so "Firefox 12" does not
    match Firefox 120.
    """
    name = browser.strip().lower()
    seen = f"{name} {browser_version.strip().lower()}".strip()
    for entry in entries:
        wanted = " ".join(str(entry).lower().split())
        if not wanted:
            continue
        if wanted == name or seen == wanted or seen.startswith(wanted + "."):
            return True
    return False


def _article_pk(article: Any) -> int | None:
    if article is None or article == "":
        return None
    return getattr(article, "pk", article)


def match_focus(
    *,
    article: Any = None,
    product: str = "",
    locale: str = "",
    browser: str = "",
    browser_version: str = "",
    now: datetime | None = None,
) -> Focus | None:
    """The active focus this visitor falls under, or None.

    ``article`` is the article instance or its pk (or None); ``product`` a product slug;
    ``browser``/``browser_version`` as parsed from the user agent (e.g. "Firefox", "120.0.1").
    A focus matches when it is active, inside its time window, below its capacity, and each of
    its non-empty target lists (articles, products, locales, browser versions) contains the
    visitor's value. When several match, one that names the article wins, then the newest.
    Two queries however many focuses exist.
    """
    now = now or timezone.now()
    article_pk = _article_pk(article)
    candidates = (
        Focus.objects.filter(is_active=True)
        .filter(Q(starts__isnull=True) | Q(starts__lte=now))
        .filter(Q(ends__isnull=True) | Q(ends__gt=now))
        .annotate(collected=Count("sessions", filter=~Q(sessions__status__in=UNCOLLECTED_STATUSES)))
        .prefetch_related("articles")
        .order_by("-created", "-pk")
    )
    best: Focus | None = None
    for focus in candidates:
        if focus.capacity is not None and focus.collected >= focus.capacity:
            continue
        article_ids = {a.pk for a in focus.articles.all()}
        if article_ids and article_pk not in article_ids:
            continue
        if focus.products and product not in focus.products:
            continue
        if focus.locales and not any(same_locale(locale, wanted) for wanted in focus.locales):
            continue
        if focus.browser_versions and not _browser_matches(
            focus.browser_versions, browser, browser_version
        ):
            continue
        if article_ids:
            return focus
        best = best or focus
    return best


def public_focus(focus: Focus | None) -> dict | None:
    """What the chat button shows a matching visitor: no targeting details, just the ask."""
    if focus is None:
        return None
    return {
        "slug": focus.slug,
        "title": focus.title,
        "description": focus.description,
        "questions": [
            {
                "key": q["key"],
                "label": q.get("label", q["key"]),
                "type": q.get("type", "text"),
                "choices": _choice_values(q) if q.get("type") == "choice" else [],
                "required": bool(q.get("required")),
            }
            for q in focus.questions
        ],
    }


# --- Answers ----------------------------------------------------------------------------------


def _choice_values(question: dict) -> list[str]:
    """Choices may be plain strings or {"value", "label"} objects; answers store the value."""
    values = []
    for choice in question.get("choices") or []:
        values.append(str(choice["value"]) if isinstance(choice, dict) else str(choice))
    return values


def _clean_answer(question: dict, raw: Any) -> Any:
    label = question.get("label") or question["key"]
    kind = question.get("type", "text")
    if kind == "yesno":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise InvalidInput(
            _("Answer yes or no to “%(label)s”.") % {"label": label}, code="invalid_answer"
        )
    if isinstance(raw, (dict, list)):
        raise InvalidInput(
            _("The answer to “%(label)s” must be text.") % {"label": label}, code="invalid_answer"
        )
    text = str(raw).strip()
    if kind == "choice":
        if text not in _choice_values(question):
            raise InvalidInput(
                _("Pick one of the offered answers to “%(label)s”.") % {"label": label},
                code="invalid_answer",
            )
        return text
    if len(text) > MAX_TEXT_ANSWER:
        raise InvalidInput(
            _("The answer to “%(label)s” is too long (at most %(max)d characters).")
            % {"label": label, "max": MAX_TEXT_ANSWER},
            code="invalid_answer",
        )
    return text


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def validate_answers(*, focus: Focus | None, answers: dict[str, Any] | None) -> dict[str, Any]:
    """Check pre-chat answers against the focus's questions and return them cleaned.

    Text answers are stripped strings, choice answers one of the question's choice values,
    yes/no answers booleans; blank optional answers are left out. A missing required answer,
    an unknown question key or a value of the wrong kind raises ``InvalidInput`` (code
    ``missing_answer``, ``unknown_question`` or ``invalid_answer``). Without a focus there is
    nothing to answer and any answers are dropped: the focus may have ended while the visitor
    was filling in the form, and that must not stop them from chatting.
    """
    if focus is None:
        return {}
    answers = answers or {}
    if not isinstance(answers, dict):
        raise InvalidInput(_("Answers must be an object keyed by question."), code="invalid_answer")
    questions = {q["key"]: q for q in focus.questions}
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise InvalidInput(
            _("There is no question “%(key)s” for this chat.") % {"key": unknown[0]},
            code="unknown_question",
        )
    cleaned: dict[str, Any] = {}
    for key, question in questions.items():
        raw = answers.get(key)
        if _is_blank(raw):
            if question.get("required"):
                raise InvalidInput(
                    _("Please answer “%(label)s”.") % {"label": question.get("label") or key},
                    code="missing_answer",
                )
            continue
        value = _clean_answer(question, raw)
        if value == "" and not question.get("required"):
            continue
        cleaned[key] = value
    return cleaned


# --- Defining focuses (operators) -------------------------------------------------------------


def require_operator(caller: Caller) -> None:
    """Focuses are run by chat supervisors and site staff."""
    if not caller.is_authenticated:
        raise NotAuthenticated()
    if not (caller.has_perm("supervise_chats") or caller.user.is_staff):
        raise Forbidden(_("Only chat supervisors manage focuses."), code="not_operator")


def list_focuses(*, caller: Caller):
    """Every focus, newest first, with ``chats`` and ``collected`` counts and its articles."""
    from .stats import focus_overview

    require_operator(caller)
    return focus_overview().prefetch_related("articles")


KEY_RE = re.compile(r"^[a-z0-9_]{1,50}$")


def clean_questions(questions: list[dict] | None) -> list[dict]:
    """Normalise an operator's question list; InvalidInput (``invalid_question``) if unusable."""
    cleaned: list[dict] = []
    seen: set[str] = set()
    for index, raw in enumerate(questions or []):
        if not isinstance(raw, dict):
            raise InvalidInput(_("Each question must be an object."), code="invalid_question")
        key = str(raw.get("key") or "").strip()
        label = str(raw.get("label") or "").strip()
        kind = str(raw.get("type") or "text").strip()
        where = {"n": index + 1}
        if not KEY_RE.match(key):
            raise InvalidInput(
                _("Question %(n)d needs a key of lowercase letters, digits or _.") % where,
                code="invalid_question",
            )
        if key in seen:
            raise InvalidInput(
                _("Question %(n)d repeats the key of an earlier question.") % where,
                code="invalid_question",
            )
        if not label:
            raise InvalidInput(_("Question %(n)d needs a label.") % where, code="invalid_question")
        if kind not in QUESTION_TYPES:
            raise InvalidInput(
                _("Question %(n)d has an unknown type.") % where, code="invalid_question"
            )
        question = {"key": key, "label": label, "type": kind, "required": bool(raw.get("required"))}
        if kind == "choice":
            choices = _choice_values(raw)
            choices = [c.strip() for c in choices if c.strip()]
            if len(choices) < 2 or len(set(choices)) != len(choices):
                raise InvalidInput(
                    _("Question %(n)d needs at least two different choices.") % where,
                    code="invalid_question",
                )
            question["choices"] = choices
        seen.add(key)
        cleaned.append(question)
    if len(cleaned) > MAX_QUESTIONS:
        raise InvalidInput(_("A focus has at most 20 questions."), code="invalid_question")
    return cleaned


def _str_list(values: list | None) -> list[str]:
    return [str(v).strip() for v in (values or []) if str(v).strip()]


@transaction.atomic
def create_focus(
    *,
    caller: Caller,
    title: str,
    description: str = "",
    articles: list[int] | None = None,
    products: list[str] | None = None,
    locales: list[str] | None = None,
    browser_versions: list[str] | None = None,
    starts: datetime | None = None,
    ends: datetime | None = None,
    capacity: int | None = None,
    questions: list[dict] | None = None,
    queue: str = "",
    slug: str = "",
) -> Focus:
    """Define a focus campaign. Article ids must exist in the host's KB."""
    from django.apps import apps

    from ..conf import livechat_settings

    require_operator(caller)
    title = title.strip()
    if not title:
        raise InvalidInput(_("A focus needs a title."), code="invalid_focus")
    if starts and ends and ends <= starts:
        raise InvalidInput(_("A focus must end after it starts."), code="invalid_focus")
    if capacity is not None and capacity < 1:
        raise InvalidInput(_("Capacity must be at least 1."), code="invalid_focus")
    cleaned_questions = clean_questions(questions)
    article_ids = sorted({int(a) for a in articles or []})
    if article_ids:
        article_model = apps.get_model(livechat_settings.ARTICLE_MODEL)
        found = set(article_model.objects.filter(pk__in=article_ids).values_list("pk", flat=True))
        if found != set(article_ids):
            raise InvalidInput(_("Some target articles do not exist."), code="invalid_focus")
    queue_obj = None
    if queue:
        queue_obj = Queue.objects.filter(slug=queue).first()
        if queue_obj is None:
            raise InvalidInput(_("There is no such queue."), code="unknown_queue")
    slug = slugify(slug or title)[:50] or "focus"
    if Focus.objects.filter(slug=slug).exists():
        raise Conflict(_("A focus with this slug already exists."), code="slug_taken")
    focus = Focus.objects.create(
        title=title[:200],
        slug=slug,
        description=description.strip(),
        products=_str_list(products),
        locales=[clean_locale(locale) for locale in _str_list(locales)],
        browser_versions=_str_list(browser_versions),
        starts=starts,
        ends=ends,
        capacity=capacity,
        questions=cleaned_questions,
        queue=queue_obj,
    )
    if article_ids:
        focus.articles.set(article_ids)
    focus.chats = focus.collected = 0
    return focus
