"""Moderation: bans from the console, their list and lifting, and reports about a helper.

Thin doors over ``services.line.moderation``.
"""

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status

from ..services.line import moderation
from .auth import caller_of, chat_auth

router = Router(tags=["moderation"])


class BanIn(Schema):
    reason: str
    days: int | None = None


class BanOut(Schema):
    id: int
    visitor: str
    account: str | None
    anonymous: bool
    reason: str
    by: str | None
    created: datetime
    expires: datetime | None
    session: str | None


class ReportIn(Schema):
    reason: str


class ReportOut(Schema):
    id: int
    session: str
    helper: str | None
    reason: str
    created: str
    resolved: bool


@router.post("sessions/{session_id}/ban", auth=chat_auth, response={201: BanOut})
def ban_visitor(request: HttpRequest, session_id: UUID, payload: BanIn):
    """The chat's helper or a supervisor bans its visitor for ``days`` (none: until lifted);
    the chat ends."""
    ban = moderation.ban_visitor(
        caller=caller_of(request), session_id=session_id, reason=payload.reason, days=payload.days
    )
    return Status(201, moderation.ban_json(ban))


@router.get("bans", auth=chat_auth, response=list[BanOut])
def list_bans(request: HttpRequest):
    """Bans in force (supervisors)."""
    return [moderation.ban_json(ban) for ban in moderation.list_bans(caller=caller_of(request))]


@router.post("bans/{ban_id}/lift", auth=chat_auth, response=BanOut)
def lift_ban(request: HttpRequest, ban_id: int):
    """End a ban now (supervisors)."""
    return moderation.ban_json(moderation.lift_ban(caller=caller_of(request), ban_id=ban_id))


@router.post("sessions/{session_id}/report", auth=chat_auth, response={201: ReportOut})
def report_helper(request: HttpRequest, session_id: UUID, payload: ReportIn):
    """The chat's visitor reports its helper to the supervisors; once per chat."""
    report = moderation.report_helper(
        caller=caller_of(request), session_id=session_id, reason=payload.reason
    )
    return Status(201, moderation.report_json(report))


@router.get("reports", auth=chat_auth, response=list[ReportOut])
def list_reports(request: HttpRequest):
    """Open reports (supervisors)."""
    return moderation.list_reports(caller=caller_of(request))


@router.post("reports/{report_id}/resolve", auth=chat_auth, response=ReportOut)
def resolve_report(request: HttpRequest, report_id: int):
    """Mark a report as dealt with (supervisors)."""
    report = moderation.resolve_report(caller=caller_of(request), report_id=report_id)
    return moderation.report_json(report)
