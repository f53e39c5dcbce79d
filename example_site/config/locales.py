"""Kitsune-style locale codes (en-US, de) for URLs and content, next to Django's (en-us)."""

import django.urls
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


class LocalePrefixPattern(django.urls.LocalePrefixPattern):
    """Django's locale prefix in Kitsune's spelling (/en-US/, /pt-BR/), matched in any case."""

    @property
    def language_prefix(self) -> str:
        return f"{current_locale()}/"

    def match(self, path: str):
        prefix = self.language_prefix
        if path[: len(prefix)].lower() == prefix.lower():
            return path[len(prefix) :], (), {}
        return None


def i18n_patterns(*urls) -> list:
    """Like Kitsune's own i18n_patterns: the pages under /<locale>/, always prefixed."""
    return [django.urls.URLResolver(LocalePrefixPattern(prefix_default_language=True), list(urls))]
