"""Who supervises: the rule the floor view and moderation share."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ...exceptions import Forbidden, NotAuthenticated
from .access import Caller
from .roles import is_supervisor


def require_supervisor(caller: Caller) -> None:
    """Supervisors (``livechat.supervise_chats``) only: 401 for strangers, 403 for others."""
    if not caller.is_authenticated:
        raise NotAuthenticated()
    if not is_supervisor(caller.account):
        raise Forbidden(_("Only supervisors can do that."), code="not_supervisor")
