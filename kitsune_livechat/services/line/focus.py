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

from django.apps import apps
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ...conf import livechat_settings
from ...exceptions import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from ...locales import clean_locale, same_locale
from ...models import ChatSession, Focus, Queue
from ..shared.access import Caller
from ..shared.roles import is_operator

QUESTION_TYPES = ("text", "choice", "yesno")
MAX_TEXT_ANSWER = 1000
MAX_QUESTIONS = 20
YES_WORDS = {"yes", "y", "true", "1", "on"}
NO_WORDS = {"no", "n", "false", "0", "off"}

# Chats that were never talked to do not use up a focus's capacity.
UNCOLLECTED_STATUSES = (ChatSession.Status.ABANDONED, ChatSession.Status.MISSED)


# --- Matching ---------------------------------------------------------------------------------


# "Firefox 115-128": every major version from 115 to 128.
RANGE_RE = re.compile(r"^(?P<name>.+?) (?P<low>\d+) ?- ?(?P<high>\d+)$")


def _browser_matches(entries: list[str], browser: str, browser_version: str) -> bool:
    """``"Firefox 120"`` matches Firefox 120, 120.0 and 120.0.1; ``"Firefox"`` any Firefox;
    ``"Firefox 115-128"`` the major versions 115 to 128.

    Entries compare case-insensitively and on version boundaries, so "Firefox 12" does not
    match Firefox 120.
    """
    name = browser.strip().lower()
    seen = f"{name} {browser_version.strip().lower()}".strip()
    major = browser_version.split(".")[0].strip()
    for entry in entries:
        wanted = " ".join(str(entry).lower().split())
        if not wanted:
            continue
        if wanted == name or seen == wanted or seen.startswith(wanted + "."):
            return True
        span = RANGE_RE.match(wanted)
        if span and span["name"] == name and major.isdigit():
            if int(span["low"]) <= int(major) <= int(span["high"]):
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


def question_label(question: dict, locale: str = "") -> str:
    """The question's label in ``locale`` when the operator wrote one, else the default."""
    labels = question.get("labels") or {}
    return labels.get(locale) or question.get("label") or question["key"]


def choice_labels(question: dict, locale: str = "") -> list[str]:
    """The choices as the visitor reads them in ``locale`` (the values when untranslated)."""
    values = choice_values(question)
    translated = (question.get("choice_labels") or {}).get(locale) or []
    return [
        translated[i] if i < len(translated) and translated[i] else v for i, v in enumerate(values)
    ]


def public_focus(focus: Focus | None, locale: str = "") -> dict | None:
    """What the chat button shows a matching visitor: no targeting details, just the ask, with
    the labels in the visitor's ``locale`` where the operator translated them."""
    if focus is None:
        return None
    return {
        "slug": focus.slug,
        "title": focus.title,
        "description": focus.description,
        "questions": [
            {
                "key": q["key"],
                "label": question_label(q, locale),
                "type": q.get("type", "text"),
                "choices": choice_values(q) if q.get("type") == "choice" else [],
                "choice_labels": choice_labels(q, locale) if q.get("type") == "choice" else [],
                "required": bool(q.get("required")),
            }
            for q in focus.questions
        ],
    }


def answers_shown(session: ChatSession, locale: str = "") -> list[dict[str, Any]]:
    """A chat's pre-chat answers as the console shows them: each question's label (in
    ``locale`` where translated) and the answer as the visitor picked it, in question order.
    Answers to questions no longer asked keep their key as label."""
    answers = session.answers or {}
    questions = session.focus.questions if session.focus_id and session.focus else []
    shown = []
    for question in questions:
        if question["key"] not in answers:
            continue
        value = answers[question["key"]]
        if question.get("type") == "choice" and value in choice_values(question):
            value = choice_labels(question, locale)[choice_values(question).index(value)]
        shown.append(
            {"key": question["key"], "label": question_label(question, locale), "value": value}
        )
    known = {q["key"] for q in questions}
    shown += [{"key": k, "label": k, "value": v} for k, v in answers.items() if k not in known]
    return shown


# --- Answers ----------------------------------------------------------------------------------


