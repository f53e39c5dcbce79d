"""Passing an active chat to another helper, or putting it back in line.

Its own module because a transfer touches both sides of routing (the target's seat, the queue's
line) and the chat's history (the previous helper stays listed as having left).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ... import realtime
from ...exceptions import Conflict, Forbidden, InvalidInput
from ...host import get_host_adapter
from ...models import AgentStatus, ChatSession, Message, Participant, Queue
from ...signals import chat_transferred, send_on_commit
from ..conversation.messaging import post_system_message, store_message
from ..shared import notify
from ..shared.access import Caller, SessionAccess, get_session_for
from ..shared.cleaning import clean_text
from ..shared.roles import is_supervisor
from .assignment import auto_assign, check_seat, helper_by_username, lock_helper, require_helper
from .availability import position_and_wait

Status = ChatSession.Status


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
    require_helper(caller.account)
    note = clean_text(note, _("The note"), 200)
    if to_helper and to_queue:
        raise InvalidInput(_("Transfer to a helper or to a queue, not both."), code="invalid")
    now = timezone.now()
    adapter = get_host_adapter()
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        session = access.session
        if session.status != Status.ACTIVE:
            raise Conflict(_("Only a chat in progress can be transferred."), code="chat_not_active")
        if session.helper_id != caller.user_id and not is_supervisor(caller.account):
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
        who = adapter.display_name(caller.user)
        if target is not None:
            _hand_to(
                session,
                target,
                now=now,
                text=gettext_lazy("%(who)s transferred the chat to %(name)s."),
                params={"who": who, "name": adapter.display_name(target)},
            )
        else:
            put_back_in_line(
                session,
                queue=queue,
                now=now,
                text=gettext_lazy(
                    "%(who)s put the chat back in the queue; the next volunteer will join."
                ),
                params={"who": who},
            )
        if note:
            _leave_note(access, caller, note)
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


def _leave_note(access: SessionAccess, caller: Caller, note: str) -> None:
    """The "note for the next helper": a staff-only note in the chat, never part of the line
    the visitor sees, so it stays out of the transcript, the forum question and the emails."""
    store_message(
        session_id=access.session.pk,
        body=note,
        role=Message.Role(access.role.value),
        kind=Message.Kind.NOTE,
        author=caller.user,
        author_name=get_host_adapter().display_name(caller.user),
    )


def _announce(
    session: ChatSession,
    *,
    previous_id: int | None,
    text: str | Promise,
    params: dict[str, Any] | None,
) -> None:
    post_system_message(session, text, **(params or {}))
    position, wait = position_and_wait(session)
    notify.session_status_changed(
        session, change="transferred", position=position, wait_seconds=wait
    )
    if previous_id is not None:
        realtime.agent_chat_changed(previous_id, session, change="transferred_out")


def _hand_to(
    session: ChatSession,
    target,
    *,
    now: datetime,
    text: str | Promise,
    params: dict[str, Any] | None = None,
) -> None:
    """Give a locked active chat to ``target``, whose seat was checked under their lock."""
    previous_id = session.helper_id
    if previous_id is not None:
        _step_out(session, previous_id, now)
    ChatSession.objects.filter(pk=session.pk).update(helper=target, assigned_at=now)
    session.helper, session.assigned_at = target, now
    AgentStatus.objects.filter(user=target).update(last_assigned=now)
    _announce(session, previous_id=previous_id, text=text, params=params)
    realtime.agent_chat_changed(target.pk, session, change="transferred_in")


def put_back_in_line(
    session: ChatSession,
    *,
    queue: Queue,
    now: datetime,
    text: str | Promise,
    params: dict[str, Any] | None = None,
) -> None:
    """Return a locked active chat to ``queue``, keeping its place (its request time).

    Used by a transfer to a queue and by the sweep for chats whose helper vanished; the caller
    runs ``auto_assign()`` after the transaction. ``text`` (lazy, with ``params``) is written in
    the chat's language.
    """
    previous_id = session.helper_id
    if previous_id is not None:
        _step_out(session, previous_id, now)
    ChatSession.objects.filter(pk=session.pk).update(
        status=Status.WAITING, helper=None, assigned_at=None, queue=queue
    )
    session.status, session.helper, session.assigned_at = Status.WAITING, None, None
    session.queue = queue
    _announce(session, previous_id=previous_id, text=text, params=params)
    notify.queue_changed(session, change="requeued")
    notify.line_moved(session.queue_id)


def _lock_target(user_id: int) -> AgentStatus:
    try:
        return lock_helper(user_id)
    except Conflict:
        raise Conflict(_("That helper is not online."), code="helper_unavailable") from None
