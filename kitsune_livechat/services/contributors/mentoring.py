"""The mentoring path: a newcomer applies, observes live chats, answers chats under a mentor's
supervision, and graduates into the helpers group.

Stages (``Trainee.Stage``): applied -> training (paired with a mentor) -> proposed (enough good
chats) -> graduated. Mentors are contributors with ``livechat.supervise_chats``.
In a supervised chat the trainee owns the chat (``ChatSession.helper``) and the mentor stays in
it as a ``Participant`` with the mentor role; the trainee's messages are stored as drafts that
only staff see, and reach the visitor when the mentor approves (or edits) them.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ... import realtime
from ...conf import livechat_settings
from ...exceptions import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from ...host import get_host_adapter
from ...models import ChatSession, KarmaAward, Message, Participant, Trainee
from ..conversation import roster
from ..conversation.messaging import post_system_message, store_message
from ..shared import notify
from ..shared.access import Caller, get_session_for
from ..shared.cleaning import clean_text
from ..shared.locks import for_update
from ..shared.roles import IN_TRAINING, is_helper, is_supervisor
from . import karma


def trainee_guide() -> str:
    """The short guide a new trainee gets when applying."""
    return _(
        "Welcome to live chat! Here is how the path works.\n"
        "1. A mentor pairs with you. Until then, read the chat rules and the top KB articles.\n"
        "2. Observe: knock on live chats to watch how helpers work. You only read; the visitor "
        "does not see you unless the site says so.\n"
        "3. Supervised chats: your mentor hands you a chat and stays in it. What you write waits "
        "for your mentor's approval (or edit) before the visitor sees it, and your mentor can "
        "whisper tips that only you two see.\n"
        "4. After %(observed)s observed and %(supervised)s supervised chats rated "
        "%(rating)s or better, you are proposed for graduation; your mentor confirms and you "
        "join the helpers."
    ) % {
        "observed": livechat_settings.GRADUATION_OBSERVED_CHATS,
        "supervised": livechat_settings.GRADUATION_SUPERVISED_CHATS,
        "rating": livechat_settings.GRADUATION_MIN_RATING,
    }


def _require_user(caller: Caller):
    if not caller.is_authenticated:
        raise NotAuthenticated()
    return caller.user


def _require_mentor(caller: Caller):
    user = _require_user(caller)
    if not is_supervisor(caller.account):
        raise Forbidden(_("Only mentors can do that."), code="not_mentor")
    return user


def still_mentors(user) -> bool:
    """A mentor who can still vouch for a trainee: an active account that supervises chats.

    A trainee whose mentor no longer does may be taken over by another mentor (``pair``).
    """
    return user is not None and user.is_active and is_supervisor(user)


def _locked_trainee(trainee_id) -> Trainee:
    try:
        return for_update(Trainee.objects.select_related("user")).get(pk=trainee_id)
    except (Trainee.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such trainee."), code="no_such_trainee") from None


def _notify(user_id: int, trainee: Trainee, event: str) -> None:
    """Tell a contributor's open consoles about a step on the path (agent socket)."""
    realtime.mentoring_changed(user_id, event=event, trainee=trainee_json(trainee))


def trainee_json(trainee: Trainee) -> dict:
    adapter = get_host_adapter()
    return {
        "id": trainee.pk,
        "display_name": adapter.display_name(trainee.user),
        "stage": trainee.stage,
        "mentor": adapter.display_name(trainee.mentor) if trainee.mentor_id else None,
        "applied": trainee.applied.isoformat(),
        "progress": progress(trainee),
    }


# --- Applying and pairing ---------------------------------------------------------------------


def apply(*, caller: Caller, motivation: str = "") -> tuple[Trainee, bool]:
    """A registered user applies as a trainee; applying again returns the same application."""
    user = _require_user(caller)
    if is_helper(caller.account):
        raise Conflict(_("You already answer chats."), code="already_helper")
    motivation = motivation.strip()
    if len(motivation) > livechat_settings.MAX_MESSAGE_LENGTH:
        raise InvalidInput(_("That is too long."), code="too_long")
    trainee, created = Trainee.objects.get_or_create(
        user=user, defaults={"motivation": motivation, "applied": timezone.now()}
    )
    return trainee, created


