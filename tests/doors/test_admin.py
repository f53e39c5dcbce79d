"""The Django admin as a staff user: every page renders, rows the services own cannot be edited,
and the admin actions change them through the services, with the API's permission rules."""

from datetime import timedelta

import pytest
from django.contrib import admin as django_admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from kitsune_livechat import admin as livechat_admin
from kitsune_livechat import models as lc
from kitsune_livechat import realtime
from tests.factories import (
    ActiveChatFactory,
    AgentStatusFactory,
    ArticleFeedbackFactory,
    EndedChatFactory,
    HelperFactory,
    MessageFactory,
    QueueFactory,
    RatingFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.queue(auto_assign=True)]

REGISTERED = sorted(
    (model for model in django_admin.site._registry if model._meta.app_label == "livechat"),
    key=lambda model: model._meta.model_name,
)


def staff(*, supervisor: bool = True):
    """A staff member who may view and change every live chat row in the admin; with
    ``supervisor`` also a chat supervisor (the services' rule for ending others' chats...)."""
    user = UserFactory(
        is_staff=True, perms=["answer_chats", "supervise_chats"] if supervisor else []
    )
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="livechat", codename__regex=r"^(view|change)_"
        )
    )
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def changelist(model) -> str:
    return reverse(f"admin:livechat_{model._meta.model_name}_changelist")


def change_page(row) -> str:
    return reverse(f"admin:livechat_{row._meta.model_name}_change", args=[row.pk])


