from django.apps import AppConfig


class AltKbConfig(AppConfig):
    name = "tests.altkb"
    label = "altkb"
    default_auto_field = "django.db.models.BigAutoField"
