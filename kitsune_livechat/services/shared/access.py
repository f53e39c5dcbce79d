"""Who is calling and what they may see: the one access gate for chats.

Every door (HTTP route, WebSocket consumer, view) loads a chat through ``get_session_for``,
so "missing" and "not yours" look the same to the caller and the rules live in one place.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now
from django.utils import timezone

from ...conf import livechat_settings
from ...exceptions import NotFound
from ...models import ChatSession, Participant
from .roles import (
    answers_chats,
    chat_perms_unchanged,
    has_livechat_perm,
    in_training,
    is_supervisor,
    training_rows,
)

TOKEN_SALT = "kitsune_livechat.visitor"


@dataclass(frozen=True)
class Caller:
    """A logged-in user, or an anonymous visitor known by the key inside their signed token."""

    user: object | None = None
    anonymous_key: str = ""

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user is not None and self.user.is_authenticated)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.is_authenticated else None

    @property
    def account(self):
        """The logged-in user, or None for an anonymous visitor (who acts by key)."""
        return self.user if self.is_authenticated else None

    def has_perm(self, codename: str) -> bool:
        return self.is_authenticated and has_livechat_perm(self.user, codename)


def login_session_alive(caller: Caller, session_key: str | None) -> bool:
    """Whether the login session a socket was opened with still belongs to the caller.

    A logout (or expiry, or a login as someone else) ends it, so a socket opened before must
    stop. One read of the session store. Anonymous visitors, known by their token, and sockets
    authenticated without a login session (``session_key`` None) have none to lose.
    """
    if not caller.is_authenticated or session_key is None:
        return True
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return str(store.load().get(SESSION_KEY, "")) == str(caller.user_id)


def login_session_condition(caller: Caller, session_key: str | None) -> Q | None:
    """``login_session_alive`` as a condition a statement can carry, so a write that must stop at
    a logout needs no read first: Q() when there is no login session to lose, None when the
    session store is not in the database (the caller then reads it with
    ``login_session_alive``).

    A logout deletes the session row and a login as someone else replaces its key, so the row
    being there, unexpired, is the login still standing.
    """
    if not caller.is_authenticated or session_key is None:
        return Q()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store, DatabaseSessionStore):
        return None
    rows = store.get_model_class()._default_manager.filter(
        session_key=session_key, expire_date__gt=Now()
    )
    return Q(Exists(rows))


def current_caller(caller: Caller, session_key: str | None) -> Caller | None:
    """The caller as the database knows them now, or None when their login session ended or
    their account was deactivated.

    The user is read again, so permissions taken away since the socket opened no longer count
    (Django caches them on the user object a socket keeps).
    """
    if not caller.is_authenticated:
        return caller
    users = get_user_model()._default_manager.filter(pk=caller.user_id, is_active=True)
    login = login_session_condition(caller, session_key)
    if login is None:
        if not login_session_alive(caller, session_key):
            return None
    else:
        users = users.filter(login)  # the login and the account in one read
    user = users.first()
    if user is None:
        return None
    return Caller(user=user, anonymous_key=caller.anonymous_key)


def new_anonymous_key() -> str:
    return secrets.token_urlsafe(24)


def make_visitor_token(anonymous_key: str) -> str:
    """A signed token for an anonymous visitor: unguessable, and useless if tampered with."""
    return signing.dumps(anonymous_key, salt=TOKEN_SALT, compress=False)


def read_visitor_token(token: str) -> str | None:
    try:
        return signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None


class ChatRole(StrEnum):
    VISITOR = "visitor"
    HELPER = "helper"
    OBSERVER = "observer"


@dataclass(frozen=True)
class SessionAccess:
    session: ChatSession
    role: ChatRole
    participant: Participant | None = None

    @property
    def is_staff(self) -> bool:
        """Helpers and observers see whispers and notes; the visitor never does."""
        return self.role != ChatRole.VISITOR


OBSERVER_ROLES = (Participant.Role.MONITOR, Participant.Role.TRAINEE)


def _participant_entitled(caller: Caller, participant: Participant) -> bool:
    """A participant row admits only while its role's standing holds: monitors and mentors
    still supervise, helpers still answer chats, trainees are still in training."""
    if participant.role in (Participant.Role.MONITOR, Participant.Role.MENTOR):
        return is_supervisor(caller.account)
    if participant.role == Participant.Role.TRAINEE:
        # Contributors may knock to learn the ropes too; trainees need their mentor.
        return answers_chats(caller.account) or in_training(caller.user_id)
    return answers_chats(caller.account)


def visitor_token_expired(session: ChatSession) -> bool:
    """An anonymous visitor's token opens a chat until ``LIVECHAT_VISITOR_TOKEN_GRACE`` seconds
    after it ended: long enough to rate it and save the transcript, not a key kept forever."""
    if session.ended_at is None:
        return False
    grace = timedelta(seconds=livechat_settings.VISITOR_TOKEN_GRACE)
    return session.ended_at < timezone.now() - grace


def role_in_session(caller: Caller, session: ChatSession) -> SessionAccess | None:
    """The caller's role in this chat, or None when they have no business in it."""
    if caller.anonymous_key and session.anonymous_key == caller.anonymous_key:
        if visitor_token_expired(session):
            return None
        return SessionAccess(session, ChatRole.VISITOR)
    if not caller.is_authenticated:
        return None
    if session.visitor_id == caller.user_id:
        return SessionAccess(session, ChatRole.VISITOR)
    if session.helper_id == caller.user_id:
        # A trainee handed a chat by their mentor holds it without the permission.
        if session.supervised or answers_chats(caller.account) or in_training(caller.user_id):
            return SessionAccess(session, ChatRole.HELPER)
        return None
    participant = (
        Participant.objects.filter(
            session=session, user_id=caller.user_id, state=Participant.State.ACTIVE
        )
        .only("id", "role", "visible")
        .first()
    )
    if participant is not None and _participant_entitled(caller, participant):
        role = ChatRole.OBSERVER if participant.role in OBSERVER_ROLES else ChatRole.HELPER
        return SessionAccess(session, role, participant)
    if is_supervisor(caller.account):
        return SessionAccess(session, ChatRole.OBSERVER)
    return None


