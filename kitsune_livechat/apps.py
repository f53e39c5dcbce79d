"""The app's configuration: its label, and what it wires up once Django is ready."""

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

# The article FK is swappable like AUTH_USER_MODEL. Django resolves swappable models at
# model-import time, before conf.py's lazy defaults could help, so the default is put in
# place here, when the app registry loads the app config.
if not hasattr(settings, "LIVECHAT_ARTICLE_MODEL"):
    settings.LIVECHAT_ARTICLE_MODEL = "wiki.Document"


class LivechatConfig(AppConfig):
    name = "kitsune_livechat"
    label = "livechat"
    verbose_name = _("Live chat")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Not a circle: checks and receivers import models, which Django allows only once the
        # app registry is ready, so they are loaded here rather than when this module is.
        from . import (
            checks,  # noqa: F401  (registers the system checks)
            receivers,
        )

        receivers.connect()
