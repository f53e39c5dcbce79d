"""What the app hears from Django and the host about accounts: logins ending, accounts being
deactivated, permissions and groups changing. These happen outside the app's services (the
admin, the host's own views), so signals are the only way to hear of them; each only tells the
user's open sockets to re-check their access (``realtime.access_changed``).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_save

from . import realtime

# Saves that never change who may do what (a login stamps last_login).
HARMLESS_FIELDS = frozenset({"last_login"})


def logged_out(sender, request, user, **kwargs):
    if user is not None:
        realtime.access_changed(user.pk)


def user_saved(sender, instance, created, update_fields=None, **kwargs):
    if created or (update_fields and set(update_fields) <= HARMLESS_FIELDS):
        return
    realtime.access_changed(instance.pk)


def user_m2m_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A user's groups or own permissions changed, from either side of the relation."""
    if action not in ("post_add", "post_remove", "post_clear", "pre_clear"):
        return
    if action == "pre_clear":
        # The rows are gone after the clear: collect the users before.
        if reverse:
            instance._livechat_cleared = list(instance.user_set.values_list("pk", flat=True))
        return
    if not reverse:
        users = [instance.pk]
    elif action == "post_clear":
        users = getattr(instance, "_livechat_cleared", [])
    else:
        users = list(pk_set or ())
    for user_id in users:
        realtime.access_changed(user_id)


def group_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A group's permissions changed: every member re-checks."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    groups = Group.objects.filter(pk__in=pk_set or ()) if reverse else [instance]
    User = get_user_model()
    for user_id in User._default_manager.filter(groups__in=groups).values_list("pk", flat=True):
        realtime.access_changed(user_id)


def connect() -> None:
    """Connected once, from the app config's ``ready``."""
    User = get_user_model()
    user_logged_out.connect(logged_out, dispatch_uid="livechat.logged_out")
    post_save.connect(user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="livechat.user")
    m2m_changed.connect(
        user_m2m_changed, sender=User.groups.through, dispatch_uid="livechat.user_groups"
    )
    m2m_changed.connect(
        user_m2m_changed,
        sender=User.user_permissions.through,
        dispatch_uid="livechat.user_permissions",
    )
    m2m_changed.connect(
        group_permissions_changed,
        sender=Group.permissions.through,
        dispatch_uid="livechat.group_permissions",
    )