def run_action(user, model, action: str, rows, **form):
    """Choose ``action`` for ``rows`` on the model's list, as the admin's list page posts it."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(row.pk) for row in rows], **form}
    if not form:
        data["index"] = "0"
    return client_for(user).post(changelist(model), data, follow=True)


def shown(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def one_of_each(queue):
    """A row of every model the admin lists, with the rows the change pages show inline."""
    ended = EndedChatFactory(queue=queue)
    MessageFactory(session=ended)
    ended.participants.create(user=HelperFactory(), role=lc.Participant.Role.MONITOR)
    trainee_user = UserFactory()
    rows = [
        queue,
        AgentStatusFactory(),
        ended,
        ended.messages.get(),
        ended.participants.get(),
        ArticleFeedbackFactory(session=ended),
        RatingFactory(session=ended),
        lc.KarmaAward.objects.create(user=ended.helper, action="chat_answered", points=1),
        lc.CannedResponse.objects.create(key="hello", title="Hello", body="Hi!"),
        lc.Focus.objects.create(title="Grey window", slug="grey"),
        lc.Ban.objects.create(user=ended.visitor, reason="Spam", session=ended),
        lc.Trainee.objects.create(user=trainee_user),
        lc.AbuseReport.objects.create(session=ended, helper=ended.helper, reason="Rude"),
    ]
    return {type(row): row for row in rows}


# --- Pages and read-only fields ---------------------------------------------------------------


@pytest.mark.slow
def test_every_list_and_change_page_renders(one_of_each):
    client = client_for(staff())
    assert set(REGISTERED) <= set(one_of_each), "add a row of the new model to one_of_each"
    for model in REGISTERED:
        listed = client.get(changelist(model))
        assert listed.status_code == 200, model
        page = client.get(change_page(one_of_each[model]))
        assert page.status_code == 200, model
        assert page.context["original"] == one_of_each[model]
        # Rows the services own have nothing to save; configuration rows do.
        assert page.context["show_save"] == (model in livechat_admin.OPERATOR_OWNED), model


def test_no_registered_admin_leaves_a_service_owned_field_editable(one_of_each):
    request = RequestFactory().get("/")
    request.user = staff()
    for model in REGISTERED:
        model_admin = django_admin.site._registry[model]
        assert (model in livechat_admin.SERVICE_OWNED) != (
            model in livechat_admin.OPERATOR_OWNED
        ), f"decide who owns {model.__name__}'s rows in admin.py"
        owned = set(livechat_admin.service_owned_fields(model))
        if model in livechat_admin.SERVICE_OWNED:
            assert owned, model
        for obj in (None, one_of_each[model]):
            editable = set(model_admin.get_form(request, obj).base_fields)
            assert not editable & owned, (model.__name__, editable & owned)
            for inline in model_admin.get_inline_instances(request, obj):
                formset = inline.get_formset(request, obj)
                inline_owned = set(livechat_admin.service_owned_fields(inline.model))
                assert not set(formset.form.base_fields) & inline_owned, inline
    # The configuration rows stay editable.
    assert "business_hours" in django_admin.site._registry[lc.Queue].get_form(request).base_fields


def test_posting_a_change_leaves_what_the_services_own_alone(chat):
    client = client_for(staff())
    other = HelperFactory()
    response = client.post(
        change_page(chat),
        {"status": "ended", "helper": other.pk, "problem": "Changed", "last_seq": 99},
    )
    assert response.status_code in (200, 302)
    before = (chat.status, chat.helper_id, chat.problem, chat.last_seq)
    chat.refresh_from_db()
    assert (chat.status, chat.helper_id, chat.problem, chat.last_seq) == before

    award = lc.KarmaAward.objects.create(user=other, action="chat_answered", points=1)
    # A complete, valid form for the row: an editable admin would store it.
    client.post(
        change_page(award),
        {
            "user": other.pk,
            "action": "good_rating",
            "session": "",
            "points": 500,
            "locale": "",
            "created_0": "2026-01-01",
            "created_1": "09:00:00",
        },
    )
    award.refresh_from_db()
    assert (award.points, award.action) == (1, "chat_answered")
    # Nor can ledger rows, chats or bans be added or deleted behind the services' backs.
    assert client.get(reverse("admin:livechat_karmaaward_add")).status_code == 403
    assert (
        client.post(reverse("admin:livechat_chatsession_delete", args=[chat.pk])).status_code == 403
    )
    assert lc.ChatSession.objects.filter(pk=chat.pk).exists()


def test_queues_stay_editable(queue):
    client = client_for(UserFactory(is_superuser=True, is_staff=True))
    data = {
        "name": "Everything",
        "slug": queue.slug,
        "is_default": "on",
        "is_active": "on",
        "business_hours": "{}",
        "time_zone": "UTC",
        "seconds_per_chat": 180,
        "full_multiplier": 2.0,
        "missed_timeout": 300,
        "long_wait": 120,
        "created_0": "2026-01-01",
        "created_1": "09:00:00",
    }
    response = client.post(change_page(queue), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    queue.refresh_from_db()
    assert (queue.name, queue.missed_timeout) == ("Everything", 300)


# --- Chat actions -----------------------------------------------------------------------------


def test_ending_chats_goes_through_the_service(
    chat, published, host_signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(staff(), lc.ChatSession, "end_chats", [chat])
    assert response.status_code == 200
    assert shown(response) == ["End the chats: done for 1 of 1."]
    chat.refresh_from_db()
    assert chat.status == lc.ChatSession.Status.ENDED and chat.ended_at is not None
    statuses = published.of_type(realtime.session_group(chat.pk), "status")
    assert statuses[-1]["status"] == "ended"
    assert [name for name, _ in host_signals] == ["chat_ended"]
    assert chat.messages.filter(kind=lc.Message.Kind.SYSTEM).exists()


def test_a_staff_member_who_does_not_supervise_is_refused(
    chat, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(staff(supervisor=False), lc.ChatSession, "end_chats", [chat])
    assert response.status_code == 200
    (message,) = shown(response)
    assert message.startswith(str(chat)) and "No such chat" in message
    chat.refresh_from_db()
    assert chat.status == lc.ChatSession.Status.ACTIVE
    assert published.frames == []


def test_a_helper_in_the_admin_ends_their_own_chat_but_not_someone_elses(queue):
    helper = staff(supervisor=False)
    helper.user_permissions.add(Permission.objects.get(codename="answer_chats"))
    mine = ActiveChatFactory(queue=queue, helper=helper)
    theirs = ActiveChatFactory(queue=queue)
    response = run_action(helper, lc.ChatSession, "end_chats", [mine, theirs])
    assert set(shown(response)) == {
        f"{theirs}: No such chat.",
        "End the chats: done for 1 of 2.",
    }
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("ended", "active")


def test_a_chat_already_ended_is_reported_not_changed(queue):
    ended = EndedChatFactory(queue=queue)
    response = run_action(staff(), lc.ChatSession, "end_chats", [ended])
    assert shown(response) == [f"{ended}: This chat has already ended."]


def test_transferring_a_chat_asks_where_then_hands_it_over(
    chat, published, django_capture_on_commit_callbacks
):
    user = staff()
    target = AgentStatusFactory().user
    asked = run_action(user, lc.ChatSession, "transfer_chats", [chat])
    assert asked.templates[0].name == "admin/livechat/action_form.html"
    assert "to_helper" in asked.context["form"].fields
    chat.refresh_from_db()
    assert chat.helper_id != target.pk

    with django_capture_on_commit_callbacks(execute=True):
        done = run_action(
            user,
            lc.ChatSession,
            "transfer_chats",
            [chat],
            apply="1",
            to_helper=target.username,
            note="Knows sync well",
        )
    assert shown(done) == ["Transfer the chats: done for 1 of 1."]
    chat.refresh_from_db()
    assert (chat.status, chat.helper_id) == (lc.ChatSession.Status.ACTIVE, target.pk)
    assert chat.messages.filter(kind=lc.Message.Kind.NOTE, body="Knows sync well").exists()
    assert published.of_type(realtime.session_group(chat.pk), "status")


def test_transferring_a_chat_back_to_a_queue(chat):
    other = QueueFactory()
    done = run_action(
        staff(), lc.ChatSession, "transfer_chats", [chat], apply="1", to_queue=other.slug
    )
    assert shown(done) == ["Transfer the chats: done for 1 of 1."]
    chat.refresh_from_db()
    assert (chat.status, chat.helper_id, chat.queue_id) == (
        lc.ChatSession.Status.WAITING,
        None,
        other.pk,
    )


def test_a_transfer_to_someone_who_is_not_a_helper_is_refused(chat):
    helper = chat.helper
    done = run_action(
        staff(), lc.ChatSession, "transfer_chats", [chat], apply="1", to_helper="nobody"
    )
    (message,) = shown(done)
    assert message.startswith(str(chat))
    chat.refresh_from_db()
    assert chat.helper_id == helper.pk


def test_banning_a_chats_visitor_ends_the_chat(chat, published, django_capture_on_commit_callbacks):
    user = staff()
    invalid = run_action(user, lc.ChatSession, "ban_visitors", [chat], apply="1", reason="")
    assert invalid.context["form"].errors and not lc.Ban.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = run_action(
            user, lc.ChatSession, "ban_visitors", [chat], apply="1", reason="Insults", days=7
        )
    assert shown(done) == ["Ban the chats' visitors: done for 1 of 1."]
    ban = lc.Ban.objects.get()
    assert (ban.user, ban.created_by, ban.session, ban.reason) == (
        chat.visitor,
        user,
        chat,
        "Insults",
    )
    assert timedelta(days=6, hours=23) < ban.expires - timezone.now() <= timedelta(days=7)
    chat.refresh_from_db()
    assert (chat.status, chat.end_reason) == (lc.ChatSession.Status.ENDED, "banned")
    assert published.of_type(realtime.session_group(chat.pk), "status")[-1]["status"] == "ended"


def test_lifting_a_ban_is_for_supervisors(chat, published, django_capture_on_commit_callbacks):
    ban = lc.Ban.objects.create(user=chat.visitor, reason="Spam", session=chat)
    refused = run_action(staff(supervisor=False), lc.Ban, "lift_bans", [ban])
    assert shown(refused) == [f"{ban}: Only supervisors can do that."]
    ban.refresh_from_db()
    assert ban.lifted_at is None

    user = staff()
    with django_capture_on_commit_callbacks(execute=True):
        lifted = run_action(user, lc.Ban, "lift_bans", [ban])
    assert shown(lifted) == ["Lift the bans: done for 1 of 1."]
    ban.refresh_from_db()
    assert ban.lifted_by == user and ban.expires <= timezone.now()
    assert ("livechat.floor", "floor_changed") in [(g, n) for g, n, _ in published.signals]


# --- Karma --------------------------------------------------------------------------------------


def test_karma_is_awarded_through_the_ledger_once(queue):
    ended = EndedChatFactory(queue=queue)
    user = staff()
    for _attempt in range(2):
        done = run_action(
            user,
            lc.ChatSession,
            "award_karma",
            [ended],
            apply="1",
            karma_action="good_rating",
        )
        assert shown(done) == ["Award karma to the chats' helpers: done for 1 of 1."]
    award = lc.KarmaAward.objects.get()
    assert (award.user, award.action, award.session, award.points) == (
        ended.helper,
        "good_rating",
        ended,
        10,
    )


def test_karma_for_an_open_chat_or_by_a_non_supervisor_is_refused(chat, queue):
    ended = EndedChatFactory(queue=queue)
    refused = run_action(
        staff(supervisor=False),
        lc.ChatSession,
        "award_karma",
        [ended],
        apply="1",
        karma_action="chat_answered",
    )
    assert shown(refused) == [f"{ended}: Only supervisors can do that."]
    still_open = run_action(
        staff(), lc.ChatSession, "award_karma", [chat], apply="1", karma_action="chat_answered"
    )
    assert shown(still_open) == [f"{chat}: Karma is credited once the chat has ended."]
    assert not lc.KarmaAward.objects.exists()


def test_revoking_karma_adds_one_correction_per_person_and_chat(queue):
    ended = EndedChatFactory(queue=queue)
    helper = ended.helper
    answered = lc.KarmaAward.objects.create(
        user=helper, action="chat_answered", session=ended, points=1
    )
    first = lc.KarmaAward.objects.create(user=helper, action="first_chat", session=ended, points=5)
    graduation = lc.KarmaAward.objects.create(user=helper, action="trainee_graduated", points=10)

    refused = run_action(staff(supervisor=False), lc.KarmaAward, "revoke_karma", [answered])
    assert shown(refused) == [f"{answered}: Only supervisors can do that."]
    assert lc.KarmaAward.objects.count() == 3

    user = staff()
    done = run_action(user, lc.KarmaAward, "revoke_karma", [answered, first, graduation])
    assert shown(done) == [
        f"{graduation}: Only karma earned in a chat can be revoked.",
        "Revoke the karma earned in these chats: done for 1 of 2.",
    ]
    correction = lc.KarmaAward.objects.get(action="revoked")
    assert (correction.user, correction.session, correction.points) == (helper, ended, -6)
    assert sum(lc.KarmaAward.objects.filter(user=helper).values_list("points", flat=True)) == 10
    answered.refresh_from_db()
    assert answered.points == 1  # the ledger's rows are never edited

    again = run_action(user, lc.KarmaAward, "revoke_karma", [first])
    assert shown(again) == [f"{first}: This karma was already revoked."]
    assert lc.KarmaAward.objects.filter(action="revoked").count() == 1


# --- Trainees, focuses, reports -----------------------------------------------------------------


def test_only_the_trainees_mentor_graduates_them(published, django_capture_on_commit_callbacks):
    mentor = staff()
    trainee = lc.Trainee.objects.create(
        user=UserFactory(), mentor=mentor, stage=lc.Trainee.Stage.PROPOSED
    )
    refused = run_action(staff(), lc.Trainee, "graduate_trainees", [trainee])
    assert shown(refused) == [f"{trainee}: This is not a trainee of yours."]
    trainee.refresh_from_db()
    assert trainee.stage == lc.Trainee.Stage.PROPOSED

    with django_capture_on_commit_callbacks(execute=True):
        done = run_action(mentor, lc.Trainee, "graduate_trainees", [trainee])
    assert shown(done) == ["Graduate the trainees: done for 1 of 1."]
    trainee.refresh_from_db()
    assert (trainee.stage, trainee.graduated_by) == (lc.Trainee.Stage.GRADUATED, mentor)
    assert trainee.user.has_perm("livechat.answer_chats")
    assert lc.KarmaAward.objects.filter(user=mentor, action="trainee_graduated").exists()
    events = published.of_type(realtime.agent_group(trainee.user_id), "mentoring")
    assert events[-1]["event"] == "graduated"


def test_pairing_and_proposing_trainees(published):
    mentor = staff()
    trainee = lc.Trainee.objects.create(user=UserFactory())
    paired = run_action(mentor, lc.Trainee, "pair_trainees", [trainee])
    assert shown(paired) == ["Mentor the trainees myself: done for 1 of 1."]
    trainee.refresh_from_db()
    assert (trainee.stage, trainee.mentor) == (lc.Trainee.Stage.TRAINING, mentor)
    proposed = run_action(mentor, lc.Trainee, "propose_trainees", [trainee])
    assert shown(proposed) == [f"{trainee}: Not enough good chats yet."]
    trainee.refresh_from_db()
    assert trainee.stage == lc.Trainee.Stage.TRAINING


def test_focuses_are_paused_and_ended_through_the_service():
    focus = lc.Focus.objects.create(title="Grey window", slug="grey")
    user = staff()
    assert shown(run_action(user, lc.Focus, "pause_focuses", [focus])) == [
        "Pause the focuses: done for 1 of 1."
    ]
    focus.refresh_from_db()
    assert not focus.is_active
    run_action(user, lc.Focus, "end_focuses", [focus])
    refused = run_action(user, lc.Focus, "resume_focuses", [focus])
    assert shown(refused) == [f"{focus}: This focus has ended."]
    focus.refresh_from_db()
    assert not focus.is_active and focus.ends <= timezone.now()


def test_resolving_reports_is_for_supervisors(chat):
    report = lc.AbuseReport.objects.create(session=chat, helper=chat.helper, reason="Rude")
    refused = run_action(staff(supervisor=False), lc.AbuseReport, "resolve_reports", [report])
    assert shown(refused) == [f"{report}: Only supervisors can do that."]
    user = staff()
    run_action(user, lc.AbuseReport, "resolve_reports", [report])
    report.refresh_from_db()
    assert report.resolved_by == user and report.resolved_at is not None
