"""Stand-in for kitsune.karma: all that is left of Kitsune's karma is the Title model.

Titles show on profiles. Manual titles are given by admins; automatic ones (is_auto) are
recomputed by jobs such as "Top 10 Contributor", through set_auto_title().
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models


class TitleManager(models.Manager):
    def set_auto_title(self, name: str, users: Iterable) -> "Title":
        """Give the automatic title `name` to exactly `users`, creating it if needed."""
        title, _created = self.get_or_create(name=name, defaults={"is_auto": True})
        title.users.set(users)
        return title


class Title(models.Model):
    name = models.CharField(max_length=100, unique=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, help_text="Assign this title to these users."
    )
    groups = models.ManyToManyField(
        Group, blank=True, help_text="Assign this title to these groups."
    )
    is_auto = models.BooleanField(default=False)

    objects = TitleManager()

    def __str__(self) -> str:
        return self.name
