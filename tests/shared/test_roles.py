"""Livechat permissions read in one statement answer exactly as ``user.has_perm`` does."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings

from kitsune_livechat.services.shared.roles import has_livechat_perm, is_helper
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as a new request loads it: nothing cached on the object."""
    return get_user_model()._default_manager.get(pk=user.pk)


def answer_chats():
    return Permission.objects.get(content_type__app_label="livechat", codename="answer_chats")


def grantings():
    direct = UserFactory()
    direct.user_permissions.add(answer_chats())
    grouped = UserFactory()
    group = Group.objects.create(name="helpers")
    group.permissions.add(answer_chats())
    grouped.groups.add(group)
    inactive = UserFactory(is_active=False)
    inactive.user_permissions.add(answer_chats())
    superuser = UserFactory(is_superuser=True)
    inactive_superuser = UserFactory(is_superuser=True, is_active=False)
    # The same codename in another app grants nothing here.
    elsewhere = Permission.objects.create(
        codename="answer_chats",
        name="Answer chats elsewhere",
        content_type=ContentType.objects.get_for_model(Group),
    )
    other_app = UserFactory()
    other_app.user_permissions.add(elsewhere)
    nobody = UserFactory()
    return [direct, grouped, inactive, superuser, inactive_superuser, other_app, nobody]


def test_one_statement_answers_as_has_perm(django_assert_num_queries):
    users = grantings()
    expected = [fresh(user).has_perm("livechat.answer_chats") for user in users]
    assert expected == [True, True, False, True, False, False, False]
    for user, answer in zip(users, expected, strict=True):
        user = fresh(user)
        with django_assert_num_queries(1 if user.is_active and not user.is_superuser else 0):
            assert has_livechat_perm(user, "answer_chats") is answer
        with django_assert_num_queries(0):  # asked again in the same request: remembered
            assert is_helper(user) is answer


def test_anonymous_callers_hold_nothing():
    assert not has_livechat_perm(AnonymousUser(), "answer_chats")
    assert not has_livechat_perm(None, "answer_chats")


class Refusing(ModelBackend):
    """A site backend with its own rule: nobody answers chats on Sundays, say."""

    def has_perm(self, user_obj, perm, obj=None):
        return False


@override_settings(AUTHENTICATION_BACKENDS=["tests.shared.test_roles.Refusing"])
def test_other_backends_are_asked_through_has_perm():
    user = UserFactory()
    user.user_permissions.add(answer_chats())
    assert not has_livechat_perm(fresh(user), "answer_chats")


@override_settings(
    AUTHENTICATION_BACKENDS=[
        "tests.shared.test_roles.Refusing",
        "django.contrib.auth.backends.ModelBackend",
    ]
)
def test_a_backend_among_others_is_still_asked():
    user = UserFactory()
    user.user_permissions.add(answer_chats())
    user = fresh(user)
    assert has_livechat_perm(user, "answer_chats") is user.has_perm("livechat.answer_chats")
