"""Documents as a given reader may see them, shaped like Kitsune's ``Document.objects.visible``.

A document restricted to groups is invisible to everyone outside them (Kitsune answers 404 for
its page); a translation follows its parent's restriction. Readers other than staff see only
documents with approved content.
"""

from django.db import models
from django.db.models import Q


def _is_staff(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.is_staff))


class DocumentManager(models.Manager):
    def unrestricted(self, user=None, **filters) -> models.QuerySet:
        """Documents whose group restriction (or their parent's) lets ``user`` in."""
        if _is_staff(user):
            return self.filter(**filters)
        member = user is not None and user.is_authenticated

        def open_to_user(prefix: str) -> Q:
            groups = f"{prefix}restrict_to_groups"
            allowed = Q(**{f"{groups}__isnull": True})
            if member:
                allowed |= Q(**{f"{groups}__in": user.groups.all()})
            return Q(parent__isnull=not prefix) & allowed

        queryset = self.filter(open_to_user("") | open_to_user("parent__"), **filters)
        return queryset.distinct() if member else queryset

    def visible(self, user=None, **filters) -> models.QuerySet:
        """What ``user`` (None: an anonymous reader) may open, filtered by ``filters``."""
        queryset = self.unrestricted(user, **filters)
        if _is_staff(user):
            return queryset
        return queryset.filter(current_revision__isnull=False)
