"""Cleaning free-text input that several services take (form fields, notes, reasons), so each
field is trimmed, limited and reported the same way whichever door it came through."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ...exceptions import InvalidInput


def clean_text(value: Any, label: str, limit: int) -> str:
    """``value`` trimmed ("" for None); ``too_long`` naming ``label`` past ``limit`` characters."""
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise InvalidInput(
            _("%(label)s is too long (at most %(max)d characters).")
            % {"label": label, "max": limit},
            code="too_long",
        )
    return text


def clean_email(email: str | None) -> str:
    """A valid email address, or "" when none was given."""
    email = (email or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Enter a valid email address."), code="invalid_email") from None
    return email


# Deeper than any frame or body the app defines; walking stops here instead of recursing.
MAX_DEPTH = 16


def check_structure(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse NUL characters in any string (keys included) and nesting past ``max_depth``.

    PostgreSQL cannot store NUL in text, so one stray ``\\x00`` would otherwise surface as a
    server error wherever the string reaches a query. Walked with a stack, not recursion, so a
    hostile nesting cannot exhaust Python's stack either. Raises InvalidInput (``nul_byte`` or
    ``too_deep``).
    """
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise InvalidInput(_("Text must not contain NUL characters."), code="nul_byte")
            continue
        if not isinstance(item, dict | list | tuple):
            continue
        if depth >= max_depth:
            raise InvalidInput(_("The data is nested too deeply."), code="too_deep")
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
