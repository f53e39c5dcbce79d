"""Stand-in for kitsune.products: the products and topics KB articles are filed under."""

from django.db import models


class Product(models.Model):
    title = models.CharField(max_length=255, db_index=True)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    display_order = models.IntegerField(default=0)
    visible = models.BooleanField(default=False)

    class Meta:
        ordering = ["display_order", "title"]

    def __str__(self) -> str:
        return self.title


class Topic(models.Model):
    title = models.CharField(max_length=255, db_index=True)
    slug = models.SlugField()
    description = models.TextField(blank=True)
    products = models.ManyToManyField(Product, related_name="topics", blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="subtopics"
    )
    display_order = models.IntegerField(default=0)
    visible = models.BooleanField(default=False)

    class Meta:
        ordering = ["display_order", "title"]

    def __str__(self) -> str:
        return self.title
