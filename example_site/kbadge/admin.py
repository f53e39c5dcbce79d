from django.contrib import admin

from .models import Award, Badge


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "unique", "created"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ["badge", "user", "creator", "created"]
    list_filter = ["badge"]
    raw_id_fields = ["user", "creator"]
