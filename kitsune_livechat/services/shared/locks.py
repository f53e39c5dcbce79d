"""Row locks that name their own table.

A host may give its models managers that join other tables (Kitsune's ``User.objects`` excludes
system accounts through a LEFT OUTER JOIN on the profile), and PostgreSQL refuses ``FOR UPDATE``
on the nullable side of an outer join. So locks go through the model's base manager, which has
no such filter, and say ``FOR UPDATE OF`` the model's own table wherever the database can.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import QuerySet


def for_update(queryset: QuerySet, **options) -> QuerySet:
    """``select_for_update`` limited to the queryset's own rows, never a joined table's."""
    if connections[queryset.db].features.has_select_for_update_of:
        options["of"] = ("self",)
    return queryset.select_for_update(**options)


def lock_user(user_id: int) -> None:
    """Hold the host user's row until the transaction ends, whatever ``User.objects`` does."""
    User = get_user_model()
    for_update(User._base_manager.filter(pk=user_id)).values_list("pk").first()
