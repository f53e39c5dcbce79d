from django.apps import AppConfig


class KbadgeConfig(AppConfig):
    name = "kbadge"
    default_auto_field = "django.db.models.AutoField"