def pair(*, caller: Caller, trainee_id) -> Trainee:
    """A mentor takes on a trainee who has none yet, is theirs already, or whose mentor no
    longer mentors (deactivated, or without ``supervise_chats``)."""
    mentor = _require_mentor(caller)
    with transaction.atomic():
        trainee = _locked_trainee(trainee_id)
        if trainee.user_id == mentor.pk:
            raise InvalidInput(_("You cannot mentor yourself."), code="self_mentoring")
        if trainee.stage == Trainee.Stage.GRADUATED:
            raise Conflict(_("This trainee has graduated."), code="graduated")
        if trainee.mentor_id not in (None, mentor.pk) and still_mentors(trainee.mentor):
            raise Conflict(_("This trainee already has a mentor."), code="already_paired")
        trainee.mentor = mentor
        if trainee.stage == Trainee.Stage.APPLIED:
            trainee.stage = Trainee.Stage.TRAINING
        trainee.save(update_fields=["mentor", "stage"])
        _notify(trainee.user_id, trainee, "paired")
    return trainee


def training(user) -> Trainee | None:
    """The user's trainee record while they are on the path with a mentor, else None."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Trainee.objects.filter(user=user, stage__in=IN_TRAINING, mentor__isnull=False)
        .select_related("mentor")
        .first()
    )


def own_trainee(user_id: int | None) -> Trainee | None:
    """A person's own place on the mentoring path, if they applied."""
    if user_id is None:
        return None
    return Trainee.objects.filter(user_id=user_id).select_related("user", "mentor").first()


def trainees_for(caller: Caller) -> list[Trainee]:
    """What a mentor's console lists: their own trainees and applicants waiting for a mentor."""
    mentor = _require_mentor(caller)
    return list(
        Trainee.objects.filter(Q(mentor=mentor) | Q(mentor__isnull=True))
        .exclude(stage=Trainee.Stage.GRADUATED)
        .select_related("user", "mentor")
        .order_by("applied")
    )


# --- Supervised chats -------------------------------------------------------------------------


def hand_over(*, caller: Caller, session_id, trainee_id, supervised: bool = True) -> ChatSession:
    """The chat's helper hands it to their trainee and stays in it as the mentor.

    The trainee becomes the chat's helper; with ``supervised`` their messages wait for the
    mentor's approval. The visitor is told who is helping now.
    """
    mentor = _require_mentor(caller)
    with transaction.atomic():
        access = get_session_for(caller, session_id, for_update=True)
        session = access.session
        if session.helper_id != mentor.pk:
            raise Forbidden(_("Only the chat's helper can hand it over."), code="not_owner")
        if session.status != ChatSession.Status.ACTIVE:
            raise Conflict(_("This chat is not active."), code="not_active")
        trainee = _locked_trainee(trainee_id)
        if trainee.mentor_id != mentor.pk or trainee.stage not in IN_TRAINING:
            raise Forbidden(_("This is not a trainee of yours."), code="not_your_trainee")
        now = timezone.now()
        Participant.objects.update_or_create(
            session=session,
            user=mentor,
            defaults={
                "role": Participant.Role.MENTOR,
                "state": Participant.State.ACTIVE,
                "visible": True,
                "joined_at": now,
                "left_at": None,
            },
        )
        # An observing trainee now owns the chat: their observer seat is closed.
        Participant.objects.filter(session=session, user=trainee.user).update(
            state=Participant.State.LEFT, left_at=now
        )
        session.helper = trainee.user
        session.supervised = supervised
        session.save(update_fields=["helper", "supervised"])
        adapter = get_host_adapter()
        post_system_message(
            session,
            gettext_lazy("%(trainee)s is now helping you, together with %(mentor)s."),
            trainee=adapter.display_name(trainee.user),
            mentor=adapter.display_name(mentor),
        )
        notify.session_status_changed(session, change="handed_over")
        roster.announce(session, visible_changed=False)
        realtime.agent_chat_changed(trainee.user_id, session, change="assigned")
        _notify(trainee.user_id, trainee, "handed_over")
    return session


def _is_mentor_of(access, user) -> bool:
    participant = access.participant
    if participant is not None and participant.role == Participant.Role.MENTOR:
        return True
    return Trainee.objects.filter(user_id=access.session.helper_id, mentor=user).exists()


def _draft_under_review(caller: Caller, user, session_id, seq: int, *, refusal: str):
    """Inside the caller's transaction: the chat's access, the locked draft at ``seq`` and
    the message that already answered it (published text or rejecting whisper), if any.
    Only the trainee's mentor reviews (``refusal`` says so otherwise)."""
    access = get_session_for(caller, session_id, for_update=True)
    if not access.is_staff or not _is_mentor_of(access, user):
        raise Forbidden(refusal, code="not_mentor")
    draft = (
        Message.objects.select_for_update()
        .filter(session=access.session, seq=seq, kind=Message.Kind.DRAFT)
        .first()
    )
    if draft is None:
        raise NotFound(_("No such draft."), code="no_such_draft")
    return access, draft, Message.objects.filter(draft=draft).first()


