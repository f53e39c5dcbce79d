"""More people in a chat: invited helpers, invisible monitors and knocking trainees.

The visitor and the assigned helper are on the session row; everyone else is a ``Participant``.
Only ``state=active`` participants pass the access gate, so an invitation or a knock gives no
access until it is accepted or admitted, and leaving takes it away at once (every socket of the
chat re-checks its access when the participants change).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ... import realtime
from ...conf import livechat_settings
from ...exceptions import Conflict, Forbidden, NotFound
from ...models import ChatSession, Participant, Trainee
from ..line.assignment import helper_by_username
from ..shared.access import Caller, ChatRole, SessionAccess, get_session_for
from ..shared.locks import for_update
from ..shared.roles import in_training, is_helper, is_supervisor
from .messaging import post_system_message
from .roster import announce, display_name, staff_view, visible_people

# --- Who is in a chat -------------------------------------------------------------------------


def people_for(*, caller: Caller, session_id) -> list[dict[str, Any]]:
    """Who is in the chat, as the caller may know it: staff see everyone, the visitor the
    visible names only."""
    access = get_session_for(caller, session_id)
    if access.is_staff:
        return staff_view(access.session)
    return visible_people(access.session)


# --- Checks shared by the doors ---------------------------------------------------------------


def _require_open(session: ChatSession) -> None:
    if session.status != ChatSession.Status.ACTIVE:
        raise Conflict(_("This chat is not in progress."), code="chat_not_active")


def _require_in_charge(caller: Caller, access: SessionAccess) -> None:
    """Inviting and admitting are for the chat's helpers, and for supervisors."""
    if access.role == ChatRole.HELPER or is_supervisor(caller.account):
        return
    raise Forbidden(_("Only the chat's helpers can do that."), code="not_in_charge")


def _lock_participant(session: ChatSession, user, *, state: str) -> Participant:
    participant = (
        for_update(Participant.objects.select_related("user"))
        .filter(session=session, user=user, state=state)
        .first()
    )
    if participant is None:
        raise NotFound(_("No such request."), code="no_such_request")
    return participant


# --- Invitations ------------------------------------------------------------------------------


def invite(*, caller: Caller, session_id, username: str) -> Participant:
    """A helper asks another helper into the chat; the invitee accepts from their console."""
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        _require_in_charge(caller, access)
        session = access.session
        _require_open(session)
        invitee = helper_by_username(username, code="no_such_helper")
        if invitee.pk in (session.helper_id, session.visitor_id):
            raise Conflict(_("They are already in this chat."), code="already_in_chat")
        participant = Participant.objects.filter(session=session, user=invitee).first()
        if participant is not None and participant.state == Participant.State.ACTIVE:
            raise Conflict(_("They are already in this chat."), code="already_in_chat")
        if participant is not None and participant.state == Participant.State.INVITED:
            return participant
        participant, _created = Participant.objects.update_or_create(
            session=session,
            user=invitee,
            defaults={
                "role": Participant.Role.HELPER,
                "state": Participant.State.INVITED,
                "visible": True,
                "invited_by": caller.user,
                "created": timezone.now(),
                "joined_at": None,
                "left_at": None,
            },
        )
        realtime.invitation(invitee.pk, session, change="invited", by=display_name(caller.user))
        announce(session, visible_changed=False)
    return participant


def pending_invitations(*, caller: Caller) -> list[Participant]:
    """Invitations waiting for the caller's answer, in open chats, newest first."""
    if not caller.is_authenticated:
        return []
    return list(
        Participant.objects.filter(
            user_id=caller.user_id,
            state=Participant.State.INVITED,
            session__status=ChatSession.Status.ACTIVE,
        )
        .select_related("session", "invited_by")
        .order_by("-created")
    )


def invitation_json(participant: Participant) -> dict[str, Any]:
    """An open invitation as the invitee's console lists it."""
    return {
        "session": realtime.session_summary(participant.session),
        "by": display_name(participant.invited_by),
        "role": participant.role,
        "created": participant.created.isoformat(),
    }


def _answer_invitation(caller: Caller, session_id, *, accept: bool) -> Participant:
    if not caller.is_authenticated:
        raise NotFound(_("No such invitation."), code="no_such_invitation")
    with transaction.atomic():
        session = ChatSession.objects.select_for_update().filter(pk=session_id).first()
        if session is None:
            raise NotFound(_("No such invitation."), code="no_such_invitation")
        try:
            participant = _lock_participant(session, caller.user, state=Participant.State.INVITED)
        except NotFound:
            raise NotFound(_("No such invitation."), code="no_such_invitation") from None
        if accept:
            _require_open(session)
            participant.state = Participant.State.ACTIVE
            participant.joined_at = timezone.now()
            participant.visible = True
            participant.save(update_fields=["state", "joined_at", "visible"])
            post_system_message(
                session, gettext_lazy("%(name)s joined the chat."), name=display_name(caller.user)
            )
            realtime.agent_chat_changed(caller.user_id, session, change="joined")
        else:
            participant.state = Participant.State.DECLINED
            participant.save(update_fields=["state"])
        if participant.invited_by_id:
            realtime.invitation(
                participant.invited_by_id,
                session,
                change="accepted" if accept else "declined",
                by=display_name(caller.user),
            )
        announce(session, visible_changed=accept)
    return participant


def accept_invitation(*, caller: Caller, session_id) -> Participant:
    """The invitee joins: visible to the visitor, announced with a system line."""
    return _answer_invitation(caller, session_id, accept=True)


def decline_invitation(*, caller: Caller, session_id) -> Participant:
    """The invitee says no; the inviter's console is told."""
    return _answer_invitation(caller, session_id, accept=False)


