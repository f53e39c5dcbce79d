"""Chats from request to end: a visitor asks for a chat (or follows up in the forum or by email
when none is possible), reads it, and the visitor or a helper ends it.

Around it: ``placement`` (which queue serves a visitor, and whether it is open), ``assignment``
(presence, claims, auto-assignment), ``transfer``, ``sweep`` (timeouts), ``presenters`` (the
JSON shapes) and ``handoff`` (the forum question).

Each public function is one transaction and the only writer of the rows it changes. Live
updates go out through ``realtime`` and host signals through ``signals.send_on_commit``, both
only after the data has committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ... import realtime
from ...conf import livechat_settings
from ...exceptions import Conflict, Forbidden, InvalidInput, NotAuthenticated, Unavailable
from ...host import get_host_adapter
from ...models import Ban, ChatSession, Queue
from ...signals import chat_ended, chat_handed_off, chat_requested, send_on_commit
from ..contributors import karma, mentoring
from ..conversation.history import follow_up_target
from ..conversation.messaging import post_system_message
from ..conversation.presenters import queue_item_json
from ..shared import limits, notify
from ..shared.access import (
    Caller,
    ChatRole,
    SessionAccess,
    get_session_for,
    make_visitor_token,
    new_anonymous_key,
)
from ..shared.cleaning import clean_email, clean_text
from ..shared.locks import lock_user
from ..shared.roles import is_supervisor
from .assignment import (
    agent_json,
    agent_status_for,
    auto_assign,
    eligible_waiting,
    helper_by_username,
    require_helper,
)
from .availability import State
from .focus import validate_answers
from .followup import send_followup_on_commit
from .handoff import EMAIL, FALLBACKS, FORUM, create_forum_question, forum_preview
from .placement import availability_of, place

Status = ChatSession.Status
OPEN = ChatSession.OPEN_STATUSES

# end_reason values written here (the sweep writes "timeout").
REASON_VISITOR_LEFT = "visitor_left"
REASON_SOLVED = "solved_by_suggestion"
REASON_HANDED_OFF = "handed_off"
REASON_CLOSED = "queue_closed"
REASON_FULL = "queue_full"
REASON_BANNED = "banned"


class QueueUnavailable(Unavailable):
    """A closed or full queue refuses a chat; the answer offers the fallbacks and availability."""

    def __init__(self, detail: str, *, code: str, availability: dict[str, Any]):
        super().__init__(detail, code=code)
        self.availability = availability

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "fallback": list(FALLBACKS), "availability": self.availability}


# --- Requesting a chat ------------------------------------------------------------------------


@dataclass
class RequestResult:
    session: ChatSession
    created: bool
    token: str | None = None  # a new anonymous visitor's signed token


def _ban_for(user, anonymous_key: str) -> Ban | None:
    who = Q()
    if user is not None:
        who |= Q(user=user)
    if anonymous_key:
        who |= Q(anonymous_key=anonymous_key)
    if not who:
        return None
    return (
        Ban.objects.filter(who)
        .filter(Q(expires__isnull=True) | Q(expires__gt=timezone.now()))
        .order_by("-created")
        .first()
    )


def _open_chat_of(user, anonymous_key: str) -> ChatSession | None:
    if user is not None:
        mine = Q(visitor=user)
    elif anonymous_key:
        mine = Q(anonymous_key=anonymous_key, visitor__isnull=True)
    else:
        return None
    return (
        ChatSession.objects.filter(mine, status__in=OPEN)
        .select_related("queue")
        .order_by("-created")
        .first()
    )


def _clean_problem(problem: str | None) -> str:
    problem = (problem or "").strip()
    if not problem:
        raise InvalidInput(_("Tell us what the problem is."), code="empty_problem")
    return clean_text(problem, _("The problem"), livechat_settings.MAX_MESSAGE_LENGTH)


def _visitor_of(caller: Caller) -> tuple[Any, str, str | None]:
    """(user, anonymous key, new token): who asks, making a key for a new anonymous visitor."""
    if caller.is_authenticated:
        return caller.user, "", None
    if not livechat_settings.ALLOW_ANONYMOUS:
        raise NotAuthenticated(_("Log in to chat with a volunteer."))
    if caller.anonymous_key:
        return None, caller.anonymous_key, None
    key = new_anonymous_key()
    return None, key, make_visitor_token(key)


def _lock_visitor(user) -> None:
    """Two requests from one account at once still make a single chat."""
    if user is not None:
        lock_user(user.pk)


def request_chat(
    *,
    caller: Caller,
    article_id: Any,
    problem: str,
    locale: str | None = None,
    product: str | None = None,
    started_when: str = "",
    frequency: str = "",
    on_affected_computer: bool | None = None,
    preferred_helper: str = "",
    answers: dict[str, Any] | None = None,
    user_agent: str = "",
    visitor_name: str = "",
    visitor_email: str = "",
    fallback: str | None = None,
    title: str = "",
    client: str = "",
    follow_up_of: Any = None,
    base: str = "",
) -> RequestResult:
    """Ask for a chat from a KB article; the visitor waits in the queue that serves it.

    A visitor with an open chat gets that one back (``created`` False) whatever they send.
    A closed or full queue refuses with ``queue_closed`` or ``queue_full`` and offers the
    fallbacks; sending ``fallback`` ("forum" or "email") takes one in the same call, storing
    the request as a missed chat handed to the forum or left for email follow-up.

    ``client`` is the caller's network address: fallbacks and anonymous chats are limited
    per address as well as per caller (see ``services.shared.limits``).
    ``follow_up_of`` links the new chat to one of the visitor's own finished chats.
    """
    user, anonymous_key, token = _visitor_of(caller)
    ban = _ban_for(user, anonymous_key)
    if ban is not None and fallback != "forum":
        # A ban closes live chat, not the forum: the visitor may still post their question.
        raise Forbidden(
            _("Live chat is closed to you. You can still ask in the support forum."),
            code="banned",
        )
    with transaction.atomic():
        _lock_visitor(user)
        existing = _open_chat_of(user, anonymous_key)
        if existing is not None:
            return RequestResult(existing, False, None)
        problem = _clean_problem(problem)
        started_when = clean_text(started_when, _("When it started"), 100)
        frequency = clean_text(frequency, _("How often it happens"), 100)
        visitor_name = clean_text(visitor_name, _("Your name"), 150)
        visitor_email = clean_email(visitor_email)
        title = clean_text(title, _("The title"), 255)
        if fallback not in (None, "", *FALLBACKS):
            raise InvalidInput(_("The fallback is forum or email."), code="invalid_fallback")
        helper = helper_by_username(preferred_helper) if preferred_helper else None
        earlier = follow_up_target(caller, follow_up_of) if follow_up_of else None
        placement = place(
            article_id=article_id, locale=locale, product=product, user_agent=user_agent, user=user
        )
        answers = validate_answers(focus=placement.focus, answers=answers)
        availability = availability_of(placement)
        if user is not None:
            visitor_name = visitor_name or get_host_adapter().display_name(user)
            visitor_email = visitor_email or (user.email or "")
        now = timezone.now()
        # A banned visitor reaches this point only to take the forum.
        refused = availability.state != State.OPEN or ban is not None
        if refused and not fallback:
            if availability.state == State.FULL:
                raise QueueUnavailable(
                    _("All volunteers are busy right now."),
                    code="queue_full",
                    availability=availability.as_json(),
                )
            raise QueueUnavailable(
                _("Live chat is closed right now."),
                code="queue_closed",
                availability=availability.as_json(),
            )
        queue = placement.queue or Queue.objects.filter(is_default=True).first()
        if queue is None:
            raise QueueUnavailable(
                _("Live chat is closed right now."),
                code="queue_closed",
                availability=availability.as_json(),
            )
        if refused:
            limits.spend_fallback(caller, client, fallback)
        elif user is None:
            limits.spend_anonymous_chat(client)
            if not limits.anonymous_room_in(queue, placement.locale):
                raise QueueUnavailable(
                    _("All volunteers are busy right now."),
                    code="queue_full",
                    availability=availability.as_json(),
                )
        session = ChatSession.objects.create(
            status=Status.MISSED if refused else Status.WAITING,
            queue=queue,
            focus=placement.focus,
            visitor=user,
            anonymous_key="" if user is not None else anonymous_key,
            visitor_name=visitor_name,
            visitor_email=visitor_email,
            article=placement.article,
            article_title=placement.info.title[:255],
            article_url=placement.info.url[:500],
            article_revision_id=placement.info.revision_id,
            locale=placement.locale,
            product=placement.product,
            problem=problem,
            started_when=started_when,
            frequency=frequency,
            on_affected_computer=on_affected_computer,
            preferred_helper=helper,
            answers=answers,
            user_agent=(user_agent or "")[:1000],
            browser=placement.browser.browser,
            browser_version=placement.browser.version,
            os=placement.browser.os,
            created=now,
            follow_up_of=earlier,
            ended_at=now if refused else None,
            end_reason=(
                (REASON_FULL if availability.state == State.FULL else REASON_CLOSED)
                if refused and ban is None
                else REASON_BANNED
                if refused
                else ""
            ),
        )
        session.queue = queue
        if refused:
            _record_handoff(
                session, user=user, to=fallback, email=visitor_email, title=title, base=base
            )
        else:
            notify.queue_changed(session, change="new")
            send_on_commit(chat_requested, ChatSession, session=session)
    if not refused and queue.auto_assign:
        auto_assign(queue_ids=[queue.pk])
        session.refresh_from_db(fields=["status", "helper", "assigned_at"])
    return RequestResult(session, True, token)


# --- Reading a chat ---------------------------------------------------------------------------


def get_session(*, caller: Caller, session_id: Any) -> SessionAccess:
    """A chat the caller may see (the access gate), for the session JSON."""
    return get_session_for(caller, session_id)


def helper_queue(*, user, limit: int = 100) -> dict[str, Any]:
    """The console's queue: the waiting chats ``user`` may take (oldest first, at most
    ``limit``), how many there are in all, and the helper's own status. A fixed number of
    queries however long the line."""
    require_helper(user)
    row = agent_status_for(user)
    eligible = eligible_waiting(row)
    chats = list(eligible.select_related("queue")[:limit])
    count = len(chats) if len(chats) < limit else eligible.count()
    now = timezone.now()
    return {
        "chats": [queue_item_json(session, now=now, viewer_id=user.pk) for session in chats],
        "count": count,
        "agent": agent_json(row),
    }


# --- Leaving and ending -----------------------------------------------------------------------


def _announce_end(session: ChatSession, *, was: str, helper_id: int | None, by, reason: str):
    notify.session_status_changed(session, change=session.status)
    if was == Status.WAITING:
        notify.queue_changed(
            session, change="abandoned" if session.status == Status.ABANDONED else "taken"
        )
        notify.line_moved(session.queue_id)
    if helper_id is not None:
        realtime.agent_chat_changed(helper_id, session, change="ended")
    send_on_commit(chat_ended, ChatSession, session=session, by=by, reason=reason)


def _finish(session: ChatSession, *, status: str, by, reason: str, now: datetime) -> str:
    """Close a locked open chat; returns the status it had."""
    was = session.status
    session.status = status
    session.ended_at = now
    session.ended_by = by
    session.end_reason = reason
    session.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
    return was


def _require_open(session: ChatSession) -> None:
    if session.status not in OPEN:
        raise Conflict(_("This chat has already ended."), code="not_open")


def end_chat(*, caller: Caller, session_id: Any, reason: str = "") -> SessionAccess:
    """End a chat. The visitor may end their own (while waiting it counts as abandoned); the
    assigned helper ends theirs; supervisors may end any. Frees the helper's seat."""
    reason = clean_text(reason, _("The reason"), 200)
    now = timezone.now()
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        session = access.session
        _require_open(session)
        by = caller.account
        params = {}
        if access.role == ChatRole.VISITOR:
            if session.status == Status.WAITING:
                status, message = Status.ABANDONED, gettext_lazy("The visitor left the queue.")
                reason = reason or REASON_VISITOR_LEFT
            else:
                status, message = Status.ENDED, gettext_lazy("The visitor ended the chat.")
        elif session.helper_id == caller.user_id or is_supervisor(caller.account):
            status = Status.ENDED
            message = gettext_lazy("%(name)s ended the chat.")
            params = {"name": get_host_adapter().display_name(caller.user)}
        else:
            raise Forbidden(_("Only the chat's helper can end it."), code="not_owner")
        helper_id = session.helper_id
        was = _finish(session, status=status, by=by, reason=reason, now=now)
        post_system_message(session, message, **params)
        karma.credit_chat_end(session)
        mentoring.propose_ready_trainees(session)
        _announce_end(session, was=was, helper_id=helper_id, by=by, reason=reason)
    if helper_id is not None:
        auto_assign()
    return access


