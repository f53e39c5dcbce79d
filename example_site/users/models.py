"""Stand-in for kitsune.users: the profile that sits beside every auth.User."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from config.locales import current_locale

from .managers import RegularProfileManager


class Profile(models.Model):
    class AccountType(models.TextChoices):
        REGULAR = "regular", "Regular"
        SYSTEM = "system", "System"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    account_type = models.CharField(
        max_length=255, choices=AccountType.choices, default=AccountType.REGULAR
    )
    name = models.CharField(max_length=255, null=True, blank=True, verbose_name="Display name")
    locale = models.CharField(max_length=7, default=settings.LANGUAGE_CODE)
    timezone = models.CharField(max_length=42, default="US/Pacific")
    is_mozilla_staff = models.BooleanField(default=False)
    products = models.ManyToManyField("products.Product", blank=True, related_name="profiles")

    objects = RegularProfileManager()

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse(
            "users.profile", kwargs={"locale": current_locale(), "username": self.user.username}
        )

    @property
    def display_name(self) -> str:
        """What the site shows for a person: the chosen name, else the username (never email)."""
        return self.name or self.user.username
