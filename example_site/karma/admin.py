from django.contrib import admin

from .models import Title


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    list_display = ["name", "is_auto"]
    filter_horizontal = ["users", "groups"]
