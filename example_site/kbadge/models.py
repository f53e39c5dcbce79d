"""Stand-in for kitsune.kbadge (a pruned django-badger): badges and their awards.

Behaviour that callers rely on, kept as in Kitsune:
- award_to() takes keyword arguments (awardee=, awarder=, description=); a "unique" badge
  (the default) is awarded at most once per person and a repeat returns the first award.
- awarding on someone's behalf needs staff or the badge's creator; no awarder is the system.
- yearly badges are ordinary badges whose title and slug come from a template with {year};
  see kbadge.utils.get_or_create_badge.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.text import slugify


class BadgeAwardNotAllowedException(Exception):
    """The awarder may not award this badge."""


class BadgeAlreadyAwardedException(Exception):
    """A unique badge was awarded to the same person twice."""


class Badge(models.Model):
    title = models.CharField(max_length=255, unique=True)
    slug = models.SlugField(unique=True, blank=True)
    description = models.TextField(blank=True)
    image = models.FileField(upload_to="badges/", blank=True, null=True)
    unique = models.BooleanField(
        default=True, help_text="Should awards of this badge be limited to one-per-person?"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-modified", "-created"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)
        super().save(*args, **kwargs)

    def allows_award_to(self, awarder) -> bool:
        """Whether `awarder` may hand out this badge (None means the site itself)."""
        if awarder is None:
            return True
        return awarder.is_staff or awarder.is_superuser or awarder == self.creator

    def is_awarded_to(self, user) -> bool:
        return self.award_set.filter(user=user).exists()

    def award_to(
        self, awardee=None, email=None, awarder=None, description="", raise_already_awarded=False
    ) -> "Award":
        """Award this badge to `awardee` (or the newest account with `email`)."""
        awarder = awarder or self.creator
        if not self.allows_award_to(awarder):
            raise BadgeAwardNotAllowedException()
        if email and not awardee:
            awardee = get_user_model().objects.filter(email=email).order_by("-date_joined").first()
        if self.unique:
            existing = self.award_set.filter(user=awardee).first()
            if existing:
                if raise_already_awarded:
                    raise BadgeAlreadyAwardedException()
                return existing
        return Award.objects.create(
            badge=self, user=awardee, creator=awarder, description=description
        )


class Award(models.Model):
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="award_user"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="award_creator",
    )
    description = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-modified", "-created"]

    def __str__(self) -> str:
        return f"Award of {self.badge} to {self.user}"
