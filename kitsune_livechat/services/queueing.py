"""Chat queues: availability, requesting a chat, waiting, routing, transfer, ending, missed chats
and the forum hand-off. This is the entry point; routing (presence, claims, auto-assignment)
lives in ``routing.py``, the arithmetic of lines in ``availability.py`` and the forum question in
``handoff.py``.

Each public function is one transaction and the only writer of the rows it changes. Live
updates go out through ``realtime`` and host signals through ``signals.send_on_commit``, both
only after the data has committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import realtime
from ..conf import livechat_settings
from ..exceptions import Conflict, Forbidden, InvalidInput, NotAuthenticated, Unavailable
from ..host import ArticleInfo, get_host_adapter
from ..models import AgentStatus, Ban, ChatSession, Focus, Participant, Queue
from ..signals import (
    chat_ended,
    chat_handed_off,
    chat_missed,
    chat_requested,
    chat_transferred,
    send_on_commit,
)
from . import karma
from .access import (
    Caller,
    ChatRole,
    SessionAccess,
    get_session_for,
    make_visitor_token,
    new_anonymous_key,
)
from .availability import (
    Line,
    Reason,
    State,
    heartbeat_cutoff,
    line_state,
    position_in_line,
    read_line,
    resolve_queue,
)
from .focus import match_focus, public_focus, validate_answers
from .handoff import create_forum_question
from .messaging import post_system_message
from .routing import (  # noqa: F401  (the queue's public API, re-exported)
    agent_json,
    agent_status_for,
    auto_assign,
    chats_of,
    check_seat,
    claim_chat,
    configured_locales,
    eligible_waiting,
    heartbeat,
    helper_by_username,
    lock_helper,
    my_status,
    online_helpers_for_transfer,
    require_helper,
    set_agent_status,
    skip_locked,
    waiting_chats_for,
)
from .useragent import BrowserInfo, parse_browser

Status = ChatSession.Status
OPEN = ChatSession.OPEN_STATUSES

FORUM, EMAIL = "forum", "email"
FALLBACKS = (FORUM, EMAIL)
SWEEP_BATCH = 500

# end_reason values the app writes itself.
REASON_VISITOR_LEFT = "visitor_left"
REASON_TIMEOUT = "timeout"
REASON_SOLVED = "solved_by_suggestion"
REASON_HANDED_OFF = "handed_off"
REASON_CLOSED = "queue_closed"
REASON_FULL = "queue_full"


class QueueUnavailable(Unavailable):
    """A closed or full queue refuses a chat; the answer offers the fallbacks and availability."""

    def __init__(self, detail: str, *, code: str, availability: dict[str, Any]):
        super().__init__(detail, code=code)
        self.availability = availability

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "fallback": list(FALLBACKS), "availability": self.availability}


# --- Where a visitor would chat ---------------------------------------------------------------


@dataclass
class Placement:
    """The article, locale, product and browser of a visitor, and the queue that serves them."""

    article: Any
    info: ArticleInfo
    locale: str
    product: str
    browser: BrowserInfo
    focus: Focus | None
    queue: Queue | None


def _clean_locale(locale: str | None, default: str) -> str:
    locale = (locale or "").strip() or default
    for known in configured_locales():
        if known.lower() == locale.lower():
            return known
    raise InvalidInput(
        _("“%(locale)s” is not a language of this site.") % {"locale": locale},
        code="invalid_locale",
    )


def _clean_product(product: str | None, info: ArticleInfo) -> str:
    product = (product or "").strip()
    if not product:
        return info.products[0] if info.products else ""
    if product in info.products:
        return product
    if not info.products and product in {slug for slug, _title in get_host_adapter().products()}:
        return product
    raise InvalidInput(
        _("“%(product)s” is not a product of this article.") % {"product": product},
        code="unknown_product",
    )


def place(
    *,
    article_id: Any,
    locale: str | None = None,
    product: str | None = None,
    user_agent: str = "",
) -> Placement:
    """Validate the article (exists, not archived), locale and product; find focus and queue."""
    adapter = get_host_adapter()
    article = adapter.get_article(article_id) if article_id not in (None, "") else None
    if article is None:
        raise InvalidInput(_("There is no such article."), code="unknown_article")
    info = adapter.article_info(article)
    if info.is_archived:
        raise InvalidInput(_("This article is archived."), code="archived_article")
    locale = _clean_locale(locale, info.locale)
    product = _clean_product(product, info)
    browser = parse_browser(user_agent)
    focus = match_focus(
        article=article,
        product=product,
        locale=locale,
        browser=browser.browser,
        browser_version=browser.version,
    )
    products = [product] if product else list(info.products)
    queue = resolve_queue(focus=focus, products=products, locale=locale)
    return Placement(article, info, locale, product, browser, focus, queue)


@dataclass
class Availability:
    state: State
    reason: Reason | None
    wait_seconds: int | None
    online: int
    queue: Queue | None
    focus: Focus | None

    def as_json(self) -> dict[str, Any]:
        return {
            "state": str(self.state),
            "reason": str(self.reason) if self.reason else None,
            "wait_seconds": self.wait_seconds,
            "online": self.online,
            "queue": self.queue.slug if self.queue else None,
            "focus": public_focus(self.focus),
            "fallback": list(FALLBACKS) if self.state != State.OPEN else [],
        }


def _availability(placement: Placement, now: datetime | None = None) -> Availability:
    if placement.queue is None:
        return Availability(State.CLOSED, Reason.NO_QUEUE, None, 0, None, placement.focus)
    line = read_line(placement.queue, now=now)
    state, reason = line_state(line, placement.locale)
    online = len(line.for_locale(placement.locale))
    wait = line.estimate(line.waiting + 1, placement.locale) if state != State.CLOSED else None
    return Availability(state, reason, wait, online, placement.queue, placement.focus)


def check_availability(
    *, article_id: Any, locale: str | None = None, product: str | None = None, user_agent: str = ""
) -> Availability:
    """Open, full or closed for this article, with the expected wait and helpers online.

    A fixed number of queries however long the line or how many helpers are online.
    """
    placement = place(article_id=article_id, locale=locale, product=product, user_agent=user_agent)
    return _availability(placement)


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


def _clean_text(value: str | None, label: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(
            _("%(label)s is too long (at most %(max)d characters).")
            % {"label": label, "max": limit},
            code="too_long",
        )
    return value


def _clean_problem(problem: str | None) -> str:
    problem = (problem or "").strip()
    if not problem:
        raise InvalidInput(_("Tell us what the problem is."), code="empty_problem")
    return _clean_text(problem, _("The problem"), livechat_settings.MAX_MESSAGE_LENGTH)


def _clean_email(email: str | None) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Enter a valid email address."), code="invalid_email") from None
    return email


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
        get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()


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
) -> RequestResult:
    """Ask for a chat from a KB article; the visitor waits in the queue that serves it.

    A visitor with an open chat gets that one back (``created`` False) whatever they send.
    A closed or full queue refuses with ``queue_closed`` or ``queue_full`` and offers the
    fallbacks; sending ``fallback`` ("forum" or "email") takes one in the same call, storing
    the request as a missed chat handed to the forum or left for email follow-up.
    """
    user, anonymous_key, token = _visitor_of(caller)
    ban = _ban_for(user, anonymous_key)
    if ban is not None:
        raise Forbidden(_("You cannot use live chat."), code="banned")
    with transaction.atomic():
        _lock_visitor(user)
        existing = _open_chat_of(user, anonymous_key)
        if existing is not None:
            return RequestResult(existing, False, None)
        problem = _clean_problem(problem)
        started_when = _clean_text(started_when, _("When it started"), 100)
        frequency = _clean_text(frequency, _("How often it happens"), 100)
        visitor_name = _clean_text(visitor_name, _("Your name"), 150)
        visitor_email = _clean_email(visitor_email)
        title = _clean_text(title, _("The title"), 255)
        if fallback not in (None, "", *FALLBACKS):
            raise InvalidInput(_("The fallback is forum or email."), code="invalid_fallback")
        helper = helper_by_username(preferred_helper) if preferred_helper else None
        placement = place(
            article_id=article_id, locale=locale, product=product, user_agent=user_agent
        )
        answers = validate_answers(focus=placement.focus, answers=answers)
        availability = _availability(placement)
        if user is not None:
            visitor_name = visitor_name or get_host_adapter().display_name(user)
            visitor_email = visitor_email or (user.email or "")
        now = timezone.now()
        refused = availability.state != State.OPEN
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
            ended_at=now if refused else None,
            end_reason=(
                (REASON_FULL if availability.state == State.FULL else REASON_CLOSED)
                if refused
                else ""
            ),
        )
        session.queue = queue
        if refused:
            _record_handoff(session, user=user, to=fallback, email=visitor_email, title=title)
        else:
            realtime.queue_changed(session, change="new")
            send_on_commit(chat_requested, ChatSession, session=session)
    if not refused and queue.auto_assign:
        auto_assign(queue_ids=[queue.pk])
        session.refresh_from_db(fields=["status", "helper", "assigned_at"])
    return RequestResult(session, True, token)


# --- Reading a chat ---------------------------------------------------------------------------


def get_session(*, caller: Caller, session_id: Any) -> SessionAccess:
    """A chat the caller may see (the access gate), for the session JSON."""
    return get_session_for(caller, session_id)


def position_and_wait(
    session: ChatSession, line: Line | None = None
) -> tuple[int | None, int | None]:
    """A waiting chat's place in line (1 = next) and estimated seconds until a helper takes it;
    (None, None) once it is not waiting. Four queries however long the line."""
    if session.status != Status.WAITING:
        return None, None
    position = position_in_line(session)
    line = line or read_line(session.queue)
    return position, line.estimate(position, session.locale)


def _helpers(session: ChatSession) -> list[dict[str, str]]:
    from .participants import visible_people

    return visible_people(session)


def session_json(access: SessionAccess, *, token: str | None = None) -> dict[str, Any]:
    """The session JSON of DESIGN.md §5, with the form, browser and hand-off for the UI.

    Staff also see who the visitor is (by the name they gave, never an account id or email).
    """
    session = access.session
    position, wait = position_and_wait(session)
    data: dict[str, Any] = {
        "id": str(session.pk),
        "status": session.status,
        "position": position,
        "wait_seconds": wait,
        "article": {
            "id": session.article_id,
            "title": session.article_title,
            "url": session.article_url,
            "revision_id": session.article_revision_id,
        },
        "queue": session.queue.slug,
        "helpers": _helpers(session),
        "created": session.created.isoformat(),
        "role": str(access.role),
        "locale": session.locale,
        "product": session.product,
        "focus": session.focus.slug if session.focus_id and session.focus else None,
        "form": {
            "problem": session.problem,
            "started_when": session.started_when,
            "frequency": session.frequency,
            "on_affected_computer": session.on_affected_computer,
            "answers": session.answers,
        },
        "browser": {
            "browser": session.browser,
            "version": session.browser_version,
            "os": session.os,
        },
        "assigned_at": session.assigned_at.isoformat() if session.assigned_at else None,
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "end_reason": session.end_reason,
        "handoff": {
            "question_id": session.handoff_question_id,
            "url": session.handoff_url,
            "followup_email": session.followup_email if access.role == ChatRole.VISITOR else "",
        },
        "fallback": list(FALLBACKS) if _may_hand_off(session) else [],
    }
    if access.is_staff:
        data["visitor"] = {"display_name": session.visitor_name or _("Visitor")}
        data["form"]["user_agent"] = session.user_agent
    if token:
        data["token"] = token
    return data


def queue_item_json(
    session: ChatSession, *, now: datetime | None = None, viewer_id: int | None = None
) -> dict[str, Any]:
    """A waiting chat as the helpers' queue lists it: what they need to pick one.

    ``preferred`` tells the viewing helper that the visitor asked for them by name.
    """
    now = now or timezone.now()
    waited = max(int((now - session.created).total_seconds()), 0)
    return {
        "id": str(session.pk),
        "queue": session.queue.slug,
        "locale": session.locale,
        "product": session.product,
        "problem": session.problem,
        "article": {
            "id": session.article_id,
            "title": session.article_title,
            "url": session.article_url,
        },
        "browser": {
            "browser": session.browser,
            "version": session.browser_version,
            "os": session.os,
        },
        "visitor": {"display_name": session.visitor_name or _("Visitor")},
        "created": session.created.isoformat(),
        "waited_seconds": waited,
        "long_wait": waited >= session.queue.long_wait,
        "preferred": viewer_id is not None and session.preferred_helper_id == viewer_id,
    }


def helper_queue(*, user, limit: int = 100) -> dict[str, Any]:
    """The console's queue: the waiting chats ``user`` may take (oldest first, at most
    ``limit``), how many there are in all, and the helper's own status. A fixed number of
    queries however long the line."""
    require_helper(user)
    row = agent_status_for(user)
    eligible = eligible_waiting(row, queue_ids=list(row.queues.values_list("pk", flat=True)))
    chats = list(eligible.select_related("queue")[:limit])
    count = len(chats) if len(chats) < limit else eligible.count()
    now = timezone.now()
    return {
        "chats": [queue_item_json(session, now=now, viewer_id=user.pk) for session in chats],
        "count": count,
        "agent": agent_json(row),
    }


# --- Leaving and ending -----------------------------------------------------------------------


def _may_hand_off(session: ChatSession) -> bool:
    return session.status != Status.ACTIVE and not session.handoff_question_id


def _announce_end(session: ChatSession, *, was: str, helper_id: int | None, by, reason: str):
    realtime.session_status_changed(session, change=session.status)
    if was == Status.WAITING:
        realtime.queue_changed(
            session, change="abandoned" if session.status == Status.ABANDONED else "taken"
        )
        realtime.line_moved(session.queue_id)
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
    reason = _clean_text(reason, _("The reason"), 200)
    now = timezone.now()
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        session = access.session
        _require_open(session)
        by = caller.user if caller.is_authenticated else None
        if access.role == ChatRole.VISITOR:
            if session.status == Status.WAITING:
                status, message = Status.ABANDONED, _("The visitor left the queue.")
                reason = reason or REASON_VISITOR_LEFT
            else:
                status, message = Status.ENDED, _("The visitor ended the chat.")
        elif session.helper_id == caller.user_id or caller.has_perm("supervise_chats"):
            status = Status.ENDED
            name = get_host_adapter().display_name(caller.user)
            message = _("%(name)s ended the chat.") % {"name": name}
        else:
            raise Forbidden(_("Only the chat's helper can end it."), code="not_owner")
        helper_id = session.helper_id
        was = _finish(session, status=status, by=by, reason=reason, now=now)
        post_system_message(session, message)
        karma.credit_chat_end(session)
        _announce_end(session, was=was, helper_id=helper_id, by=by, reason=reason)
    if helper_id is not None:
        auto_assign()
    return access


def _visitor_access(caller: Caller, session_id: Any) -> SessionAccess:
    access = get_session_for(caller, session_id, for_update=True)
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
    article = get_host_adapter().get_article(article_id) if article_id not in (None, "") else None
    if article is None:
        raise InvalidInput(_("There is no such article."), code="unknown_article")
    with transaction.atomic():
        access = _visitor_access(caller, session_id)
        session = access.session
        _require_waiting(session)
        by = caller.user if caller.is_authenticated else None
        session.solved_by_suggestion = article
        session.save(update_fields=["solved_by_suggestion"])
        _finish(session, status=Status.ENDED, by=by, reason=REASON_SOLVED, now=now)
        title = get_host_adapter().article_info(article).title
        post_system_message(
            session, _("The article “%(title)s” solved the problem.") % {"title": title}
        )
        realtime.session_status_changed(session, change="solved")
        realtime.queue_changed(session, change="abandoned")
        realtime.line_moved(session.queue_id)
        send_on_commit(chat_ended, ChatSession, session=session, by=by, reason=REASON_SOLVED)
    return access


# --- Transfer ---------------------------------------------------------------------------------


def _queue_by_slug(slug: str) -> Queue:
    queue = Queue.objects.filter(slug=str(slug), is_active=True).first()
    if queue is None:
        raise InvalidInput(
            _("There is no queue “%(slug)s”.") % {"slug": slug}, code="unknown_queue"
        )
    return queue


def _step_out(session: ChatSession, user_id: int, now: datetime) -> None:
    """Keep the previous helper in the chat's history, without access to it any more."""
    Participant.objects.update_or_create(
        session=session,
        user_id=user_id,
        defaults={
            "role": Participant.Role.HELPER,
            "state": Participant.State.LEFT,
            "left_at": now,
        },
        create_defaults={
            "role": Participant.Role.HELPER,
            "state": Participant.State.LEFT,
            "joined_at": session.assigned_at,
            "left_at": now,
            "created": session.assigned_at or now,
        },
    )


