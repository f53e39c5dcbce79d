"""Managers shaped like Kitsune's: the site's ``User.objects`` hides system accounts.

Kitsune swaps ``User.objects`` for a manager that excludes ``profile__account_type=system``,
a LEFT OUTER JOIN on the profile table; the example does the same so code that locks or counts
users through ``User.objects`` meets the same SQL it meets on Kitsune.
"""

from django.contrib.auth.models import UserManager
from django.db import models


class RegularUserManager(UserManager):
    """Users without a system-account profile (users without a profile at all are kept)."""

    def get_queryset(self) -> models.QuerySet:
        from .models import Profile

        return super().get_queryset().exclude(profile__account_type=Profile.AccountType.SYSTEM)


class RegularProfileManager(models.Manager):
    """Profiles of people, not of system accounts."""

    def get_queryset(self) -> models.QuerySet:
        from .models import Profile

        return super().get_queryset().exclude(account_type=Profile.AccountType.SYSTEM)
