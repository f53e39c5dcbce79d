"""Stand-in for kitsune.questions: forum questions and their metadata rows.

Kitsune keeps what the Ask-a-Question form detected (useragent, os, ff_version,
troubleshooting data) as name/value rows beside the question; the chat hand-off does too.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Question(models.Model):
    title = models.CharField(max_length=255)
    content = models.TextField()
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="questions"
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    updated = models.DateTimeField(auto_now=True)
    product = models.ForeignKey(
        "products.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
    )
    topic = models.ForeignKey(
        "products.Topic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
    )
    locale = models.CharField(max_length=7, default=settings.LANGUAGE_CODE, db_index=True)
    num_answers = models.IntegerField(default=0)
    is_locked = models.BooleanField(default=False)
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("questions.details", kwargs={"locale": self.locale, "question_id": self.pk})

    def add_metadata(self, **kwargs: str) -> None:
        """Set metadata rows by name, replacing earlier values (Kitsune's helper)."""
        for name, value in kwargs.items():
            QuestionMetaData.objects.update_or_create(
                question=self, name=name, defaults={"value": value}
            )

    @property
    def metadata(self) -> dict[str, str]:
        return {meta.name: meta.value for meta in self.metadata_set.all()}


class QuestionMetaData(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="metadata_set")
    name = models.SlugField(max_length=50)
    value = models.TextField()

    class Meta:
        unique_together = [("question", "name")]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.name}"
