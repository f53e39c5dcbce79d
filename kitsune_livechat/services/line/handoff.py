"""Turning a chat that could not happen (or needs a follow-up) into a forum question.

The question carries what the visitor already typed: the question form, the article they came
from, their browser context as Kitsune's Ask-a-Question metadata rows (useragent, os,
ff_version, started, frequency) and the transcript when there was a conversation. The host
adapter creates it, so the app never touches the forum's models.
"""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...host import get_host_adapter
from ...models import ChatSession, Message
from ..conversation.visitor_view import visible_transcript
from ..shared.site_links import absolute_links, absolute_url

# Where a visitor can follow up when no chat happens (offered in availability and session JSON).
FORUM, EMAIL = "forum", "email"
FALLBACKS = (FORUM, EMAIL)

TITLE_LENGTH = 80
SENTENCE_END = re.compile(r"(?<=[.!?])\s")

# The question form's choices, worded as the visitor saw them.
STARTED_WHEN = {
    "today": gettext_lazy("Today"),
    "this_week": gettext_lazy("This week"),
    "after_update": gettext_lazy("After an update"),
    "longer": gettext_lazy("Longer ago"),
}
FREQUENCY = {
    "always": gettext_lazy("Every time"),
    "often": gettext_lazy("Often"),
    "sometimes": gettext_lazy("Sometimes"),
    "once": gettext_lazy("It happened once"),
}


def default_title(problem: str) -> str:
    """The problem's first sentence, shortened on a word boundary: a forum title, not the
    whole problem (that is the question's body)."""
    first = " ".join((problem.strip().splitlines() or [""])[0].split())
    first = SENTENCE_END.split(first, 1)[0]
    if len(first) <= TITLE_LENGTH:
        return first
    return first[: TITLE_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("yes") if value else _("no")


def _answer_text(value) -> str:
    if isinstance(value, bool):
        return _yes_no(value)
    return str(value)


def question_content(session: ChatSession, transcript: list[Message], *, base: str = "") -> str:
    """The question's body: the problem, the form's answers, the article, then the transcript.

    Only what the visitor could see goes in: whispers, notes and drafts never do. Choices read
    as the form showed them, and site paths become full links on ``base`` (the text is read in
    the forum and in email, where a relative link is dead).
    """
    lines = [absolute_links(session.problem.strip(), base), ""]
    details = [
        (_("When it started"), STARTED_WHEN.get(session.started_when, session.started_when)),
        (_("How often it happens"), FREQUENCY.get(session.frequency, session.frequency)),
        (_("Asked from the affected computer"), _yes_no(session.on_affected_computer)),
    ]
    labels = {}
    if session.focus_id and session.focus:
        labels = {q.get("key"): q.get("label") or q.get("key") for q in session.focus.questions}
    for key, value in (session.answers or {}).items():
        details.append((labels.get(key, key), _answer_text(value)))
    for label, value in details:
        if value not in ("", None):
            lines.append(f"{label}: {value}")
    if session.article_title:
        url = absolute_url(session.article_url, base)
        where = f" ({url})" if url else ""
        lines.append(_("From the article: %(title)s") % {"title": session.article_title} + where)
    if transcript:
        lines += ["", _("Live chat transcript:")]
        for message in transcript:
            stamp = message.created.strftime("%H:%M")
            who = message.author_name or (
                _("System") if message.role == Message.Role.SYSTEM else _("Visitor")
            )
            lines.append(f"[{stamp}] {who}: {absolute_links(message.body, base)}")
    return "\n".join(lines).strip()


def question_metadata(session: ChatSession) -> dict[str, str]:
    """Kitsune's Ask-a-Question metadata names, plus where the question came from."""
    metadata = {
        "useragent": session.user_agent,
        "os": session.os,
        "started": session.started_when,
        "frequency": session.frequency,
        "livechat_session": str(session.pk),
        "kb_article": session.article_url,
    }
    if session.browser.startswith("Firefox"):
        metadata["ff_version"] = session.browser_version
    return metadata


def forum_preview(session: ChatSession, *, title: str = "", base: str = "") -> dict[str, str]:
    """The forum question exactly as it would be published (title and body), in the chat's
    locale, so the visitor can check it first."""
    with translation.override(session.locale):
        content = question_content(session, visible_transcript(session), base=base)
    return {"title": (title.strip() or default_title(session.problem))[:255], "content": content}


def create_forum_question(
    session: ChatSession, *, user, title: str = "", base: str = ""
) -> tuple[int, str]:
    """Create the forum question for ``session`` as ``user`` (the visitor); (id, url).

    Written in the chat's locale, since the forum question lives in that locale's forum.
    """
    question = forum_preview(session, title=title, base=base)
    return get_host_adapter().create_forum_question(
        user=user,
        title=question["title"],
        content=question["content"],
        product=session.product or None,
        locale=session.locale,
        metadata=question_metadata(session),
    )
