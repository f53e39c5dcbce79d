"""What a contributor's console socket may hear, and what it is told when it connects.

The console's lists (waiting chats, own chats) load over HTTP; the socket carries the changes.
Who may listen is decided from the database each time it is asked, so a contributor whose
permission was taken away stops hearing the queue at their next heartbeat.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from ... import realtime
from ...exceptions import Forbidden
from ...host import get_host_adapter
from ..conversation.participants import pending_invitations
from ..line import assignment
from ..shared import notify
from ..shared.access import Caller
from ..shared.roles import is_helper, is_supervisor, is_trainee


def _groups(user) -> list[str]:
    groups = [realtime.agent_group(user.pk)]
    if is_helper(user):
        groups.append(realtime.QUEUE_GROUP)
    elif not (is_supervisor(user) or is_trainee(user.pk)):
        raise Forbidden(code="no_console")
    return groups


def _active_user(user_id: int | None):
    User = get_user_model()
    user = User._default_manager.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        raise Forbidden(code="no_console")
    return user


def console_groups(*, user_id: int | None) -> list[str]:
    """The groups a console of this user joins; Forbidden for users with no console.

    Helpers hear the live queue; supervisors and trainees only what is addressed to them
    (invitations, knocks, their chats). The user is read afresh, never from a cached object.
    """
    return _groups(_active_user(user_id))


def heartbeat(*, user_id: int | None) -> list[str]:
    """A console's ``ping``: keeps a helper's presence fresh and re-checks what it may hear."""
    user = _active_user(user_id)
    groups = _groups(user)
    if realtime.QUEUE_GROUP in groups:
        assignment.heartbeat(user=user)
    return groups


def console_greeting(*, caller: Caller) -> list[dict[str, Any]]:
    """Frames a console gets on connecting: the queue counters and open invitations."""
    frames: list[dict[str, Any]] = [realtime.queue_snapshot_frame(notify.waiting_counts())]
    for participant in pending_invitations(caller=caller):
        by = get_host_adapter().display_name(participant.invited_by)
        frames.append(realtime.invitation_frame(participant.session, change="invited", by=by))
    return frames
