"""Cleaning free-text input that several services take (form fields, notes, reasons), so each
field is trimmed, limited and reported the same way whichever door it came through."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ..exceptions import InvalidInput


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
