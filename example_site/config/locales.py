"""Kitsune-style locale codes (en-US, de) for URLs and content, next to Django's (en-us)."""

from django.conf import settings
from django.utils import translation


def kitsune_locale(code: str | None) -> str | None:
    """Map any spelling of a configured language to its Kitsune form (en-us → en-US), or None."""
    if not code:
        return None
    return settings.LANGUAGE_URL_MAP.get(code.lower())


def current_locale() -> str:
    """The active locale in Kitsune's spelling, for building locale-prefixed URLs."""
    return kitsune_locale(translation.get_language()) or settings.LANGUAGE_CODE


class LocaleConverter:
    """URL converter for the locale prefix: matches only configured locales, so /admin/ and
    /livechat/ never look like a locale."""

    def __init__(self) -> None:
        self.regex = "|".join(settings.LANGUAGE_URL_MAP.values())

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