def transfer_chat(
    *,
    caller: Caller,
    session_id: Any,
    to_helper: str | None = None,
    to_queue: str | None = None,
    note: str = "",
) -> SessionAccess:
    """Pass an active chat to another online helper with a free seat (``to_helper``, a
    username), or put it back in line (``to_queue``, a queue slug, or the same queue).

    The chat keeps its place in line (its request time), its messages and its history: the
    previous helper stays listed as having left, and a system message tells everyone.
    """
    require_helper(caller.user if caller.is_authenticated else None)
    note = _clean_text(note, _("The note"), 200)
    if to_helper and to_queue:
        raise InvalidInput(_("Transfer to a helper or to a queue, not both."), code="invalid")
    now = timezone.now()
    adapter = get_host_adapter()
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        session = access.session
        if session.status != Status.ACTIVE:
            raise Conflict(_("Only a chat in progress can be transferred."), code="chat_not_active")
        if session.helper_id != caller.user_id and not caller.has_perm("supervise_chats"):
            raise Forbidden(_("Only the chat's helper can transfer it."), code="not_owner")
        previous = session.helper
        target = queue = None
        if to_helper:
            target = helper_by_username(to_helper)
            if target.pk == session.helper_id:
                raise InvalidInput(_("They already have this chat."), code="same_helper")
            if target.pk == session.visitor_id:
                raise InvalidInput(_("They are the visitor of this chat."), code="same_helper")
            check_seat(_lock_target(target.pk), now=now, target=True)
        else:
            queue = _queue_by_slug(to_queue) if to_queue else session.queue
        if previous is not None:
            _step_out(session, previous.pk, now)
        who = adapter.display_name(caller.user)
        if target is not None:
            ChatSession.objects.filter(pk=session.pk).update(helper=target, assigned_at=now)
            session.helper, session.assigned_at = target, now
            AgentStatus.objects.filter(user=target).update(last_assigned=now)
            text = _("%(who)s transferred the chat to %(name)s.") % {
                "who": who,
                "name": adapter.display_name(target),
            }
        else:
            ChatSession.objects.filter(pk=session.pk).update(
                status=Status.WAITING, helper=None, assigned_at=None, queue=queue
            )
            session.status, session.helper, session.assigned_at = Status.WAITING, None, None
            session.queue = queue
            text = _("%(who)s put the chat back in the queue; the next volunteer will join.") % {
                "who": who
            }
        post_system_message(session, f"{text} {note}".strip() if note else text)
        position, wait = position_and_wait(session)
        realtime.session_status_changed(
            session, change="transferred", position=position, wait_seconds=wait
        )
        if previous is not None:
            realtime.agent_chat_changed(previous.pk, session, change="transferred_out")
        if target is not None:
            realtime.agent_chat_changed(target.pk, session, change="transferred_in")
        else:
            realtime.queue_changed(session, change="requeued")
            realtime.line_moved(session.queue_id)
        send_on_commit(
            chat_transferred,
            ChatSession,
            session=session,
            from_helper=previous,
            to_helper=target,
            to_queue=queue,
            by=caller.user,
        )
    auto_assign()
    session.refresh_from_db(fields=["status", "helper", "assigned_at"])
    return access


