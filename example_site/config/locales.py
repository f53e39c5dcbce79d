"""Kitsune-style locale codes (en-US, de) for URLs and content, next to Django's (en-us)."""

from django.conf import settings
from django.utils import translation


def kitsune_locale(code: str | None) -> str | None:
    """Map any spelling of a configured language to its Kitsune form, or None."""
    if not code:
        return None
    for locale, _name in settings.LANGUAGES:
        if locale.lower() == code.lower():
            return locale
    return None


def current_locale() -> str:
    """The active locale in Kitsune's spelling, for building locale-prefixed URLs."""
    return kitsune_locale(translation.get_language()) or settings.LANGUAGE_CODE


class LocaleConverter:
    """URL converter for the locale prefix: matches only configured locales, so /admin/ and
    /livechat/ never look like a locale."""

    def __init__(self) -> None:
        self.regex = "|".join(code for code, _name in settings.LANGUAGES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