def choice_values(question: dict) -> list[str]:
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
        if text not in choice_values(question):
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
    if not caller.is_authenticated:
        raise NotAuthenticated()
    if not is_operator(caller.user):
        raise Forbidden(_("Only focus operators manage focuses."), code="not_operator")


def list_focuses(*, caller: Caller):
    """Every focus, newest first, with ``chats`` and ``collected`` counts and its articles."""
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
        labels = _translations(raw.get("labels"), where)
        if labels:
            question["labels"] = labels
        if kind == "choice":
            choices = choice_values(raw)
            choices = [c.strip() for c in choices if c.strip()]
            if len(choices) < 2 or len(set(choices)) != len(choices):
                raise InvalidInput(
                    _("Question %(n)d needs at least two different choices.") % where,
                    code="invalid_question",
                )
            question["choices"] = choices
            translated = _choice_translations(raw.get("choice_labels"), len(choices), where)
            if translated:
                question["choice_labels"] = translated
        seen.add(key)
        cleaned.append(question)
    if len(cleaned) > MAX_QUESTIONS:
        raise InvalidInput(_("A focus has at most 20 questions."), code="invalid_question")
    return cleaned


def _translations(raw: Any, where: dict) -> dict[str, str]:
    """``{locale: label}`` for the languages the operator translated; blanks left out."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput(
            _("Question %(n)d has translations that are not text per language.") % where,
            code="invalid_question",
        )
    return {str(k): str(v).strip() for k, v in raw.items() if str(v or "").strip()}


def _choice_translations(raw: Any, count: int, where: dict) -> dict[str, list[str]]:
    """``{locale: [label per choice]}``; each language names every choice, in order."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput(
            _("Question %(n)d has choice translations that are not lists.") % where,
            code="invalid_question",
        )
    cleaned = {}
    for locale, labels in raw.items():
        labels = [str(label).strip() for label in labels or [] if str(label).strip()]
        if not labels:
            continue
        if len(labels) != count:
            raise InvalidInput(
                _("Question %(n)d: translate every choice, one per line, in the same order.")
                % where,
                code="invalid_question",
            )
        cleaned[str(locale)] = labels
    return cleaned


def _str_list(values: list | None) -> list[str]:
    return [str(v).strip() for v in (values or []) if str(v).strip()]


class FocusState:
    """Where a campaign stands; operators schedule, pause and end them."""

    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    ENDED = "ended"


