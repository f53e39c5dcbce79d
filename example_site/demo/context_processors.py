"""Values every Jinja2 page of the example site needs (Kitsune's base template has the same)."""

from django.conf import settings
from django.http import HttpRequest

from config.locales import current_locale, kitsune_locale


def _path_in(path: str, locale: str) -> str:
    """The same page in another locale when the path carries one, else the same path."""
    parts = path.lstrip("/").split("/", 1)
    if kitsune_locale(parts[0]):
        return f"/{locale}/{parts[1] if len(parts) > 1 else ''}"
    return path


def site(request: HttpRequest) -> dict:
    return {
        "locale": current_locale(),
        "languages": [
            (kitsune_locale(code), name, _path_in(request.path, kitsune_locale(code)))
            for code, name in settings.LANGUAGES
        ],
        "demo_mode": settings.DEBUG,
    }