def _lock_target(user_id: int) -> AgentStatus:
    try:
        return lock_helper(user_id)
    except Conflict:
        raise Conflict(_("That helper is not online."), code="helper_unavailable") from None


# --- The fallback: forum question or email follow-up ------------------------------------------


def _record_handoff(session: ChatSession, *, user, to: str, email: str, title: str) -> None:
    """Create the forum question, or record the follow-up address, for a locked chat."""
    if to == FORUM:
        if user is None:
            raise Forbidden(
                _("Log in to ask in the forum, or leave an email address instead."),
                code="login_required",
            )
        question_id, url = create_forum_question(session, user=user, title=title)
        session.handoff_question_id, session.handoff_url = question_id, url
        session.save(update_fields=["handoff_question_id", "handoff_url"])
        post_system_message(session, _("This chat continues in the forum: %(url)s") % {"url": url})
    else:
        email = _clean_email(email)
        if not email:
            raise InvalidInput(_("Enter the email address to follow up on."), code="invalid_email")
        session.followup_email = email
        session.save(update_fields=["followup_email"])
        question_id, url = None, ""
    realtime.session_status_changed(session, change="handed_off")
    send_on_commit(
        chat_handed_off, ChatSession, session=session, to=to, question_id=question_id, url=url
    )


def hand_off(
    *, caller: Caller, session_id: Any, to: str, email: str = "", title: str = ""
) -> SessionAccess:
    """The visitor follows up elsewhere: a new forum question made from the chat (question
    form, article, browser context, transcript), or an email address for follow-up.

    Offered when a chat was missed, after it ended, and instead of waiting (which leaves the
    queue). A chat becomes one forum question at most; asking again returns it.
    """
    if to not in FALLBACKS:
        raise InvalidInput(_("Hand off to forum or email."), code="invalid_fallback")
    title = _clean_text(title, _("The title"), 255)
    now = timezone.now()
    with transaction.atomic():
        access = _visitor_access(caller, session_id)
        session = access.session
        if session.status == Status.ACTIVE:
            raise Conflict(_("End the chat before following up."), code="chat_active")
        if to == FORUM and session.handoff_question_id:
            return access
        user = caller.user if caller.is_authenticated else None
        if session.status == Status.WAITING:
            if to == FORUM and user is None:
                raise Forbidden(
                    _("Log in to ask in the forum, or leave an email address instead."),
                    code="login_required",
                )
            _finish(session, status=Status.ABANDONED, by=user, reason=REASON_HANDED_OFF, now=now)
            realtime.queue_changed(session, change="abandoned")
            realtime.line_moved(session.queue_id)
            send_on_commit(
                chat_ended, ChatSession, session=session, by=user, reason=REASON_HANDED_OFF
            )
        _record_handoff(session, user=user, to=to, email=email, title=title)
    return access