def approve_draft(
    *, caller: Caller, session_id, seq: int, body: str | None = None
) -> tuple[Message, bool]:
    """Publish a trainee's draft to the visitor, as written or edited by the mentor.

    The published message is a new visible text message pointing at the draft, with the
    mentor as ``approved_by`` and the trainee as its author. Approving twice returns the
    first published message (False: nothing new).
    """
    user = _require_user(caller)
    with transaction.atomic():
        access, draft, published = _draft_under_review(
            caller,
            user,
            session_id,
            seq,
            refusal=_("Only the trainee's mentor can approve drafts."),
        )
        session = access.session
        if published is not None and published.kind != Message.Kind.TEXT:
            raise Conflict(_("This draft was turned down."), code="draft_rejected")
        if published is not None:
            return published, False
        if not session.is_open:
            raise Conflict(_("This chat has ended."), code="chat_ended")
        text = (draft.body if body is None else body).strip()
        if not text:
            raise InvalidInput(_("The message is empty."), code="empty")
        if len(text) > livechat_settings.MAX_MESSAGE_LENGTH:
            raise InvalidInput(_("The message is too long."), code="too_long")
        message, _created = store_message(
            session_id=session.pk,
            body=text,
            role=Message.Role.HELPER,
            kind=Message.Kind.TEXT,
            author=draft.author,
            author_name=draft.author_name,
            client_msg_id=f"approved-draft-{draft.pk}",
            first_response=True,
        )
        Message.objects.filter(pk=message.pk).update(draft=draft, approved_by=user)
        message.draft, message.approved_by = draft, user
        realtime.draft_approved(
            session.pk, draft_seq=draft.seq, seq=message.seq, edited=text != draft.body.strip()
        )
    return message, True


def reject_draft(*, caller: Caller, session_id, seq: int, reason: str) -> tuple[Message, bool]:
    """Turn a trainee's draft down with a word to them: a whisper from the mentor (never seen
    by the visitor) linked to the draft, which then can no longer be sent.

    Rejecting twice returns the first whisper (False: nothing new); an approved draft cannot
    be rejected any more.
    """
    user = _require_user(caller)
    reason = clean_text(reason, _("The reason"), livechat_settings.MAX_MESSAGE_LENGTH)
    if not reason:
        raise InvalidInput(_("Tell your trainee why."), code="empty_reason")
    with transaction.atomic():
        access, draft, answered = _draft_under_review(
            caller, user, session_id, seq, refusal=_("Only the trainee's mentor can reject drafts.")
        )
        session = access.session
        if answered is not None and answered.kind == Message.Kind.TEXT:
            raise Conflict(_("This draft was already sent."), code="draft_approved")
        if answered is not None:
            return answered, False
        if not session.is_open:
            raise Conflict(_("This chat has ended."), code="chat_ended")
        message, _created = store_message(
            session_id=session.pk,
            body=reason,
            role=Message.Role(access.role.value),
            kind=Message.Kind.WHISPER,
            author=user,
            author_name=get_host_adapter().display_name(user),
            client_msg_id=f"rejected-draft-{draft.pk}",
        )
        Message.objects.filter(pk=message.pk).update(draft=draft)
        message.draft = draft
        realtime.draft_rejected(session.pk, draft_seq=draft.seq, seq=message.seq)
    return message, True


# --- Graduation -------------------------------------------------------------------------------


def _supervised_chats(trainee: Trainee):
    return ChatSession.objects.filter(
        helper_id=trainee.user_id,
        supervised=True,
        status=ChatSession.Status.ENDED,
        rating__score__gte=livechat_settings.GRADUATION_MIN_RATING,
    )


def progress(trainee: Trainee) -> dict:
    """Chats counted towards graduation: observed ones (watched to the end, someone else's) and
    supervised ones the trainee answered with a rating of ``GRADUATION_MIN_RATING`` or more."""
    observed = (
        Participant.objects.filter(
            user_id=trainee.user_id,
            role=Participant.Role.TRAINEE,
            joined_at__isnull=False,
            session__status=ChatSession.Status.ENDED,
        )
        .exclude(session__helper_id=trainee.user_id)
        .count()
    )
    supervised = _supervised_chats(trainee).count()
    needed_observed = livechat_settings.GRADUATION_OBSERVED_CHATS
    needed_supervised = livechat_settings.GRADUATION_SUPERVISED_CHATS
    return {
        "observed": observed,
        "observed_needed": needed_observed,
        "supervised": supervised,
        "supervised_needed": needed_supervised,
        "ready": observed >= needed_observed and supervised >= needed_supervised,
    }


