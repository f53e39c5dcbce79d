"""Locale codes as the host stores them: the one place the app matches a language.

Kitsune's ``settings.LANGUAGES`` keys are lower case (``en-us``, ``pt-br``) while its rows,
``LANGUAGE_CODE`` and its URLs say ``en-US``, ``pt-BR``, and Django's ``get_language()`` is
always lower case. The app takes a locale in any spelling and keeps the host's row spelling, so
what it stores (a chat, a forum question made from it) and what it filters by match the host's
own rows. The row spelling is the host's ``LANGUAGE_URL_MAP`` (Kitsune's lower-case to real
spelling map) when it has one, else the ``LANGUAGES`` key as written when it has capitals, else
the standard spelling (``pt-br`` → ``pt-BR``).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .exceptions import InvalidInput


def _row_spelling(code: str, url_map: dict) -> str:
    if code.lower() in url_map:
        return url_map[code.lower()]
    if code != code.lower():
        return code
    return translation.to_locale(code).replace("_", "-")


def site_languages() -> list[tuple[str, str]]:
    """``(locale, name)`` for every language of the site, in the host's row spelling."""
    url_map = {
        str(k).lower(): v for k, v in (getattr(settings, "LANGUAGE_URL_MAP", None) or {}).items()
    }
    return [(_row_spelling(code, url_map), str(name)) for code, name in settings.LANGUAGES]


def site_locales() -> list[str]:
    return [code for code, _name in site_languages()]


def site_locale(code: str | None, *, base: bool = False) -> str | None:
    """The site's language matching ``code`` in any case, in row spelling, or None.

    With ``base``, a regional code the site lacks falls back to its language (``de-AT`` → ``de``),
    as a browser's preference would.
    """
    if not code:
        return None
    wanted = str(code).strip().replace("_", "-").lower()
    locales = site_locales()
    for locale in locales:
        if locale.lower() == wanted:
            return locale
    if base:
        language = wanted.split("-")[0]
        for locale in locales:
            if locale.lower() == language:
                return locale
    return None


def default_locale() -> str:
    """The KB's default language (Kitsune's ``WIKI_DEFAULT_LANGUAGE``), in row spelling."""
    code = getattr(settings, "WIKI_DEFAULT_LANGUAGE", None) or settings.LANGUAGE_CODE
    return site_locale(code) or code


def current_locale() -> str:
    """The active language in row spelling, else the site's default."""
    return (
        site_locale(translation.get_language(), base=True)
        or site_locale(settings.LANGUAGE_CODE)
        or settings.LANGUAGE_CODE
    )


def clean_locale(code: str | None) -> str:
    """A locale the caller sent, in row spelling; ``invalid_locale`` when the site lacks it."""
    locale = site_locale(code)
    if locale is None:
        raise InvalidInput(
            _("“%(locale)s” is not a language of this site.") % {"locale": code},
            code="invalid_locale",
        )
    return locale


def same_locale(a: str | None, b: str | None) -> bool:
    """Whether two stored or typed codes name the same language (any case)."""
    return (a or "").lower() == (b or "").lower()
