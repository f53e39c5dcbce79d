"""Kitsune's URLconf shape without the live chat app: pages under its own locale prefix."""

from config.locales import i18n_patterns  # noqa: F401  (Kitsune: kitsune.sumo.i18n)
from config.urls import urlpatterns as site_patterns
from django.urls import include, path  # noqa: F401  (Kitsune's urls.py has them at hand)


def _mentions_livechat(pattern) -> bool:
    return "livechat" in str(pattern.pattern) or any(
        _mentions_livechat(p) for p in getattr(pattern, "url_patterns", ())
    )


urlpatterns = [p for p in site_patterns if not _mentions_livechat(p)]
