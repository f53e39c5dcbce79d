from django.apps import AppConfig


class KarmaConfig(AppConfig):
    name = "karma"
    default_auto_field = "django.db.models.AutoField"
