"""Stand-in for kitsune.wiki: localized KB documents, their revisions and helpfulness votes.

Only the fields the live chat app reads or writes, with Kitsune's names and meanings.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .managers import DocumentManager

TROUBLESHOOTING_CATEGORY = 10
HOW_TO_CATEGORY = 20
HOW_TO_CONTRIBUTE_CATEGORY = 30
ADMINISTRATION_CATEGORY = 40
NAVIGATION_CATEGORY = 50
TEMPLATES_CATEGORY = 60
CANNED_RESPONSES_CATEGORY = 70

CATEGORIES = [
    (TROUBLESHOOTING_CATEGORY, "Troubleshooting"),
    (HOW_TO_CATEGORY, "How to"),
    (HOW_TO_CONTRIBUTE_CATEGORY, "How to contribute"),
    (ADMINISTRATION_CATEGORY, "Administration"),
    (NAVIGATION_CATEGORY, "Navigation"),
    (TEMPLATES_CATEGORY, "Templates"),
    (CANNED_RESPONSES_CATEGORY, "Canned Responses"),
]


class Document(models.Model):
    """A KB article in one locale; translations point at their en-US original via parent."""

    title = models.CharField(max_length=255, db_index=True)
    slug = models.CharField(max_length=255, db_index=True)
    locale = models.CharField(max_length=7, default=settings.LANGUAGE_CODE, db_index=True)
    category = models.IntegerField(choices=CATEGORIES, default=TROUBLESHOOTING_CATEGORY)
    is_archived = models.BooleanField(default=False, db_index=True)
    is_localizable = models.BooleanField(default=True)
    current_revision = models.ForeignKey(
        "Revision", on_delete=models.SET_NULL, null=True, blank=True, related_name="current_for+"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="translations"
    )
    products = models.ManyToManyField("products.Product", blank=True, related_name="documents")
    topics = models.ManyToManyField("products.Topic", blank=True, related_name="documents")
    needs_change = models.BooleanField(default=False, db_index=True)
    needs_change_comment = models.CharField(max_length=500, blank=True)
    # As in Kitsune: only members of these groups (and staff) may see the document.
    restrict_to_groups = models.ManyToManyField(
        "auth.Group", blank=True, related_name="restricted_documents"
    )

    objects = DocumentManager()

    class Meta:
        ordering = ["title"]
        unique_together = [("parent", "locale"), ("title", "locale"), ("slug", "locale")]

    def __str__(self) -> str:
        return f"[{self.locale}] {self.title}"

    def save(self, *args, **kwargs):
        # As in Kitsune, a translation always shares its parent's category and archive state.
        if self.parent_id:
            self.category = self.parent.category
            self.is_archived = self.parent.is_archived
            self.is_localizable = False
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("wiki.document", kwargs={"locale": self.locale, "slug": self.slug})

    @property
    def original(self) -> "Document":
        """The en-US document this one translates, or itself."""
        return self.parent or self

    def translated_to(self, locale: str) -> "Document | None":
        """This document in `locale` (the original or one of its translations), if it exists."""
        if self.locale == locale:
            return self
        original = self.original
        if original.locale == locale:
            return original
        return original.translations.filter(locale=locale).first()


class Revision(models.Model):
    """One edit of a document; the approved one shown to readers is current_revision."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="revisions")
    summary = models.TextField(blank=True)
    content = models.TextField()
    keywords = models.CharField(max_length=255, blank=True)
    comment = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(default=timezone.now)
    reviewed = models.DateTimeField(null=True, blank=True)
    is_approved = models.BooleanField(default=False, db_index=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="created_revisions"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_revisions",
    )

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.document} #{self.pk}"


class HelpfulVote(models.Model):
    """An answer to "Was this article helpful?" on one revision."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="poll_votes")
    helpful = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="poll_votes",
    )
    anonymous_id = models.CharField(max_length=40, db_index=True, blank=True)
    user_agent = models.CharField(max_length=1000, blank=True)

    def __str__(self) -> str:
        return f"{'Yes' if self.helpful else 'No'} on {self.revision}"

    def add_metadata(self, key: str, value: str) -> "HelpfulVoteMetadata":
        return HelpfulVoteMetadata.objects.create(vote=self, key=key[:40], value=value[:1000])


class HelpfulVoteMetadata(models.Model):
    """Extra facts about a vote (Kitsune stores survey answers and the source here)."""

    vote = models.ForeignKey(HelpfulVote, on_delete=models.CASCADE, related_name="metadata")
    key = models.CharField(max_length=40, db_index=True)
    value = models.CharField(max_length=1000)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
