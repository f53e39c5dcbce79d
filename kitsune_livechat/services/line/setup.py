"""What a fresh install needs before chat can open: a default queue."""

from __future__ import annotations

from django.db import transaction

from ...models import Queue

DEFAULT_QUEUE_SLUG = "general"


def ensure_default_queue(
    *, name: str = "General", slug: str = DEFAULT_QUEUE_SLUG
) -> tuple[Queue, bool]:
    """The active default queue, made (always open, auto-assigning) when there is none.

    Chat shows "closed" with reason ``no_queue`` for every article no other queue serves until a
    default exists; this is the one step an install needs. Returns ``(queue, created)``.
    """
    with transaction.atomic():
        existing = Queue.objects.filter(is_active=True, is_default=True).order_by("pk").first()
        if existing is not None:
            return existing, False
        queue, created = Queue.objects.get_or_create(slug=slug, defaults={"name": name})
        if not created:
            queue.is_default = True
            queue.is_active = True
            queue.save(update_fields=["is_default", "is_active"])
            return queue, True
        queue.is_default = True
        queue.save(update_fields=["is_default"])
        return queue, True