def _visitor_access(caller: Caller, session_id: Any, *, for_update: bool = True) -> SessionAccess:
    access = get_session_for(caller, session_id, for_update=for_update)
    if access.role != ChatRole.VISITOR:
        raise Forbidden(_("Only the visitor can do that."), code="visitor_only")
    return access


def _require_waiting(session: ChatSession) -> None:
    if session.status != Status.WAITING:
        raise Conflict(_("This chat is no longer waiting."), code="not_waiting")


def mark_solved(*, caller: Caller, session_id: Any, article_id: Any) -> SessionAccess:
    """A suggested article solved the visitor's problem while they waited: they leave the
    queue and the chat records which article did it (for the article insights)."""
    now = timezone.now()
    article = (
        get_host_adapter().get_article(article_id, user=caller.account)
        if article_id not in (None, "")
        else None
    )
    if article is None:
        raise InvalidInput(_("There is no such article."), code="unknown_article")
    with transaction.atomic():
        access = _visitor_access(caller, session_id)
        session = access.session
        _require_waiting(session)
        by = caller.account
        session.solved_by_suggestion = article
        session.save(update_fields=["solved_by_suggestion"])
        _finish(session, status=Status.ENDED, by=by, reason=REASON_SOLVED, now=now)
        title = get_host_adapter().article_info(article).title
        post_system_message(
            session, gettext_lazy("The article “%(title)s” solved the problem."), title=title
        )
        notify.session_status_changed(session, change="solved")
        notify.queue_changed(session, change="abandoned")
        notify.line_moved(session.queue_id)
        send_on_commit(chat_ended, ChatSession, session=session, by=by, reason=REASON_SOLVED)
    return access


