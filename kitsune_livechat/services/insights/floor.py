"""The live floor: what a supervisor needs to see now, computed from the database.

Waiting chats per queue and locale with their age, helpers on duty with their load and idle
time, chats that run long or wait for a reply, and the service level (the share of chats a
helper took within ``LIVECHAT_SERVICE_LEVEL_MINUTES``) today and in the last hour. A handful of
aggregate queries however busy the floor is; the floor socket pushes a new snapshot after every
change to the line, a chat or a helper's presence, and on a timer for ages.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from ...conf import livechat_settings
from ...host import get_host_adapter
from ...models import AgentStatus, ChatSession, Message
from ..line.moderation import ban_json, list_active_bans, open_reports
from ..shared.access import Caller
from ..shared.people import users_for_display
from ..shared.supervision import require_supervisor

Status = ChatSession.Status


def _age(since: datetime | None, now: datetime) -> int | None:
    return None if since is None else max(int((now - since).total_seconds()), 0)


def waiting(now: datetime) -> dict[str, Any]:
    """Waiting chats oldest first, and per queue and locale: how many and the oldest age."""
    chats = list(
        ChatSession.objects.filter(status=Status.WAITING)
        .select_related("queue")
        .order_by("created", "pk")
        .only("id", "created", "locale", "problem", "article_title", "queue__slug", "queue__name")
    )
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for chat in chats:
        key = (chat.queue.slug, chat.locale)
        group = groups.setdefault(
            key,
            {
                "queue": chat.queue.slug,
                "queue_name": chat.queue.name,
                "locale": chat.locale,
                "count": 0,
                "oldest_seconds": _age(chat.created, now),
            },
        )
        group["count"] += 1
    return {
        "groups": list(groups.values()),
        "chats": [
            {
                "id": str(chat.pk),
                "queue": chat.queue.slug,
                "locale": chat.locale,
                "problem": chat.problem[:120],
                "article": chat.article_title,
                "waited_seconds": _age(chat.created, now),
            }
            for chat in chats
        ],
    }


def helpers(now: datetime) -> list[dict[str, Any]]:
    """Helpers online or away: seats, chats open, and idle time (since their last message in a
    chat, or since they took their last chat, whichever is later)."""
    last_message = (
        Message.objects.filter(author_id=OuterRef("user_id"))
        .order_by("-created")
        .values("created")[:1]
    )
    rows = list(
        AgentStatus.objects.exclude(status=AgentStatus.Status.OFFLINE)
        .annotate(
            active=Count(
                "user__livechat_assigned",
                filter=Q(user__livechat_assigned__status=Status.ACTIVE),
            ),
            last_message=Subquery(last_message),
        )
        .order_by("user_id")
        .values("user_id", "status", "capacity", "active", "last_message", "last_assigned")
    )
    people = _people([row["user_id"] for row in rows])
    result = []
    for row in rows:
        moments = [m for m in (row["last_message"], row["last_assigned"]) if m is not None]
        result.append(
            {
                "username": people.get(row["user_id"], ("", ""))[0],
                "name": people.get(row["user_id"], ("", ""))[1],
                "status": row["status"],
                "capacity": row["capacity"],
                "active": row["active"],
                "idle_seconds": _age(max(moments), now) if moments else None,
            }
        )
    return result


def _people(ids: list[int]) -> dict[int, tuple[str, str]]:
    """(username, display name) by user id, in one query."""
    adapter = get_host_adapter()
    return {
        pk: (user.get_username(), adapter.display_name(user))
        for pk, user in users_for_display(ids).items()
    }


def attention(now: datetime) -> list[dict[str, Any]]:
    """Active chats that run long, or whose visitor waits for a reply (nothing from a helper
    since the visitor's last message, for ``LIVECHAT_FLOOR_UNANSWERED_SECONDS``)."""
    long_since = now - timedelta(minutes=livechat_settings.FLOOR_LONG_CHAT_MINUTES)
    unanswered_since = now - timedelta(seconds=livechat_settings.FLOOR_UNANSWERED_SECONDS)
    chats = list(
        ChatSession.objects.filter(status=Status.ACTIVE)
        .annotate(
            last_visitor=Max("messages__created", filter=Q(messages__role=Message.Role.VISITOR)),
            last_reply=Max(
                "messages__created",
                filter=Q(messages__role=Message.Role.HELPER, messages__kind=Message.Kind.TEXT),
            ),
        )
        .filter(
            Q(assigned_at__lte=long_since)
            | Q(last_visitor__lte=unanswered_since, last_reply__isnull=True)
            | Q(last_visitor__lte=unanswered_since, last_reply__lt=F("last_visitor"))
        )
        .select_related("queue")
        .order_by("assigned_at", "pk")
        .values(
            "id",
            "locale",
            "problem",
            "helper_id",
            "assigned_at",
            "last_visitor",
            "last_reply",
            "queue__slug",
        )
    )
    people = _people([c["helper_id"] for c in chats if c["helper_id"]])
    result = []
    for chat in chats:
        waiting_reply = chat["last_visitor"] is not None and (
            chat["last_reply"] is None or chat["last_reply"] < chat["last_visitor"]
        )
        reasons = []
        if chat["assigned_at"] and chat["assigned_at"] <= long_since:
            reasons.append("long")
        if waiting_reply and chat["last_visitor"] <= unanswered_since:
            reasons.append("unanswered")
        result.append(
            {
                "id": str(chat["id"]),
                "queue": chat["queue__slug"],
                "locale": chat["locale"],
                "problem": chat["problem"][:120],
                "helper": people.get(chat["helper_id"], ("", ""))[1],
                "helper_username": people.get(chat["helper_id"], ("", ""))[0],
                "reasons": reasons,
                "running_seconds": _age(chat["assigned_at"], now),
                "unanswered_seconds": _age(chat["last_visitor"], now) if waiting_reply else None,
            }
        )
    return result


def service_level(start: datetime, now: datetime) -> dict[str, Any]:
    """Of the chats requested since ``start``, the share a helper took within the target.

    Chats still waiting and younger than the target are left out (they may yet make it);
    abandoned and missed chats count as not taken in time.
    """
    target = timedelta(minutes=livechat_settings.SERVICE_LEVEL_MINUTES)
    counts = (
        ChatSession.objects.filter(created__gte=start, created__lt=now)
        .exclude(status=Status.WAITING, created__gt=now - target)
        .aggregate(
            chats=Count("pk"),
            in_time=Count("pk", filter=Q(assigned_at__lte=F("created") + target)),
        )
    )
    chats, in_time = counts["chats"], counts["in_time"]
    return {
        "chats": chats,
        "in_time": in_time,
        "share": round(in_time / chats, 4) if chats else None,
    }


def snapshot(*, caller: Caller, now: datetime | None = None) -> dict[str, Any]:
    """Everything the floor view shows, as of ``now``: the ``floor`` frame's content."""
    require_supervisor(caller)
    now = now or timezone.now()
    midnight = timezone.make_aware(
        datetime.combine(timezone.localdate(now), time.min), timezone.get_current_timezone()
    )
    return {
        "generated": now.isoformat(),
        "target_minutes": livechat_settings.SERVICE_LEVEL_MINUTES,
        "waiting": waiting(now),
        "helpers": helpers(now),
        "attention": attention(now),
        "service_level": {
            "today": service_level(midnight, now),
            "last_hour": service_level(now - timedelta(hours=1), now),
        },
        "reports": open_reports(),
        "bans": [_json_ready(ban_json(ban)) for ban in list_active_bans()],
    }


def _json_ready(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}
