"""Who counts as what among contributors: the one home of roles and training stages.

Helpers answer chats (``answer_chats``), supervisors watch and mentor (``supervise_chats``),
operators run focus campaigns (``manage_focus``, supervisors and staff too), insight readers
see the figures (``view_insights``). Trainees move
applied -> training -> proposed -> graduated; "in training" means training or proposed. Every
door and service asks here, so the rules cannot drift apart between copies.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_backends, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Exists, Q
from django.utils.translation import gettext as _

from ...exceptions import Forbidden, NotAuthenticated
from ...models import Message, Trainee

PERM_APP = "livechat"

# Trainees on the path: they observe and take supervised chats; their text is a draft.
IN_TRAINING = (Trainee.Stage.TRAINING, Trainee.Stage.PROPOSED)


def _authenticated(user) -> bool:
    return bool(user is not None and user.is_authenticated)


# What ModelBackend asks itself to answer ``has_perm``: a backend that redefines none of these
# answers exactly as the one statement of ``_granted`` does.
_MODEL_BACKEND_STEPS = (
    "has_perm",
    "get_all_permissions",
    "get_user_permissions",
    "get_group_permissions",
    "_get_permissions",
    "_get_user_permissions",
    "_get_group_permissions",
)
_STATEMENT: dict[str, str] = {}


def _plain_model_backends() -> bool:
    """Every configured backend answers permissions as ModelBackend (or not at all)."""
    backends = get_backends()
    return any(isinstance(b, ModelBackend) for b in backends) and all(
        not hasattr(b, "has_perm")
        or (
            isinstance(b, ModelBackend)
            and all(
                getattr(type(b), step) is getattr(ModelBackend, step)
                for step in _MODEL_BACKEND_STEPS
            )
        )
        for b in backends
    )


def _granted(user, codename: str) -> bool:
    """Whether ``user`` holds ``livechat.<codename>`` directly or through a group: one
    statement instead of ModelBackend's two reads of every permission they hold."""
    if "sql" not in _STATEMENT:
        quote = connection.ops.quote_name
        User = get_user_model()
        direct = User._meta.get_field("user_permissions")
        groups = User._meta.get_field("groups")
        granted = Group._meta.get_field("permissions")
        perms = quote(Permission._meta.db_table)
        types = quote(ContentType._meta.db_table)
        wanted = (
            f"SELECT p.id FROM {perms} p JOIN {types} t ON t.id = p.content_type_id"
            " WHERE p.codename = %s AND t.app_label = %s"
        )
        _STATEMENT["sql"] = (
            f"SELECT EXISTS (SELECT 1 FROM {quote(direct.m2m_db_table())}"
            f" WHERE {quote(direct.m2m_column_name())} = %s"
            f" AND {quote(direct.m2m_reverse_name())} IN ({wanted}))"
            f" OR EXISTS (SELECT 1 FROM {quote(groups.m2m_db_table())} ug"
            f" JOIN {quote(granted.m2m_db_table())} gp"
            f" ON gp.{quote(granted.m2m_column_name())} = ug.{quote(groups.m2m_reverse_name())}"
            f" WHERE ug.{quote(groups.m2m_column_name())} = %s"
            f" AND gp.{quote(granted.m2m_reverse_name())} IN ({wanted}))"
        )
    params = [user.pk, codename, PERM_APP, user.pk, codename, PERM_APP]
    with connection.cursor() as cursor:
        cursor.execute(_STATEMENT["sql"], params)
        return bool(cursor.fetchone()[0])


def has_livechat_perm(user, codename: str) -> bool:
    """``user.has_perm("livechat.<codename>")``, answered once per user object.

    With Django's ModelBackend (alone or with backends that do not answer permissions) it is
    one statement; any other backend is asked through ``has_perm`` as usual.
    """
    if not _authenticated(user):
        return False
    known = getattr(user, "_livechat_perms", None)
    if known is None:
        known = user._livechat_perms = {}  # on the user itself, through request.user's proxy
    if codename not in known:
        if hasattr(user, "_perm_cache") or not _plain_model_backends():
            known[codename] = user.has_perm(f"{PERM_APP}.{codename}")
        elif not user.is_active:
            known[codename] = False
        else:
            known[codename] = bool(user.is_superuser) or _granted(user, codename)
    return known[codename]