def focus_state(focus: Focus, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if focus.ends and focus.ends <= now:
        return FocusState.ENDED
    if not focus.is_active:
        return FocusState.PAUSED
    if focus.starts and focus.starts > now:
        return FocusState.SCHEDULED
    return FocusState.RUNNING


def _clean_fields(
    *,
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
) -> tuple[dict[str, Any], list[int]]:
    """A campaign's fields checked and normalised, and its target article ids.

    ``articles`` are ids in the host's KB; ``products`` slugs; ``browser_versions`` entries
    such as "Firefox", "Firefox 120" or "Firefox 115-128"; ``questions`` as ``clean_questions``
    takes them; ``queue`` a queue slug (empty: the usual routing).
    """
    title = title.strip()
    if not title:
        raise InvalidInput(_("A focus needs a title."), code="invalid_focus")
    if starts and ends and ends <= starts:
        raise InvalidInput(_("A focus must end after it starts."), code="invalid_focus")
    if capacity is not None and capacity < 1:
        raise InvalidInput(_("Capacity must be at least 1."), code="invalid_focus")
    try:
        article_ids = sorted({int(a) for a in articles or []})
    except (TypeError, ValueError):
        raise InvalidInput(_("Articles are given by their ids."), code="invalid_focus") from None
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
    fields = {
        "title": title[:200],
        "description": description.strip(),
        "products": _str_list(products),
        "locales": [clean_locale(locale) for locale in _str_list(locales)],
        "browser_versions": _str_list(browser_versions),
        "starts": starts,
        "ends": ends,
        "capacity": capacity,
        "questions": clean_questions(questions),
        "queue": queue_obj,
    }
    return fields, article_ids


@transaction.atomic
def create_focus(*, caller: Caller, slug: str = "", **fields: Any) -> Focus:
    """Define a focus campaign from the fields ``_clean_fields`` takes."""
    require_operator(caller)
    fields, article_ids = _clean_fields(**fields)
    slug = slugify(slug or fields["title"])[:50] or "focus"
    if Focus.objects.filter(slug=slug).exists():
        raise Conflict(_("A focus with this slug already exists."), code="slug_taken")
    focus = Focus.objects.create(slug=slug, **fields)
    if article_ids:
        focus.articles.set(article_ids)
    focus.chats = focus.collected = focus.answered = 0
    return focus


def _check_answers_kept(old: list[dict], new: list[dict]) -> None:
    """Once visitors answered, a question keeps its key and type and a choice question every
    choice it offered: the stored answers stay meaningful and countable. Labels, translations,
    "required", new choices and new questions may change freely."""
    by_key = {q["key"]: q for q in new}
    for question in old:
        kept = by_key.get(question["key"])
        label = question.get("label") or question["key"]
        if kept is None:
            raise Conflict(
                _("“%(label)s” already has answers: it cannot be removed.") % {"label": label},
                code="answers_collected",
            )
        if kept.get("type", "text") != question.get("type", "text"):
            raise Conflict(
                _("“%(label)s” already has answers: its type cannot change.") % {"label": label},
                code="answers_collected",
            )
        dropped = set(choice_values(question)) - set(choice_values(kept))
        if dropped:
            raise Conflict(
                _("“%(label)s” already has answers: its choices can be added to, not removed.")
                % {"label": label},
                code="answers_collected",
            )


@transaction.atomic
def update_focus(*, caller: Caller, focus_id: int, **fields: Any) -> Focus:
    """Change a campaign, running or not, to the fields ``_clean_fields`` takes. Edits that
    would orphan collected answers are refused (409 ``answers_collected``) rather than
    versioned: see ``_check_answers_kept``."""
    require_operator(caller)
    focus = Focus.objects.select_for_update().filter(pk=focus_id).first()
    if focus is None:
        raise NotFound(_("No such focus."), code="unknown_focus")
    fields, article_ids = _clean_fields(**fields)
    if ChatSession.objects.filter(focus=focus).exclude(answers={}).exists():
        _check_answers_kept(focus.questions, fields["questions"])
    for name, value in fields.items():
        setattr(focus, name, value)
    focus.save()
    focus.articles.set(article_ids)
    return focus


FOCUS_ACTIONS = ("pause", "resume", "end")


@transaction.atomic
def change_focus_state(*, caller: Caller, focus_id: int, action: str) -> Focus:
    """``pause`` stops matching visitors, ``resume`` starts again, ``end`` closes the campaign
    now for good (its answers stay for the insight pages)."""
    require_operator(caller)
    if action not in FOCUS_ACTIONS:
        raise InvalidInput(_("Pause, resume or end a focus."), code="invalid_action")
    focus = Focus.objects.select_for_update().filter(pk=focus_id).first()
    if focus is None:
        raise NotFound(_("No such focus."), code="unknown_focus")
    now = timezone.now()
    if focus_state(focus, now) == FocusState.ENDED:
        raise Conflict(_("This focus has ended."), code="focus_ended")
    if action == "end":
        focus.ends = now
        if focus.starts and focus.starts > now:
            focus.starts = now
    else:
        focus.is_active = action == "resume"
    focus.save(update_fields=["ends", "starts", "is_active"])
    return focus


def focus_with_counts(focus_id: int) -> Focus | None:
    """One campaign with the ``chats``, ``collected`` and ``answered`` counts of the list."""
    return (
        focus_overview()
        .select_related("queue")
        .prefetch_related("articles")
        .filter(pk=focus_id)
        .first()
    )


def focus_overview() -> QuerySet[Focus]:
    """Every focus, newest first, with ``chats``, ``collected`` (not abandoned or missed) and
    ``answered`` (the visitor answered its questions)."""
    return Focus.objects.annotate(
        chats=Count("sessions"),
        collected=Count("sessions", filter=~Q(sessions__status__in=UNCOLLECTED_STATUSES)),
        answered=Count("sessions", filter=~Q(sessions__answers={})),
    ).order_by("-created", "-pk")
