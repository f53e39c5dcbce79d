"""Every channel-layer group name and event payload, sent only after the data is committed.

The channel layer carries notifications only (at-most-once); PostgreSQL is the source of truth,
so a client that misses an event catches up by replaying from the database. Nothing else in the
app calls ``group_send``.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# Consumers implement ``livechat_event`` and forward ``event`` to their client.
HANDLER = "livechat.event"


def session_group(session_id) -> str:
    """Everyone connected to a chat, the visitor included."""
    return f"livechat.session.{_hex(session_id)}"


def session_staff_group(session_id) -> str:
    """Helpers and observers of a chat: whispers, notes and drafts go here only."""
    return f"livechat.staff.{_hex(session_id)}"


def agent_group(user_id: int) -> str:
    """Every open console of one contributor."""
    return f"livechat.agent.{user_id}"


QUEUE_GROUP = "livechat.queue"
"""Every open contributor console: live queue changes."""


def _hex(session_id) -> str:
    return getattr(session_id, "hex", None) or str(session_id).replace("-", "")


def publish(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` (a protocol frame with a ``type``) to ``group`` once the transaction commits.

    Outside a transaction it is sent at once. A failing channel layer is logged, never raised:
    the data is already stored and clients recover it by resuming.
    """

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(group, {"type": HANDLER, "event": event})
        except Exception:
            logger.exception("Could not publish %s to %s", event.get("type"), group)

    transaction.on_commit(send)