# The permissions that decide a chat role (``answers_chats``, ``is_supervisor``).
CHAT_ROLE_PERMS = ("answer_chats", "supervise_chats")


def chat_perms(user) -> tuple[bool, ...]:
    """What decides ``user``'s chat roles: the superuser flag and each of ``CHAT_ROLE_PERMS``."""
    if not _authenticated(user):
        return ()
    return (bool(user.is_superuser), *(has_livechat_perm(user, c) for c in CHAT_ROLE_PERMS))


def chat_perms_unchanged(user) -> Q | None:
    """True while ``user`` is active and ``chat_perms`` would answer as it did, no permission
    more or fewer: a condition any statement can carry, so a socket re-checks its standing in
    the read it makes anyway. None when a backend other than ModelBackend answers permissions
    (then only ``has_perm`` can)."""
    if not _plain_model_backends():
        return None
    superuser, *held = chat_perms(user)
    users = get_user_model()._default_manager.filter(
        pk=user.pk, is_active=True, is_superuser=superuser
    )
    unchanged = Q(Exists(users))
    if superuser:
        return unchanged
    for codename, had in zip(CHAT_ROLE_PERMS, held, strict=True):
        perms = Permission.objects.filter(codename=codename, content_type__app_label=PERM_APP)
        granted = Q(Exists(perms.filter(Q(user=user.pk) | Q(group__user=user.pk))))
        unchanged &= granted if had else ~granted
    return unchanged


def is_helper(user) -> bool:
    """Answers chats from the queue (``livechat.answer_chats``)."""
    return has_livechat_perm(user, "answer_chats")


def is_supervisor(user) -> bool:
    """Watches any chat and mentors trainees (``livechat.supervise_chats``)."""
    return has_livechat_perm(user, "supervise_chats")


def answers_chats(user) -> bool:
    """Helpers and supervisors: both may hold and work a chat."""
    return is_helper(user) or is_supervisor(user)


def reads_insights(user) -> bool:
    """Reads the insight pages, stats and exports (``livechat.view_insights``)."""
    return has_livechat_perm(user, "view_insights")


def is_operator(user) -> bool:
    """Focus campaigns are run by people with ``manage_focus``, chat supervisors and staff."""
    return _authenticated(user) and (
        user.is_staff or has_livechat_perm(user, "manage_focus") or is_supervisor(user)
    )


def on_training_path(user_id) -> bool:
    """A trainee in training or proposed, paired with a mentor or not yet."""
    return Trainee.objects.filter(user_id=user_id, stage__in=IN_TRAINING).exists()


def in_training(user_id) -> bool:
    """A trainee paired with a mentor and not graduated: may observe and take supervised chats.

    An applicant nobody has paired yet may not: a mentor vouches for whoever reads the staff
    side of a chat.
    """
    return training_rows(user_id).exists()


def training_rows(user_id):
    """The row that makes ``in_training`` true, as a query a statement can test with Exists."""
    return Trainee.objects.filter(user_id=user_id, stage__in=IN_TRAINING, mentor__isnull=False)


def is_trainee(user_id) -> bool:
    """Anyone who applied to be mentored and has not graduated (applicants included)."""
    return Trainee.objects.filter(user_id=user_id).exclude(stage=Trainee.Stage.GRADUATED).exists()


def console_role(user) -> str:
    """``supervisor`` or ``helper`` by permission, ``trainee`` on the training path, else ""."""
    if is_supervisor(user):
        return "supervisor"
    if is_helper(user):
        return "helper"
    if _authenticated(user) and on_training_path(user.pk):
        return "trainee"
    return ""


def message_kind_for(session, user, kind: str) -> str:
    """The kind a message is stored as: in a supervised chat, the trainee's text becomes a draft.

    Called by the one code path that stores what chat participants send (HTTP and socket).
    """
    if (
        kind == Message.Kind.TEXT
        and session.supervised
        and user is not None
        and session.helper_id == user.pk
        and on_training_path(user.pk)
    ):
        return Message.Kind.DRAFT
    return kind


def require_insights(caller: Any) -> None:
    """Insight pages, stats and exports are for people with ``livechat.view_insights``."""
    if not caller.is_authenticated:
        raise NotAuthenticated()
    if not reads_insights(caller.account):
        raise Forbidden(
            _("You need the permission to view live chat insights."), code="no_insights"
        )
