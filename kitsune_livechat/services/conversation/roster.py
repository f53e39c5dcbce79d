"""Who is in a chat, as staff and as the visitor see it, and a monitor becoming visible.

Below both ``participants`` (invitations, knocks, leaving) and ``messaging`` (a monitor who
speaks to the visitor shows up), so neither has to import the other.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ... import realtime
from ...host import get_host_adapter
from ...models import ChatSession, Participant

# Participants who count as being in the chat or asking to be.
PENDING_OR_ACTIVE = (
    Participant.State.INVITED,
    Participant.State.KNOCKING,
    Participant.State.ACTIVE,
)


def display_name(user) -> str:
    """The name the host shows for a user."""
    return get_host_adapter().display_name(user)


# --- Who is in a chat -------------------------------------------------------------------------


def visible_people(session: ChatSession) -> list[dict[str, str]]:
    """The people the visitor may see: the assigned helper, then visible participants.

    Monitors stay out of this list until they speak; trainees are in it only when
    ``LIVECHAT_DISCLOSE_TRAINEES`` made them visible on admission.
    """
    people = []
    if session.helper_id:
        people.append({"display_name": display_name(session.helper), "role": "helper"})
    participants = (
        Participant.objects.filter(session=session, state=Participant.State.ACTIVE, visible=True)
        .exclude(user_id=session.helper_id)
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    for participant in participants:
        people.append({"display_name": display_name(participant.user), "role": participant.role})
    return people


def participant_json(participant: Participant) -> dict[str, Any]:
    """A participant as staff see it; ``username`` identifies whom to admit or re-invite."""
    return {
        "display_name": display_name(participant.user),
        "username": participant.user.get_username(),
        "role": participant.role,
        "state": participant.state,
        "visible": participant.visible,
    }


def staff_view(session: ChatSession) -> list[dict[str, Any]]:
    """Everyone in or asking into a chat, for helpers and observers: the assigned helper first."""
    people = []
    if session.helper_id:
        helper = session.helper
        people.append(
            {
                "display_name": display_name(helper),
                "username": helper.get_username(),
                "role": "assigned",
                "state": Participant.State.ACTIVE,
                "visible": True,
            }
        )
    participants = (
        Participant.objects.filter(session=session, state__in=PENDING_OR_ACTIVE)
        .exclude(user_id=session.helper_id)
        .select_related("user")
        .order_by("created", "pk")
    )
    people.extend(participant_json(participant) for participant in participants)
    return people


def announce(session: ChatSession, *, visible_changed: bool) -> None:
    """Tell the chat who is in it now: staff the full list, the visitor the visible names only
    when those changed."""
    helpers = visible_people(session) if visible_changed else None
    realtime.participants_changed(session, staff_view(session), helpers=helpers)


def make_visible(session: ChatSession, participant: Participant) -> None:
    """A monitor spoke to the visitor: from now on the visitor sees them in the chat."""
    Participant.objects.filter(pk=participant.pk).update(visible=True)
    participant.visible = True
    announce(session, visible_changed=True)


def speak_as_supervisor(session: ChatSession, user) -> Participant:
    """A supervisor who never joined speaks to the visitor: they join, visible, on the spot."""
    participant, _created = Participant.objects.update_or_create(
        session=session,
        user=user,
        defaults={
            "role": Participant.Role.MONITOR,
            "state": Participant.State.ACTIVE,
            "visible": True,
            "joined_at": timezone.now(),
            "left_at": None,
        },
    )
    announce(session, visible_changed=True)
    return participant
