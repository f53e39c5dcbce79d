"""Tags on chats: words the helpers and supervisors put on a chat to find and count it later.

Tags are shown to staff only (the visitor never sees them) and feed the insight filters and the
per-chat export. They are spelt as feedback tags are (``clean_tags``), so "Sync error" and
"sync-error" are one tag.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from ... import realtime
from ...exceptions import Forbidden, InvalidInput
from ...host import get_host_adapter
from ...models import ChatTag
from ..shared.access import Caller, ChatRole, SessionAccess, get_session_for
from ..shared.roles import is_supervisor
from .assist import require_console
from .feedback import MAX_TAGS, clean_tags

SUGGESTION_LIMIT = 10


def tags_of(session_id) -> list[str]:
    return list(ChatTag.objects.filter(session_id=session_id).values_list("name", flat=True))


def _require_tagger(caller: Caller, access: SessionAccess) -> None:
    """The chat's helpers and supervisors tag; the visitor, trainees and monitors do not."""
    if access.role == ChatRole.HELPER or (access.is_staff and is_supervisor(caller.account)):
        return
    raise Forbidden(_("Only the chat's helpers and supervisors can tag it."), code="not_a_tagger")


def list_tags(*, caller: Caller, session_id) -> list[str]:
    """The chat's tags, for anyone on its staff side."""
    access = get_session_for(caller, session_id)
    if not access.is_staff:
        raise Forbidden(_("Only the chat's helpers see its tags."), code="not_a_tagger")
    return tags_of(access.session.pk)


def _one_tag(tag: object) -> str:
    cleaned = clean_tags([tag]) if isinstance(tag, str) else clean_tags(tag)
    if len(cleaned) != 1:
        raise InvalidInput(_("Give one tag."), code="invalid_tags")
    return cleaned[0]


def _announce(caller: Caller, session, tags: list[str]) -> None:
    realtime.tags_changed(session, tags, by=get_host_adapter().display_name(caller.user))


def add_tag(*, caller: Caller, session_id, tag: str) -> list[str]:
    """Put ``tag`` on the chat (again: no change); every console in the chat is told."""
    name = _one_tag(tag)
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        _require_tagger(caller, access)
        session = access.session
        existing = tags_of(session.pk)
        if name in existing:
            return existing
        if len(existing) >= MAX_TAGS:
            raise InvalidInput(
                _("A chat has at most %(max)d tags.") % {"max": MAX_TAGS}, code="too_many_tags"
            )
        try:
            with transaction.atomic():
                ChatTag.objects.create(session=session, name=name, added_by=caller.user)
        except IntegrityError:
            return tags_of(session.pk)
        tags = tags_of(session.pk)
        _announce(caller, session, tags)
        return tags


def remove_tag(*, caller: Caller, session_id, tag: str) -> list[str]:
    """Take ``tag`` off the chat; removing a tag it does not have changes nothing."""
    name = _one_tag(tag)
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        _require_tagger(caller, access)
        deleted, _rows = ChatTag.objects.filter(session=access.session, name=name).delete()
        tags = tags_of(access.session.pk)
        if deleted:
            _announce(caller, access.session, tags)
        return tags


def suggest_tags(*, caller: Caller, prefix: str = "", limit: int = SUGGESTION_LIMIT) -> list[dict]:
    """Tags already in use that start with ``prefix``, most used first: the console's
    autocomplete, so helpers reuse one spelling instead of inventing a new one each time."""
    require_console(caller)
    prefix = "-".join(str(prefix or "").strip().lower().split())[:50]
    rows = (
        ChatTag.objects.filter(name__startswith=prefix)
        .values("name")
        .annotate(count=Count("pk"))
        .order_by("-count", "name")[: max(1, min(limit, 50))]
    )
    return [{"tag": row["name"], "count": row["count"]} for row in rows]


def all_tag_names() -> list[str]:
    """Every tag in use, alphabetically: the insight pages' tag filter."""
    return list(ChatTag.objects.order_by("name").values_list("name", flat=True).distinct())
