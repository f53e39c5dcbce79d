"""Forgetting old conversations while keeping what they taught.

After ``LIVECHAT_RETENTION_DAYS`` a closed chat loses its messages, the files sent in it and the
visitor's personal details (question text, email, name, user agent, answers); the session row,
its outcome, rating and article feedback stay, so stats and article insights keep their history.
"""

from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from ...conf import livechat_settings
from ...models import ChatSession, Message
from .attachments import delete_files

REDACTED = "[removed after the retention period]"


def purge_expired(*, now=None, batch_size: int = 500) -> int:
    """Redact closed chats older than the retention period; returns how many were redacted.

    Works in batches so a large backlog never holds one long transaction; redacted chats are
    recognised by their ``problem`` text, so running it again (or from two places) is harmless.
    """
    cutoff = (now or timezone.now()) - timedelta(days=livechat_settings.RETENTION_DAYS)
    expired = (
        ChatSession.objects.exclude(status__in=ChatSession.OPEN_STATUSES)
        .filter(created__lt=cutoff)
        .exclude(problem=REDACTED)
    )
    total = 0
    while True:
        ids = list(expired.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return total
        with transaction.atomic():
            messages = Message.objects.filter(session_id__in=ids)
            files = list(messages.exclude(file="").values_list("file", flat=True))
            messages.delete()
            # Files go once the rows are gone for good (a rollback keeps both).
            transaction.on_commit(partial(delete_files, files))
            total += ChatSession.objects.filter(pk__in=ids).update(
                problem=REDACTED,
                visitor_name="",
                visitor_email="",
                followup_email="",
                user_agent="",
                answers={},
            )
