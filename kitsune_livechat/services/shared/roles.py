"""Who counts as what among contributors: the one home of roles and training stages.

Helpers answer chats (``answer_chats``), supervisors watch and mentor (``supervise_chats``),
operators run focus campaigns (``manage_focus``, supervisors and staff too), insight readers
see the figures (``view_insights``). Trainees move
applied -> training -> proposed -> graduated; "in training" means training or proposed. Every
door and service asks here, so the rules cannot drift apart between copies.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ...exceptions import Forbidden, NotAuthenticated
from ...models import Message, Trainee

# Trainees on the path: they observe and take supervised chats; their text is a draft.
IN_TRAINING = (Trainee.Stage.TRAINING, Trainee.Stage.PROPOSED)


def _authenticated(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def is_helper(user) -> bool:
    """Answers chats from the queue (``livechat.answer_chats``)."""
    return _authenticated(user) and user.has_perm("livechat.answer_chats")


def is_supervisor(user) -> bool:
    """Watches any chat and mentors trainees (``livechat.supervise_chats``)."""
    return _authenticated(user) and user.has_perm("livechat.supervise_chats")


def answers_chats(user) -> bool:
    """Helpers and supervisors: both may hold and work a chat."""
    return is_helper(user) or is_supervisor(user)


def reads_insights(user) -> bool:
    """Reads the insight pages, stats and exports (``livechat.view_insights``)."""
    return _authenticated(user) and user.has_perm("livechat.view_insights")


def is_operator(user) -> bool:
    """Focus campaigns are run by people with ``manage_focus``, chat supervisors and staff."""
    return _authenticated(user) and (
        user.is_staff or user.has_perm("livechat.manage_focus") or is_supervisor(user)
    )


def on_training_path(user_id) -> bool:
    """A trainee in training or proposed, paired with a mentor or not yet."""
    return Trainee.objects.filter(user_id=user_id, stage__in=IN_TRAINING).exists()


def in_training(user_id) -> bool:
    """A trainee paired with a mentor and not graduated: may observe and take supervised chats.

    An applicant nobody has paired yet may not: a mentor vouches for whoever reads the staff
    side of a chat.
    """
    return training_rows(user_id).exists()


def training_rows(user_id):
    """The row that makes ``in_training`` true, as a query a statement can test with Exists."""
    return Trainee.objects.filter(user_id=user_id, stage__in=IN_TRAINING, mentor__isnull=False)


def is_trainee(user_id) -> bool:
    """Anyone who applied to be mentored and has not graduated (applicants included)."""
    return Trainee.objects.filter(user_id=user_id).exclude(stage=Trainee.Stage.GRADUATED).exists()


def console_role(user) -> str:
    """``supervisor`` or ``helper`` by permission, ``trainee`` on the training path, else ""."""
    if is_supervisor(user):
        return "supervisor"
    if is_helper(user):
        return "helper"
    if _authenticated(user) and on_training_path(user.pk):
        return "trainee"
    return ""


def message_kind_for(session, user, kind: str) -> str:
    """The kind a message is stored as: in a supervised chat, the trainee's text becomes a draft.

    Called by the one code path that stores what chat participants send (HTTP and socket).
    """
    if (
        kind == Message.Kind.TEXT
        and session.supervised
        and user is not None
        and session.helper_id == user.pk
        and on_training_path(user.pk)
    ):
        return Message.Kind.DRAFT
    return kind


def require_insights(caller: Any) -> None:
    """Insight pages, stats and exports are for people with ``livechat.view_insights``."""
    if not caller.is_authenticated:
        raise NotAuthenticated()
    if not reads_insights(caller.account):
        raise Forbidden(
            _("You need the permission to view live chat insights."), code="no_insights"
        )