def get_session_for(caller: Caller, session_id, *, for_update: bool = False) -> SessionAccess:
    """Load a chat the caller may see, with their role; NotFound otherwise."""
    queryset = ChatSession.objects.select_related("queue")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    try:
        session = queryset.get(pk=session_id)
    except (ChatSession.DoesNotExist, ValueError, ValidationError):
        raise NotFound() from None
    access = role_in_session(caller, session)
    if access is None:
        raise NotFound()
    return access


def still_admitted(caller: Caller, access: SessionAccess) -> Q:
    """The access gate's answer for ``access`` as a condition on the chat's row: true while the
    caller still holds the place that gave them that role (the visitor's key or account, the
    chat's helper, an active participant row with the same role and visibility, the training
    that admits a trainee without a helper's permission).

    A socket admitted once by ``get_session_for`` writes with this condition in the statement
    itself, so a helper transferred away or a participant removed since is refused by the
    database without a read first. Permissions are those of the caller object, as in the gate;
    their changes reach sockets as a re-check event (``receivers``).
    """
    session = access.session
    if access.role == ChatRole.VISITOR:
        if caller.anonymous_key and session.anonymous_key == caller.anonymous_key:
            return Q(anonymous_key=caller.anonymous_key)
        return Q(visitor_id=caller.user_id)
    participant = access.participant
    if participant is not None:
        rows = Participant.objects.filter(
            pk=participant.pk,
            session_id=OuterRef("pk"),
            state=Participant.State.ACTIVE,
            role=participant.role,
            visible=participant.visible,
        )
        held = Q(Exists(rows)) & ~Q(helper_id=caller.user_id)
        if participant.role == Participant.Role.TRAINEE and not answers_chats(caller.account):
            held &= Q(Exists(training_rows(caller.user_id)))
        return held
    if session.helper_id == caller.user_id:
        held = Q(helper_id=caller.user_id)
        if not answers_chats(caller.account):
            # A trainee's chat: theirs while supervised (which takes the full send) or while
            # in training.
            held &= Q(Exists(training_rows(caller.user_id)))
        return held
    # A supervisor observing without a participant row: their permission admits them.
    return ~Q(helper_id=caller.user_id)


def standing(caller: Caller, access: SessionAccess, session_key: str | None) -> Q | None:
    """Everything the gate read to give ``access`` (the chat's row as it was, the caller's
    place in it, their login, account and chat-role permissions) as one condition on the
    chat's row: true while the gate would still answer the same, so a socket's periodic
    re-check is one read while nothing changed, and the whole gate when anything did.

    None when part of it cannot be a condition (a session store or permission backend outside
    the database, an anonymous visitor's token that expires with time): the gate then runs.
    """
    session = access.session
    held = Q(
        pk=session.pk,
        status=session.status,
        queue_id=session.queue_id,
        supervised=session.supervised,
        visitor_name=session.visitor_name,
    )
    held &= Q(helper_id=session.helper_id) if session.helper_id else Q(helper_id__isnull=True)
    held &= still_admitted(caller, access)
    if caller.is_authenticated:
        login = login_session_condition(caller, session_key)
        if access.is_staff:
            account = chat_perms_unchanged(caller.account)
        else:
            users = get_user_model()._default_manager.filter(pk=caller.user_id, is_active=True)
            account = Q(Exists(users))
        if login is None or account is None:
            return None
        held &= login & account
    elif session.ended_at is not None:
        return None  # its token runs out at a time, not at a change
    if access.role == ChatRole.OBSERVER and access.participant is None:
        # An observer by permission alone: a participant row, were one added, would answer.
        rows = Participant.objects.filter(
            session_id=OuterRef("pk"), user_id=caller.user_id, state=Participant.State.ACTIVE
        )
        held &= ~Q(Exists(rows))
    return held


def current_access(
    caller: Caller, session_key: str | None, session_id
) -> tuple[Caller | None, SessionAccess | None]:
    """``current_caller`` and then the gate for that caller, in one trip to the database:
    (None, None) when the login ended, (caller, None) when they may no longer see the chat."""
    fresh = current_caller(caller, session_key)
    if fresh is None:
        return None, None
    try:
        return fresh, get_session_for(fresh, session_id)
    except NotFound:
        return fresh, None


def session_exists(session_id) -> bool:
    """Whether any chat has this id: the chat socket tells "no such chat" (4404) from "not
    allowed" (4403), as docs/websocket-protocol.md asks. Ids are random UUIDs, so this tells a
    stranger nothing they could use."""
    try:
        return ChatSession.objects.filter(pk=session_id).exists()
    except (ValueError, ValidationError):
        return False