# --- Timeouts: missed chats and vanished helpers ----------------------------------------------


def _miss(session_id: Any, now: datetime) -> bool:
    """Mark one chat missed unless another sweeper or a helper got to it first."""
    with transaction.atomic():
        session = (
            skip_locked(ChatSession.objects.filter(pk=session_id, status=Status.WAITING))
            .select_related("queue")
            .first()
        )
        if session is None:
            return False
        won = ChatSession.objects.filter(pk=session.pk, status=Status.WAITING).update(
            status=Status.MISSED, ended_at=now, end_reason=REASON_TIMEOUT
        )
        if won != 1:
            return False
        session.status, session.ended_at, session.end_reason = Status.MISSED, now, REASON_TIMEOUT
        post_system_message(
            session,
            _(
                "No volunteer could answer in time. You can ask in the forum with what you "
                "wrote, or leave an email address."
            ),
        )
        realtime.session_status_changed(session, change="missed")
        realtime.queue_changed(session, change="missed")
        realtime.line_moved(session.queue_id)
        send_on_commit(chat_missed, ChatSession, session=session)
    return True


def mark_missed(*, now: datetime | None = None) -> int:
    """Waiting chats older than their queue's ``missed_timeout`` (0: never) become missed."""
    now = now or timezone.now()
    missed = 0
    for queue in Queue.objects.filter(missed_timeout__gt=0):
        cutoff = now - timedelta(seconds=queue.missed_timeout)
        overdue = ChatSession.objects.filter(
            queue=queue, status=Status.WAITING, created__lt=cutoff
        ).order_by("created")
        for session_id in overdue.values_list("pk", flat=True)[:SWEEP_BATCH]:
            missed += _miss(session_id, now)
    return missed


