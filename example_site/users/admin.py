from django.contrib import admin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "locale", "is_mozilla_staff"]
    search_fields = ["user__username", "name"]
    raw_id_fields = ["user"]
    filter_horizontal = ["products"]
