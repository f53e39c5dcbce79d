"""Moderation: banning a visitor from chat, lifting bans, and visitors reporting a helper.

A helper bans the visitor of their own chat (a supervisor any chat's visitor), by account or,
for anonymous visitors, by the key behind their token; the chat ends at once. Bans are listed
and lifted by supervisors; lifting sets ``expires`` to the moment, so every ban check reads one
rule (no expiry, or an expiry in the future). A visitor's report about their helper goes to
supervisors on the floor view.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ... import realtime
from ...exceptions import Conflict, Forbidden, InvalidInput, NotFound
from ...models import AbuseReport, Ban
from ..conversation.messaging import post_system_message
from ..shared.access import Caller, ChatRole, get_session_for
from ..shared.cleaning import clean_text
from ..shared.roles import is_supervisor
from ..shared.supervision import require_supervisor
from .lifecycle import REASON_BANNED, end_chat

MAX_BAN_DAYS = 3650
MAX_REASON = 1000

ENDED_BY_BAN = gettext_lazy(
    "A moderator ended this chat and closed live chat to you. You can still ask in the forum."
)


def active_bans() -> QuerySet[Ban]:
    return Ban.objects.filter(Q(expires__isnull=True) | Q(expires__gt=timezone.now()))


def ban_of(caller: Caller) -> Ban | None:
    """The ban keeping this caller (account or anonymous key) out of chat, if any."""
    who = Q()
    if caller.is_authenticated:
        who |= Q(user_id=caller.user_id)
    if caller.anonymous_key:
        who |= Q(anonymous_key=caller.anonymous_key)
    if not who:
        return None
    return active_bans().filter(who).order_by("-created").first()


def _clean_days(days: Any) -> int | None:
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_BAN_DAYS:
        raise InvalidInput(
            _("A ban lasts from 1 to %(max)d days, or has no end.") % {"max": MAX_BAN_DAYS},
            code="invalid_expiry",
        )
    return days


def ban_visitor(*, caller: Caller, session_id, reason: str, days: int | None = None) -> Ban:
    """Keep the chat's visitor out of chat for ``days`` (None: until lifted) and end the chat.

    The chat's helper or a supervisor may; the visitor is told in the chat before it ends.
    """
    reason = clean_text(reason, _("The reason"), MAX_REASON)
    if not reason:
        raise InvalidInput(_("Say why the visitor is banned."), code="reason_required")
    days = _clean_days(days)
    now = timezone.now()
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        session = access.session
        owner = access.role == ChatRole.HELPER and session.helper_id == caller.user_id
        if not (owner or (access.is_staff and is_supervisor(caller.account))):
            raise Forbidden(
                _("Only the chat's helper or a supervisor can ban its visitor."), code="not_owner"
            )
        if session.visitor_id is None and not session.anonymous_key:
            raise Conflict(_("This chat has no visitor to ban."), code="no_visitor")
        ban = Ban.objects.create(
            user_id=session.visitor_id,
            anonymous_key="" if session.visitor_id else session.anonymous_key,
            reason=reason,
            created_by=caller.user,
            expires=now + timedelta(days=days) if days else None,
            session=session,
        )
        if session.is_open:
            post_system_message(session, ENDED_BY_BAN)
            end_chat(caller=caller, session_id=session_id, reason=REASON_BANNED)
        realtime.floor_changed()
    return ban


def ban_json(ban: Ban) -> dict[str, Any]:
    return {
        "id": ban.pk,
        "visitor": ban.session.visitor_name if ban.session_id and ban.session else "",
        "account": ban.user.get_username() if ban.user_id else None,
        "anonymous": not ban.user_id,
        "reason": ban.reason,
        "by": ban.created_by.get_username() if ban.created_by_id else None,
        "created": ban.created,
        "expires": ban.expires,
        "session": str(ban.session_id) if ban.session_id else None,
    }


def list_active_bans(limit: int = 200) -> list[Ban]:
    return list(
        active_bans().select_related("user", "created_by", "session").order_by("-created")[:limit]
    )


def list_bans(*, caller: Caller) -> list[Ban]:
    """Bans in force, newest first (supervisors)."""
    require_supervisor(caller)
    return list_active_bans()


def lift_ban(*, caller: Caller, ban_id: int) -> Ban:
    require_supervisor(caller)
    now = timezone.now()
    with transaction.atomic():
        ban = active_bans().select_for_update().filter(pk=ban_id).first()
        if ban is None:
            raise NotFound(_("No such ban in force."), code="unknown_ban")
        ban.expires, ban.lifted_at, ban.lifted_by = now, now, caller.user
        ban.save(update_fields=["expires", "lifted_at", "lifted_by"])
    realtime.floor_changed()
    return ban


def report_helper(*, caller: Caller, session_id, reason: str) -> AbuseReport:
    """The chat's visitor reports its helper; supervisors see it on the floor at once."""
    reason = clean_text(reason, _("The report"), MAX_REASON)
    if not reason:
        raise InvalidInput(_("Tell us what happened."), code="reason_required")
    with transaction.atomic():
        access = get_session_for(caller, session_id)
        if access.role != ChatRole.VISITOR:
            raise Forbidden(_("Only the chat's visitor can report its helper."), code="not_visitor")
        session = access.session
        if session.helper_id is None:
            raise Conflict(_("No helper was in this chat."), code="no_helper")
        try:
            with transaction.atomic():
                report = AbuseReport.objects.create(
                    session=session, helper_id=session.helper_id, reason=reason
                )
        except IntegrityError:
            raise Conflict(
                _("You already reported this chat. Supervisors will look into it."),
                code="already_reported",
            ) from None
        realtime.floor_changed()
    return report


def open_reports(limit: int = 100) -> list[dict[str, Any]]:
    """Reports nobody has dealt with yet, newest first, as the floor lists them."""
    reports = (
        AbuseReport.objects.filter(resolved_at__isnull=True)
        .select_related("helper", "session")
        .order_by("-created")[:limit]
    )
    return [report_json(report) for report in reports]


def list_reports(*, caller: Caller) -> list[dict[str, Any]]:
    require_supervisor(caller)
    return open_reports()


def report_json(report: AbuseReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "session": str(report.session_id),
        "helper": report.helper.get_username() if report.helper_id else None,
        "reason": report.reason,
        "created": report.created.isoformat(),
        "resolved": report.resolved_at is not None,
    }


def resolve_report(*, caller: Caller, report_id: int) -> AbuseReport:
    require_supervisor(caller)
    with transaction.atomic():
        report = AbuseReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            raise NotFound(_("No such report."), code="unknown_report")
        if report.resolved_at is None:
            report.resolved_at, report.resolved_by = timezone.now(), caller.user
            report.save(update_fields=["resolved_at", "resolved_by"])
    realtime.floor_changed()
    return report
