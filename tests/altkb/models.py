"""A KB article model in another app, to prove the article FK follows LIVECHAT_ARTICLE_MODEL."""

from django.db import models


class Page(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"/pages/{self.pk}"