def expire_helpers(*, now: datetime | None = None) -> int:
    """Online or away helpers silent past the heartbeat timeout go offline; chats they hold
    stay theirs, but they get no new ones."""
    now = now or timezone.now()
    cutoff = heartbeat_cutoff(now)
    gone = AgentStatus.objects.filter(
        status__in=(AgentStatus.Status.ONLINE, AgentStatus.Status.AWAY), last_seen__lt=cutoff
    )
    expired = 0
    for pk, user_id, capacity in gone.values_list("pk", "user_id", "capacity")[:SWEEP_BATCH]:
        with transaction.atomic():
            won = (
                AgentStatus.objects.filter(pk=pk, last_seen__lt=cutoff)
                .exclude(status=AgentStatus.Status.OFFLINE)
                .update(status=AgentStatus.Status.OFFLINE)
            )
            if won:
                expired += 1
                realtime.presence_changed(user_id, status="offline", capacity=capacity)
    if expired:
        for queue_id in Queue.objects.filter(is_active=True).values_list("pk", flat=True):
            realtime.line_moved(queue_id)
    return expired


def alert_long_waits(*, now: datetime | None = None) -> int:
    """Ring the consoles again for chats waiting past their queue's ``long_wait``, and again
    at every further multiple of it (``queue`` frames with ``change: waiting_long``).

    Each alert is claimed once in the cache (``cache.add`` is atomic on shared caches), so
    sweeps running side by side alert once; a per-process cache may let one through twice.
    """
    now = now or timezone.now()
    alerted = 0
    for queue in Queue.objects.filter(is_active=True, long_wait__gt=0):
        overdue = (
            ChatSession.objects.filter(
                queue=queue,
                status=Status.WAITING,
                created__lte=now - timedelta(seconds=queue.long_wait),
            )
            .select_related("queue")
            .order_by("created")
        )
        for session in overdue[:SWEEP_BATCH]:
            rounds = int((now - session.created).total_seconds() // queue.long_wait)
            key = f"livechat:waiting_long:{session.pk.hex}:{rounds}"
            if cache.add(key, True, timeout=queue.long_wait * 2):
                realtime.queue_changed(session, change="waiting_long")
                alerted += 1
    return alerted


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Apply timeouts: missed chats, vanished helpers, long waits, then hand out what can be
    assigned.

    Run it every minute or so (``livechat_sweep`` from cron, or this function from a Celery
    beat task). Safe to run from two places at once: every change is a conditional UPDATE, so
    each chat is missed and each helper expired exactly once.
    """
    now = now or timezone.now()
    missed = mark_missed(now=now)
    expired = expire_helpers(now=now)
    assigned = len(auto_assign())
    long_waits = alert_long_waits(now=now)
    return {
        "missed": missed,
        "helpers_offline": expired,
        "assigned": assigned,
        "long_waits": long_waits,
    }