# --- The fallback: forum question or email follow-up ------------------------------------------


def _record_handoff(
    session: ChatSession, *, user, to: str, email: str, title: str, base: str = ""
) -> None:
    """Create the forum question, or record the follow-up address, for a locked chat; links in
    what leaves the site are made absolute on ``base``."""
    if to == FORUM:
        if user is None:
            raise Forbidden(
                _("Log in to ask in the forum, or leave an email address instead."),
                code="login_required",
            )
        question_id, url = create_forum_question(session, user=user, title=title, base=base)
        session.handoff_question_id, session.handoff_url = question_id, url
        session.save(update_fields=["handoff_question_id", "handoff_url"])
        post_system_message(
            session, gettext_lazy("This chat continues in the forum: %(url)s"), url=url
        )
    else:
        email = clean_email(email)
        if not email:
            raise InvalidInput(_("Enter the email address to follow up on."), code="invalid_email")
        session.followup_email = email
        session.save(update_fields=["followup_email"])
        send_followup_on_commit(session, base=base)
        question_id, url = None, ""
    notify.session_status_changed(session, change="handed_off")
    send_on_commit(
        chat_handed_off, ChatSession, session=session, to=to, question_id=question_id, url=url
    )


def hand_off(
    *, caller: Caller, session_id: Any, to: str, email: str = "", title: str = "", base: str = ""
) -> SessionAccess:
    """The visitor follows up elsewhere: a new forum question made from the chat (question
    form, article, browser context, transcript), or an email address for follow-up.

    Offered when a chat was missed, after it ended, and instead of waiting (which leaves the
    queue). A chat becomes one forum question at most; asking again returns it.
    """
    if to not in FALLBACKS:
        raise InvalidInput(_("Hand off to forum or email."), code="invalid_fallback")
    title = clean_text(title, _("The title"), 255)
    now = timezone.now()
    with transaction.atomic():
        access = _visitor_access(caller, session_id)
        session = access.session
        if session.status == Status.ACTIVE:
            raise Conflict(_("End the chat before following up."), code="chat_active")
        if to == FORUM and session.handoff_question_id:
            return access
        if to == EMAIL and session.followup_email:
            # One follow-up email per chat: the same address again changes nothing, another
            # one would make the app mail whoever the caller names.
            if clean_email(email) == session.followup_email:
                return access
            raise Conflict(
                _("This chat already has a follow-up address."), code="already_handed_off"
            )
        user = caller.account
        if session.status == Status.WAITING:
            if to == FORUM and user is None:
                raise Forbidden(
                    _("Log in to ask in the forum, or leave an email address instead."),
                    code="login_required",
                )
            _finish(session, status=Status.ABANDONED, by=user, reason=REASON_HANDED_OFF, now=now)
            notify.queue_changed(session, change="abandoned")
            notify.line_moved(session.queue_id)
            send_on_commit(
                chat_ended, ChatSession, session=session, by=user, reason=REASON_HANDED_OFF
            )
        _record_handoff(session, user=user, to=to, email=email, title=title, base=base)
    return access


def preview_forum_question(
    *, caller: Caller, session_id: Any, title: str = "", base: str = ""
) -> dict[str, str]:
    """The visitor's forum question as ``hand_off`` would publish it (``{title, content}``),
    so they see what goes public before it does. Reads only."""
    title = clean_text(title, _("The title"), 255)
    session = _visitor_access(caller, session_id, for_update=False).session
    return forum_preview(session, title=title, base=base)