# --- Monitors ---------------------------------------------------------------------------------


def join_as_monitor(*, caller: Caller, session_id) -> Participant:
    """A supervisor joins a chat to watch, invisible to the visitor until they speak."""
    if not is_supervisor(caller.account):
        # Without the permission the chat is not theirs to find.
        raise NotFound()
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        session = access.session
        if not session.is_open:
            raise Conflict(_("This chat is over."), code="chat_closed")
        if caller.user_id in (session.helper_id, session.visitor_id):
            raise Conflict(_("You are already in this chat."), code="already_in_chat")
        participant = Participant.objects.filter(session=session, user=caller.user).first()
        if participant is not None and participant.state == Participant.State.ACTIVE:
            return participant
        participant, _created = Participant.objects.update_or_create(
            session=session,
            user=caller.user,
            defaults={
                "role": Participant.Role.MONITOR,
                "state": Participant.State.ACTIVE,
                "visible": False,
                "joined_at": timezone.now(),
                "left_at": None,
            },
        )
        realtime.agent_chat_changed(caller.user_id, session, change="joined")
        announce(session, visible_changed=False)
    return participant


# --- Trainees knocking ------------------------------------------------------------------------


def _may_knock(caller: Caller) -> bool:
    """Contributors, and trainees their mentor vouches for; an applicant nobody has paired yet
    is told so (``no_mentor``), since observing means reading the staff side of a chat."""
    if is_helper(caller.account) or in_training(caller.user_id):
        return True
    if Trainee.objects.filter(user_id=caller.user_id, mentor__isnull=True).exists():
        raise Forbidden(_("A mentor has to pair with you first."), code="no_mentor")
    return False


def knock(*, caller: Caller, session_id) -> Participant:
    """A trainee (or a contributor learning the ropes) asks to observe a chat in progress.

    The chat's helper is told on their console and admits or turns them away. Knocking gives
    no access by itself. Chats the caller may not knock on look the same as missing ones.
    """
    if not caller.is_authenticated or not _may_knock(caller):
        raise NotFound()
    with transaction.atomic():
        session = (
            ChatSession.objects.select_for_update()
            .filter(pk=session_id, status=ChatSession.Status.ACTIVE)
            .first()
        )
        if session is None or session.visitor_id == caller.user_id:
            raise NotFound()
        if session.helper_id == caller.user_id:
            raise Conflict(_("You are already in this chat."), code="already_in_chat")
        participant = Participant.objects.filter(session=session, user=caller.user).first()
        if participant is not None and participant.state in (
            Participant.State.ACTIVE,
            Participant.State.KNOCKING,
        ):
            return participant
        participant, _created = Participant.objects.update_or_create(
            session=session,
            user=caller.user,
            defaults={
                "role": Participant.Role.TRAINEE,
                "state": Participant.State.KNOCKING,
                "visible": False,
                "created": timezone.now(),
                "joined_at": None,
                "left_at": None,
            },
        )
        if session.helper_id:
            realtime.knock(
                session.helper_id, session, change="knocking", by=display_name(caller.user)
            )
        announce(session, visible_changed=False)
    return participant


def _answer_knock(caller: Caller, session_id, username: str, *, admit: bool) -> Participant:
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        _require_in_charge(caller, access)
        session = access.session
        User = get_user_model()
        trainee = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        participant = _lock_participant(session, trainee, state=Participant.State.KNOCKING)
        if admit:
            _require_open(session)
            disclose = bool(livechat_settings.DISCLOSE_TRAINEES)
            participant.state = Participant.State.ACTIVE
            participant.joined_at = timezone.now()
            participant.visible = disclose
            participant.save(update_fields=["state", "joined_at", "visible"])
            if disclose:
                post_system_message(
                    session,
                    gettext_lazy("%(name)s, a helper in training, is observing this chat."),
                    name=display_name(participant.user),
                )
        else:
            disclose = False
            participant.state = Participant.State.DECLINED
            participant.save(update_fields=["state"])
        realtime.knock(
            participant.user_id,
            session,
            change="admitted" if admit else "turned_away",
            by=display_name(caller.user),
        )
        announce(session, visible_changed=disclose)
    return participant


def admit(*, caller: Caller, session_id, username: str) -> Participant:
    """Let a knocking trainee in to observe: staff see them, the visitor only if disclosed."""
    return _answer_knock(caller, session_id, username, admit=True)


def turn_away(*, caller: Caller, session_id, username: str) -> Participant:
    """Refuse a knock; the trainee's console is told."""
    return _answer_knock(caller, session_id, username, admit=False)


# --- Leaving ----------------------------------------------------------------------------------


def leave(*, caller: Caller, session_id) -> Participant:
    """An invited helper, monitor or trainee leaves; their sockets are closed at once.

    The assigned helper cannot leave this way: they end or transfer the chat.
    """
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        session = access.session
        if access.participant is None:
            if session.helper_id == caller.user_id:
                raise Conflict(
                    _("End or transfer the chat instead of leaving it."), code="owner_cannot_leave"
                )
            raise Conflict(_("You are not in this chat."), code="not_in_chat")
        participant = _lock_participant(session, caller.user, state=Participant.State.ACTIVE)
        was_visible = participant.visible
        participant.state = Participant.State.LEFT
        participant.left_at = timezone.now()
        participant.save(update_fields=["state", "left_at"])
        if was_visible and session.is_open:
            post_system_message(
                session, gettext_lazy("%(name)s left the chat."), name=display_name(caller.user)
            )
        realtime.agent_chat_changed(caller.user_id, session, change="left")
        announce(session, visible_changed=was_visible)
    return participant
