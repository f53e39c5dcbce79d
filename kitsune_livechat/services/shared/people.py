"""People as the app shows them: users loaded in one query, with the host's profile joined when
the user model has one, so display names and profile links cost no query per person."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from ...exceptions import NotFound
from ...host import get_host_adapter


def users_for_display(ids: Iterable[int]) -> dict[int, Any]:
    """Users by id, each with its profile already loaded when the host has one."""
    User = get_user_model()
    users = User._default_manager.filter(pk__in=list(ids))
    try:
        profile = User._meta.get_field("profile")
    except FieldDoesNotExist:
        return users.in_bulk()
    if profile.one_to_one or profile.many_to_one:
        users = users.select_related("profile")
    return users.in_bulk()


def display_names(ids: Iterable[int]) -> dict[int, str]:
    """The host's display name of each user, by id, in one query."""
    adapter = get_host_adapter()
    return {pk: adapter.display_name(user) for pk, user in users_for_display(ids).items()}


def active_user_named(username: str) -> Any:
    """The active account with this username, or NotFound: public pages name people by it."""
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}, is_active=True).first()
    if user is None:
        raise NotFound(_("No such person."), code="no_such_user")
    return user
