"""A focus campaign's answers, counted per question and labelled as the form shows them."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Count,
)
from django.db.models.fields.json import KT
from django.utils.translation import gettext as _

from ...exceptions import NotFound
from ...models import ArticleFeedback, ChatSession, Focus
from .filters import NO_OUTCOME, Filters

# JSON booleans come back as true/false (PostgreSQL) or 1/0 (SQLite); 1 == True in a set.
YES_VALUES = {True, "1", "true", "True"}
NO_VALUES = {False, "0", "false", "False"}

Status = ChatSession.Status
Outcome = ArticleFeedback.Outcome


def _answer_value(question: dict, raw: Any) -> Any:
    if question.get("type") == "yesno":
        if raw in YES_VALUES:
            return True
        if raw in NO_VALUES:
            return False
    return raw


def _answer_label(question: dict, value: Any) -> str:
    if value is None:
        return _("(no answer)")
    if question.get("type") == "yesno":
        return _("Yes") if value is True else _("No") if value is False else str(value)
    return str(value)


def focus_by_id(focus_id: Any) -> Focus:
    """The focus campaign an insight question names, or NotFound."""
    focus = Focus.objects.filter(pk=focus_id).first() if isinstance(focus_id, int) else None
    if focus is None:
        raise NotFound(_("No such focus."), code="unknown_focus")
    return focus


def focus_answers(focus: Focus, filters: Filters | None = None, *, text_limit: int = 20) -> dict:
    """Per question: how many chats gave each answer, and those chats' feedback outcomes.

    One aggregate query per question (a focus has at most 20), plus one for the status counts.
    Choice and yes/no answers list every option, zeros included; text answers the most frequent
    ``text_limit`` values.
    """
    sessions = ChatSession.objects.filter(focus=focus)
    if filters is not None:
        sessions = sessions.filter(filters.session_q())
    by_status = dict(sessions.order_by().values_list("status").annotate(n=Count("pk")))
    outcomes = [*Outcome.values, NO_OUTCOME]
    questions = []
    for question in focus.questions:
        key = question["key"]
        rows = (
            sessions.annotate(answer=KT(f"answers__{key}"))
            .values("answer", "feedback__outcome")
            .annotate(n=Count("pk"))
            .order_by()
        )
        answers: dict[Any, dict] = {}
        kind = question.get("type", "text")
        if kind == "choice":
            for choice in question.get("choices") or []:
                value = str(choice["value"]) if isinstance(choice, dict) else str(choice)
                answers[value] = {"count": 0, "outcomes": dict.fromkeys(outcomes, 0)}
        elif kind == "yesno":
            for value in (True, False):
                answers[value] = {"count": 0, "outcomes": dict.fromkeys(outcomes, 0)}
        for row in rows:
            value = _answer_value(question, row["answer"])
            entry = answers.setdefault(value, {"count": 0, "outcomes": dict.fromkeys(outcomes, 0)})
            entry["count"] += row["n"]
            entry["outcomes"][row["feedback__outcome"] or NO_OUTCOME] += row["n"]
        listed = [
            {"value": value, "label": _answer_label(question, value), **entry}
            for value, entry in answers.items()
        ]
        if kind == "text":
            listed.sort(key=lambda a: (a["value"] is None, -a["count"], str(a["value"])))
            no_answer = [a for a in listed if a["value"] is None]
            listed = [a for a in listed if a["value"] is not None][:text_limit] + no_answer
        questions.append(
            {
                "key": key,
                "label": question.get("label", key),
                "type": kind,
                "answers": listed,
            }
        )
    return {
        "focus": {
            "id": focus.pk,
            "slug": focus.slug,
            "title": focus.title,
            "capacity": focus.capacity,
        },
        "chats": sum(by_status.values()),
        "by_status": {status: by_status.get(status, 0) for status in Status.values},
        "outcomes": outcomes,
        "questions": questions,
    }