def _propose(trainee: Trainee) -> bool:
    """Move a ready trainee (locked by the caller) to "proposed" and tell their mentor."""
    if trainee.stage != Trainee.Stage.TRAINING or not progress(trainee)["ready"]:
        return False
    trainee.stage = Trainee.Stage.PROPOSED
    trainee.proposed = timezone.now()
    trainee.save(update_fields=["stage", "proposed"])
    if trainee.mentor_id:
        _notify(trainee.mentor_id, trainee, "proposed")
    return True


def propose(*, caller: Caller, trainee_id) -> Trainee:
    """The trainee (or their mentor) asks for graduation; refused until the chats are done."""
    user = _require_user(caller)
    with transaction.atomic():
        trainee = _locked_trainee(trainee_id)
        if user.pk not in (trainee.user_id, trainee.mentor_id):
            raise NotFound(_("No such trainee."), code="no_such_trainee")
        if trainee.stage in (Trainee.Stage.PROPOSED, Trainee.Stage.GRADUATED):
            return trainee
        if trainee.stage != Trainee.Stage.TRAINING:
            raise Conflict(_("A mentor has to pair with you first."), code="no_mentor")
        if not _propose(trainee):
            raise Conflict(_("Not enough good chats yet."), code="not_ready")
    return trainee


def propose_ready_trainees(session: ChatSession) -> list[Trainee]:
    """After a chat ends or is rated: propose the trainees in it who have now done enough."""
    trainee_users = {session.helper_id} | set(
        Participant.objects.filter(
            session=session, role=Participant.Role.TRAINEE, joined_at__isnull=False
        ).values_list("user_id", flat=True)
    )
    proposed = []
    with transaction.atomic():
        for trainee in Trainee.objects.select_for_update().filter(
            user_id__in=trainee_users - {None}, stage=Trainee.Stage.TRAINING
        ):
            if _propose(trainee):
                proposed.append(trainee)
    return proposed


def helpers_group() -> Group:
    """The group graduates join (``LIVECHAT_HELPERS_GROUP``), made with ``answer_chats``."""
    group, _created = Group.objects.get_or_create(name=livechat_settings.HELPERS_GROUP)
    permission = Permission.objects.get(content_type__app_label="livechat", codename="answer_chats")
    group.permissions.add(permission)
    return group


def _last_training_chat(trainee: Trainee) -> ChatSession | None:
    """The chat that completed the path: the last good supervised one, else the last observed.

    The graduation award is tied to it, which keeps it once per trainee under the ledger's
    (user, action, session) rule while a mentor can be credited for every trainee.
    """
    supervised = _supervised_chats(trainee).order_by("-ended_at", "-created").first()
    if supervised is not None:
        return supervised
    return (
        ChatSession.objects.filter(
            participants__user_id=trainee.user_id,
            participants__role=Participant.Role.TRAINEE,
            participants__joined_at__isnull=False,
        )
        .order_by("-ended_at", "-created")
        .first()
    )


def graduate(*, caller: Caller, trainee_id) -> Trainee:
    """The trainee's own mentor confirms them: they join the helpers group, the mentor is
    credited. Only that mentor vouches for them; another supervisor first takes the trainee over
    (``pair``, possible once the mentor no longer mentors). Confirming twice changes nothing.
    """
    mentor = _require_mentor(caller)
    with transaction.atomic():
        trainee = _locked_trainee(trainee_id)
        if trainee.user_id == mentor.pk:
            raise Forbidden(_("You cannot graduate yourself."), code="self_mentoring")
        if trainee.mentor_id != mentor.pk:
            raise Forbidden(_("This is not a trainee of yours."), code="not_your_trainee")
        if trainee.stage == Trainee.Stage.GRADUATED:
            return trainee
        if trainee.stage != Trainee.Stage.PROPOSED and not (
            trainee.stage == Trainee.Stage.TRAINING and _propose(trainee)
        ):
            raise Conflict(_("This trainee is not ready to graduate."), code="not_ready")
        trainee.user.groups.add(helpers_group())
        trainee.stage = Trainee.Stage.GRADUATED
        trainee.graduated = timezone.now()
        trainee.graduated_by = mentor
        trainee.save(update_fields=["stage", "graduated", "graduated_by"])
        credited = trainee.mentor or mentor
        karma.award(credited, KarmaAward.Action.TRAINEE_GRADUATED, _last_training_chat(trainee))
        _notify(trainee.user_id, trainee, "graduated")
    return trainee
