"""The mentoring path through the API and the sockets: apply, pair, observe (knock), whisper,
hand over, supervised drafts approved or edited by the mentor, graduation and mentor karma."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group
from django.test import override_settings
from django.utils import timezone

from kitsune_livechat.models import ChatSession, KarmaAward, Message, Participant, Rating, Trainee
from kitsune_livechat.services.contributors import mentoring
from kitsune_livechat.services.conversation import participants
from kitsune_livechat.services.shared.access import Caller
from tests.conftest import ApiClient
from tests.factories import (
    ActiveChatFactory,
    HelperFactory,
    SupervisorFactory,
    UserFactory,
)
from tests.sockets import CONSOLE_PATH, chat_path, connected, join_chat, open_socket

PATH = {
    "LIVECHAT_GRADUATION_OBSERVED_CHATS": 1,
    "LIVECHAT_GRADUATION_SUPERVISED_CHATS": 1,
    "LIVECHAT_GRADUATION_MIN_RATING": 4,
    "LIVECHAT_KARMA_MIN_CHAT_SECONDS": 0,
    "LIVECHAT_KARMA_BACKENDS": [],
}


def live_chat(helper, **kwargs):
    return ActiveChatFactory(
        helper=helper, assigned_at=timezone.now() - timedelta(minutes=5), **kwargs
    )


# --- Applying and pairing ---------------------------------------------------------------------


@pytest.mark.django_db
def test_apply_gives_the_guide_once(newbie):
    client = ApiClient(newbie)
    first = client.post("trainees", {"motivation": "I love helping people."})
    assert first.status_code == 201
    body = first.json()
    assert body["stage"] == "applied"
    assert body["mentor"] is None
    assert "Observe" in body["guide"] and "supervised" in body["guide"]
    assert body["progress"] == {
        "observed": 0,
        "observed_needed": 3,
        "supervised": 0,
        "supervised_needed": 3,
        "ready": False,
    }
    again = client.post("trainees", {"motivation": "Again"})
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert Trainee.objects.get(user=newbie).motivation == "I love helping people."
    assert client.get("trainees/me").json()["id"] == body["id"]


@pytest.mark.django_db
def test_who_may_apply():
    assert ApiClient().post("trainees", {}).status_code == 401
    helper_answer = ApiClient(HelperFactory()).post("trainees", {})
    assert helper_answer.status_code == 409
    assert helper_answer.json()["code"] == "already_helper"
    assert ApiClient(UserFactory()).get("trainees/me").json()["code"] == "not_a_trainee"
    too_long = ApiClient(UserFactory()).post("trainees", {"motivation": "x" * 5000})
    assert too_long.status_code == 400
    assert not Trainee.objects.exists()


@pytest.mark.django_db
def test_pairing_is_for_mentors_and_one_mentor_per_trainee(newbie, mentor):
    trainee_id = ApiClient(newbie).post("trainees", {}).json()["id"]
    helper = HelperFactory()
    refused = ApiClient(helper).post(f"trainees/{trainee_id}/pair")
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_mentor"
    assert ApiClient(helper).get("trainees").status_code == 403

    listed = ApiClient(mentor).get("trainees").json()
    assert [t["id"] for t in listed] == [trainee_id]
    paired = ApiClient(mentor).post(f"trainees/{trainee_id}/pair")
    assert paired.status_code == 200
    assert paired.json()["stage"] == "training"
    assert paired.json()["mentor"] == "mentor"

    other = ApiClient(SupervisorFactory()).post(f"trainees/{trainee_id}/pair")
    assert other.status_code == 409
    assert other.json()["code"] == "already_paired"
    assert ApiClient(mentor).post("trainees/999/pair").json()["code"] == "no_such_trainee"
    assert Trainee.objects.get(pk=trainee_id).mentor == mentor


# --- Supervised chats -------------------------------------------------------------------------


@pytest.mark.django_db
def test_hand_over_rules(paired, mentor):
    other_mentor = SupervisorFactory()
    theirs = live_chat(other_mentor)
    refused = ApiClient(mentor).post(
        f"sessions/{theirs.pk}/handover", {"trainee": paired.pk, "supervised": True}
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_owner"

    others_trainee = ApiClient(other_mentor).post(
        f"sessions/{theirs.pk}/handover", {"trainee": paired.pk}
    )
    assert others_trainee.status_code == 403
    assert others_trainee.json()["code"] == "not_your_trainee"

    stranger = ApiClient(HelperFactory()).post(
        f"sessions/{theirs.pk}/handover", {"trainee": paired.pk}
    )
    assert stranger.status_code in (403, 404)
    theirs.refresh_from_db()
    assert theirs.helper == other_mentor
    assert not theirs.supervised


@pytest.mark.django_db
def test_supervised_drafts_wait_for_the_mentor(paired, mentor, newbie):
    session = live_chat(mentor)
    handed = ApiClient(mentor).post(f"sessions/{session.pk}/handover", {"trainee": paired.pk})
    assert handed.status_code == 200
    assert handed.json() == {"id": str(session.pk), "helper": "newbie", "supervised": True}

    sent = ApiClient(newbie).post(
        f"sessions/{session.pk}/messages", {"body": "Try safe mode", "client_msg_id": "t1"}
    )
    assert sent.status_code == 201
    draft = sent.json()
    assert draft["kind"] == "draft"
    visitor_view = ApiClient(session.visitor).get(f"sessions/{session.pk}/messages").json()
    assert "Try safe mode" not in [m["body"] for m in visitor_view]

    # Only the mentor approves; the trainee and strangers cannot.
    assert (
        ApiClient(newbie)
        .post(f"sessions/{session.pk}/drafts/{draft['seq']}/approve", {})
        .json()["code"]
        == "not_mentor"
    )
    assert (
        ApiClient(HelperFactory())
        .post(f"sessions/{session.pk}/drafts/{draft['seq']}/approve", {})
        .status_code
        == 404
    )
    assert (
        ApiClient(SupervisorFactory())
        .post(f"sessions/{session.pk}/drafts/{draft['seq']}/approve", {})
        .json()["code"]
        == "not_mentor"
    )

    approved = ApiClient(mentor).post(
        f"sessions/{session.pk}/drafts/{draft['seq']}/approve",
        {"body": "Try Firefox's safe mode: hold Shift while starting it."},
    )
    assert approved.status_code == 201
    published = approved.json()
    assert published["kind"] == "text"
    assert published["author"] == "newbie"
    again = ApiClient(mentor).post(f"sessions/{session.pk}/drafts/{draft['seq']}/approve", {})
    assert again.status_code == 200
    assert again.json()["seq"] == published["seq"]

    visitor_view = ApiClient(session.visitor).get(f"sessions/{session.pk}/messages").json()
    assert [m["body"] for m in visitor_view if m["kind"] == "text"] == [
        "Try Firefox's safe mode: hold Shift while starting it."
    ]
    stored = Message.objects.get(session=session, seq=published["seq"])
    assert stored.draft.seq == draft["seq"]
    assert stored.approved_by == mentor
    session.refresh_from_db()
    assert session.first_response_at is not None

    missing = ApiClient(mentor).post(f"sessions/{session.pk}/drafts/{published['seq']}/approve")
    assert missing.status_code == 404
    assert missing.json()["code"] == "no_such_draft"


@pytest.mark.django_db
def test_approving_an_empty_edit_changes_nothing(paired, mentor, newbie):
    session = live_chat(mentor)
    ApiClient(mentor).post(f"sessions/{session.pk}/handover", {"trainee": paired.pk})
    seq = ApiClient(newbie).post(f"sessions/{session.pk}/messages", {"body": "Hi"}).json()["seq"]
    answer = ApiClient(mentor).post(f"sessions/{session.pk}/drafts/{seq}/approve", {"body": " "})
    assert answer.status_code == 400
    assert not Message.objects.filter(session=session, draft__isnull=False).exists()


@pytest.mark.django_db
def test_unsupervised_hand_over_lets_the_trainee_write_directly(paired, mentor, newbie):
    session = live_chat(mentor)
    ApiClient(mentor).post(
        f"sessions/{session.pk}/handover", {"trainee": paired.pk, "supervised": False}
    )
    sent = ApiClient(newbie).post(f"sessions/{session.pk}/messages", {"body": "Hello!"})
    assert sent.json()["kind"] == "text"


# --- Graduation -------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(**PATH)
def test_graduation_needs_the_chats(paired, mentor, newbie):
    not_ready = ApiClient(newbie).post(f"trainees/{paired.pk}/propose")
    assert not_ready.status_code == 409
    assert not_ready.json()["code"] == "not_ready"
    refused = ApiClient(mentor).post(f"trainees/{paired.pk}/graduate")
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_ready"
    assert ApiClient(UserFactory()).post(f"trainees/{paired.pk}/propose").status_code == 404
    assert ApiClient(newbie).post(f"trainees/{paired.pk}/graduate").json()["code"] == "not_mentor"
    assert not newbie.groups.exists()


@pytest.mark.django_db
@override_settings(**PATH)
def test_a_poorly_rated_supervised_chat_does_not_count(paired, mentor, newbie):
    session = live_chat(mentor)
    ApiClient(mentor).post(f"sessions/{session.pk}/handover", {"trainee": paired.pk})
    ApiClient(newbie).post(f"sessions/{session.pk}/end", {})
    ApiClient(session.visitor).post(f"sessions/{session.pk}/rating", {"score": 3})
    assert mentoring.progress(paired)["supervised"] == 0


# --- The whole path, through the API and the sockets ------------------------------------------


def call(method, user, path, data=None):
    """An API call from async code (the test client is synchronous)."""

    def run():
        client = ApiClient(user)
        response = getattr(client, method)(path, data) if method != "get" else client.get(path)
        return response.status_code, response.json()

    return sync_to_async(run)()


def texts(received) -> list[str]:
    return [f["body"] for f in received if f.get("type") == "message" and f["kind"] == "text"]


@pytest.mark.django_db(transaction=True)
@override_settings(**PATH)
@pytest.mark.slow
async def test_trainee_observes_chats_supervised_and_graduates():
    newbie = await sync_to_async(UserFactory)(username="newbie")
    mentor = await sync_to_async(SupervisorFactory)(username="mentor")

    # Apply from the console and get paired; the trainee's console hears about it.
    status, body = await call("post", newbie, "trainees", {"motivation": "Happy to help"})
    assert status == 201
    trainee_id = body["id"]
    console = await connected(CONSOLE_PATH, user=newbie)
    await console.drain(0.2)
    status, body = await call("post", mentor, f"trainees/{trainee_id}/pair")
    assert (status, body["stage"]) == (200, "training")
    paired = await console.wait_for(lambda f: f["type"] == "mentoring")
    assert paired["event"] == "paired"

    # 1. Observe: knock on the mentor's chat, get admitted, read along, invisible.
    observed = await sync_to_async(live_chat)(mentor)
    visitor = await sync_to_async(lambda: observed.visitor)()
    visitor_socket = await connected(chat_path(observed.pk), user=visitor)
    status, body = await call("post", newbie, f"sessions/{observed.pk}/knock")
    assert (status, body["state"]) == (202, "knocking")
    # Knocking gives no access: the chat does not exist for them until they are admitted.
    refused, _accepted = await open_socket(chat_path(observed.pk), user=newbie)
    assert await refused.closed_with(timeout=1) in (4403, 4404)
    status, body = await call("post", mentor, f"sessions/{observed.pk}/admit", {"user": "newbie"})
    assert (status, body["state"], body["visible"]) == (200, "active", False)
    await visitor_socket.drain(0.3)
    watching = await connected(chat_path(observed.pk), user=newbie)
    await watching.drain(0.3)

    status, _ = await call(
        "post",
        mentor,
        f"sessions/{observed.pk}/messages",
        {"body": "Watch how I ask for the version first.", "kind": "whisper"},
    )
    assert status == 201
    status, _ = await call(
        "post", mentor, f"sessions/{observed.pk}/messages", {"body": "Which version is it?"}
    )
    assert status == 201
    seen_by_trainee = await watching.drain()
    seen_by_visitor = await visitor_socket.drain()
    assert "Watch how I ask for the version first." in [
        f["body"] for f in seen_by_trainee if f.get("kind") == "whisper"
    ]
    assert texts(seen_by_trainee) == ["Which version is it?"]
    assert texts(seen_by_visitor) == ["Which version is it?"]
    assert not [f for f in seen_by_visitor if f.get("kind") in ("whisper", "draft")]
    people = await call("get", visitor, f"sessions/{observed.pk}/participants")
    assert [p["display_name"] for p in people[1]] == ["mentor"]  # the trainee stays invisible

    # Observers only read: a trainee's text to the visitor is refused on the socket.
    await watching.send("message.send", body="Hi!", client_msg_id="o1")
    error = await watching.wait_for(lambda f: f["type"] == "error")
    assert error["code"] == "kind_not_allowed"

    status, body = await call("post", mentor, f"sessions/{observed.pk}/end", {})
    assert status == 200
    await watching.close()
    await visitor_socket.close()

    # 2. A supervised chat: the mentor hands it over and stays in it.
    supervised = await sync_to_async(live_chat)(mentor)
    visitor = await sync_to_async(lambda: supervised.visitor)()
    visitor_socket = await connected(chat_path(supervised.pk), user=visitor)
    mentor_socket = await connected(chat_path(supervised.pk), user=mentor)
    await visitor_socket.drain(0.2)
    await mentor_socket.drain(0.2)
    await console.drain(0.2)
    status, body = await call(
        "post", mentor, f"sessions/{supervised.pk}/handover", {"trainee": trainee_id}
    )
    assert (status, body["helper"], body["supervised"]) == (200, "newbie", True)
    assigned = await console.wait_for(lambda f: f["type"] == "chat")
    assert (assigned["change"], assigned["session"]["id"]) == ("assigned", str(supervised.pk))
    told = await visitor_socket.wait_for(lambda f: f["type"] == "status")
    assert [h["display_name"] for h in told["helpers"]] == ["newbie", "mentor"]

    trainee_socket = await connected(chat_path(supervised.pk), user=newbie)
    await trainee_socket.drain(0.3)
    await trainee_socket.send("message.send", body="Restart in safe mode", client_msg_id="d1")
    draft = await mentor_socket.wait_for(lambda f: f.get("kind") == "draft")
    assert draft["body"] == "Restart in safe mode"
    assert (await trainee_socket.wait_for(lambda f: f.get("kind") == "draft"))["seq"] == draft[
        "seq"
    ]
    status, _ = await call(
        "post",
        mentor,
        f"sessions/{supervised.pk}/messages",
        {"body": "Good, add the steps.", "kind": "whisper"},
    )
    whisper = await trainee_socket.wait_for(lambda f: f.get("kind") == "whisper")
    assert whisper["author"] == "mentor"
    assert texts(await visitor_socket.drain()) == []  # no draft, no whisper for the visitor

    status, body = await call(
        "post",
        mentor,
        f"sessions/{supervised.pk}/drafts/{draft['seq']}/approve",
        {"body": "Restart Firefox in safe mode: Help > Troubleshoot Mode."},
    )
    assert status == 201
    shown = await visitor_socket.wait_for(lambda f: f.get("type") == "message")
    assert (shown["kind"], shown["author"], shown["body"]) == (
        "text",
        "newbie",
        "Restart Firefox in safe mode: Help > Troubleshoot Mode.",
    )
    approved = await mentor_socket.wait_for(lambda f: f["type"] == "draft.approved")
    assert (approved["draft_seq"], approved["edited"]) == (draft["seq"], True)

    # The trainee ends the chat, the visitor rates it well: proposed for graduation.
    status, _ = await call("post", newbie, f"sessions/{supervised.pk}/end", {})
    assert status == 200
    mentor_console = await connected(CONSOLE_PATH, user=mentor)
    await mentor_console.drain(0.2)
    status, _ = await call("post", visitor, f"sessions/{supervised.pk}/rating", {"score": 5})
    assert status == 201
    proposal = await mentor_console.wait_for(lambda f: f["type"] == "mentoring")
    assert (proposal["event"], proposal["trainee"]["stage"]) == ("proposed", "proposed")
    assert proposal["trainee"]["progress"]["ready"] is True

    # 3. The mentor confirms: the trainee joins the helpers group and may answer chats.
    status, body = await call("post", mentor, f"trainees/{trainee_id}/graduate")
    assert (status, body["stage"]) == (200, "graduated")
    graduated = await console.wait_for(lambda f: f.get("event") == "graduated")
    assert graduated["trainee"]["stage"] == "graduated"
    status, body = await call("post", mentor, f"trainees/{trainee_id}/graduate")
    assert (status, body["stage"]) == (200, "graduated")

    for socket in (console, mentor_console, visitor_socket, mentor_socket, trainee_socket):
        await socket.close()

    def outcome():
        user = type(newbie).objects.get(pk=newbie.pk)
        group = Group.objects.get(name="Live Chat Helpers")
        mentor_karma = sorted(
            KarmaAward.objects.filter(user=mentor).values_list("action", "session_id")
        )
        trainee_karma = sorted(
            KarmaAward.objects.filter(user=newbie).values_list("action", flat=True)
        )
        return (
            user.has_perm("livechat.answer_chats"),
            list(user.groups.all()) == [group],
            mentor_karma,
            trainee_karma,
            Participant.objects.get(session=supervised, user=mentor).role,
            ChatSession.objects.get(pk=supervised.pk).supervised,
        )

    (
        may_answer,
        in_group,
        mentor_karma,
        trainee_karma,
        mentor_role,
        was_supervised,
    ) = await sync_to_async(outcome)()
    assert may_answer and in_group
    assert mentor_karma == sorted(
        [
            ("chat_answered", observed.pk),
            ("first_chat", observed.pk),
            ("mentored_chat", observed.pk),
            ("mentored_chat", supervised.pk),
            ("trainee_graduated", supervised.pk),
        ]
    )
    assert trainee_karma == ["chat_answered", "first_chat", "good_rating"]
    assert mentor_role == Participant.Role.MENTOR
    assert was_supervised


@pytest.mark.django_db(transaction=True)
@override_settings(**PATH, LIVECHAT_DISCLOSE_TRAINEES=True)
async def test_visitor_is_told_when_the_site_discloses_observing_trainees():
    newbie = await sync_to_async(UserFactory)(username="newbie")
    mentor = await sync_to_async(SupervisorFactory)(username="mentor")
    trainee_id = (await call("post", newbie, "trainees", {}))[1]["id"]
    await call("post", mentor, f"trainees/{trainee_id}/pair")
    chat = await sync_to_async(live_chat)(mentor)
    visitor = await sync_to_async(lambda: chat.visitor)()
    visitor_socket = await connected(chat_path(chat.pk), user=visitor)
    await visitor_socket.drain(0.2)
    await call("post", newbie, f"sessions/{chat.pk}/knock")
    await call("post", mentor, f"sessions/{chat.pk}/admit", {"user": "newbie"})
    received = await visitor_socket.drain()
    system = [f["body"] for f in received if f.get("kind") == "system"]
    assert any("in training" in line for line in system)
    people = (await call("get", visitor, f"sessions/{chat.pk}/participants"))[1]
    assert [p["display_name"] for p in people] == ["mentor", "newbie"]
    await visitor_socket.close()


@pytest.mark.django_db
@override_settings(**PATH)
def test_handing_over_a_chat_the_trainee_observes(paired, mentor, newbie):
    session = live_chat(mentor)
    ApiClient(newbie).post(f"sessions/{session.pk}/knock")
    ApiClient(mentor).post(f"sessions/{session.pk}/admit", {"user": "newbie"})
    observer_try = ApiClient(newbie).post(f"sessions/{session.pk}/messages", {"body": "Hi"})
    assert observer_try.json()["code"] == "kind_not_allowed"

    ApiClient(mentor).post(f"sessions/{session.pk}/handover", {"trainee": paired.pk})
    drafted = ApiClient(newbie).post(f"sessions/{session.pk}/messages", {"body": "Hi"})
    assert drafted.json()["kind"] == "draft"
    staff = ApiClient(mentor).get(f"sessions/{session.pk}/participants").json()
    assert [(p["display_name"], p["role"]) for p in staff] == [
        ("newbie", "assigned"),
        ("mentor", "mentor"),
    ]
    ApiClient(newbie).post(f"sessions/{session.pk}/end", {})
    # The chat they answered themselves counts as supervised, not as observed.
    assert mentoring.progress(paired)["observed"] == 0


def trained(user, mentor):
    """A trainee of ``mentor`` with one observed and one well-rated supervised chat behind them."""

    trainee = Trainee.objects.create(user=user, mentor=mentor, stage=Trainee.Stage.TRAINING)
    observed = live_chat(mentor, status=ChatSession.Status.ENDED, ended_at=timezone.now())
    observed.participants.create(user=user, role="trainee", joined_at=observed.assigned_at)
    supervised = live_chat(
        user, supervised=True, status=ChatSession.Status.ENDED, ended_at=timezone.now()
    )
    Rating.objects.create(session=supervised, score=5)
    return trainee


@pytest.mark.django_db
@override_settings(**PATH)
def test_a_mentor_is_credited_for_every_trainee_who_graduates(mentor):
    first = trained(UserFactory(), mentor)
    second = trained(UserFactory(), mentor)
    for trainee in (first, second):
        graduated = ApiClient(mentor).post(f"trainees/{trainee.pk}/graduate")
        assert graduated.json()["stage"] == "graduated"
    ApiClient(mentor).post(f"trainees/{first.pk}/graduate")  # confirmed twice: no more credit
    awards = KarmaAward.objects.filter(user=mentor, action="trainee_graduated")
    assert awards.count() == 2
    assert {a.points for a in awards} == {10}


@pytest.mark.django_db
@override_settings(**{**PATH, "LIVECHAT_GRADUATION_SUPERVISED_CHATS": 0})
def test_graduation_credit_without_supervised_chats_is_tied_to_an_observed_one(mentor):
    trainee = trained(UserFactory(), mentor)
    ChatSession.objects.filter(helper=trainee.user).delete()
    ApiClient(mentor).post(f"trainees/{trainee.pk}/graduate")
    award = KarmaAward.objects.get(user=mentor, action="trainee_graduated")
    assert award.session.participants.filter(user=trainee.user, role="trainee").exists()


# --- Who may graduate, knock and read along ---------------------------------------------------


@pytest.mark.django_db
def test_only_the_trainees_own_mentor_graduates_them(paired, mentor, newbie):
    other = SupervisorFactory()

    refused = ApiClient(other).post(f"trainees/{paired.pk}/graduate")
    mine = ApiClient(mentor).post(f"trainees/{paired.pk}/graduate")

    assert (refused.status_code, refused.json()["code"]) == (403, "not_your_trainee")
    assert (mine.status_code, mine.json()["code"]) == (409, "not_ready")
    taken = ApiClient(other).post(f"trainees/{paired.pk}/pair")
    assert (taken.status_code, taken.json()["code"]) == (409, "already_paired")
    paired.refresh_from_db()
    assert (paired.stage, paired.mentor) == (Trainee.Stage.TRAINING, mentor)
    assert not newbie.groups.exists()


@pytest.mark.django_db
def test_a_trainee_whose_mentor_left_is_taken_over_by_another(paired, mentor):
    other = SupervisorFactory()
    mentor.is_active = False
    mentor.save()

    taken = ApiClient(other).post(f"trainees/{paired.pk}/pair")
    graduate = ApiClient(other).post(f"trainees/{paired.pk}/graduate")

    assert (taken.status_code, taken.json()["mentor"]) == (200, other.username)
    assert graduate.json()["code"] == "not_ready"  # theirs now; the chats are still missing


@pytest.mark.django_db
def test_an_applicant_without_a_mentor_cannot_knock(newbie):
    chat = live_chat(HelperFactory())
    ApiClient(newbie).post("trainees", {})

    knocked = ApiClient(newbie).post(f"sessions/{chat.pk}/knock")

    assert (knocked.status_code, knocked.json()["code"]) == (403, "no_mentor")
    assert not Participant.objects.exists()
    stranger = ApiClient(UserFactory()).post(f"sessions/{chat.pk}/knock")
    assert stranger.status_code == 404


@pytest.mark.django_db(transaction=True)
async def test_an_admitted_trainee_who_loses_their_mentor_stops_reading_along():
    db = sync_to_async
    newbie = await db(UserFactory)()
    mentor = await db(SupervisorFactory)()
    trainee = await db(Trainee.objects.create)(
        user=newbie, stage=Trainee.Stage.TRAINING, mentor=mentor
    )
    chat = await db(live_chat)(mentor)
    await db(participants.knock)(caller=Caller(user=newbie), session_id=chat.pk)
    await db(participants.admit)(
        caller=Caller(user=mentor), session_id=chat.pk, username=newbie.username
    )
    watching, _ = await join_chat(chat.pk, user=newbie)

    await db(Trainee.objects.filter(pk=trainee.pk).update)(mentor=None)
    await watching.send("message.send", body="psst", kind="whisper")

    assert await watching.closed_with() == 4403
    assert not await db(Message.objects.filter(session=chat, kind="whisper").exists)()
    await watching.close()
    refused, accepted = await open_socket(chat_path(chat.pk), user=newbie)
    assert accepted and await refused.closed_with() == 4403
    await refused.close()
    status, _body = await call("get", newbie, f"sessions/{chat.pk}/messages")
    assert status == 404


@pytest.mark.django_db
def test_the_mentor_rejects_a_draft_with_a_word_to_the_trainee(
    paired, mentor, newbie, django_capture_on_commit_callbacks
):
    session = live_chat(mentor)
    ApiClient(mentor).post(f"sessions/{session.pk}/handover", {"trainee": paired.pk})
    draft = (
        ApiClient(newbie)
        .post(
            f"sessions/{session.pk}/messages", {"body": "Reinstall Windows", "client_msg_id": "r1"}
        )
        .json()
    )
    reject = f"sessions/{session.pk}/drafts/{draft['seq']}/reject"

    # Only the mentor, and only with a word of why.
    assert ApiClient(newbie).post(reject, {"reason": "No"}).json()["code"] == "not_mentor"
    assert ApiClient(HelperFactory()).post(reject, {"reason": "No"}).status_code == 404
    empty = ApiClient(mentor).post(reject, {"reason": "  "})
    assert (empty.status_code, empty.json()["code"]) == (400, "empty_reason")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rejected = ApiClient(mentor).post(reject, {"reason": "Too drastic: try safe mode first."})
    assert rejected.status_code == 201, rejected.json()
    whisper = rejected.json()
    assert whisper["kind"] == "whisper"
    assert whisper["body"] == "Too drastic: try safe mode first."
    assert callbacks  # the staff were told after commit
    again = ApiClient(mentor).post(reject, {"reason": "Other words"})
    assert (again.status_code, again.json()["seq"]) == (200, whisper["seq"])

    # A rejected draft is never sent; the visitor sees neither it nor the reason.
    approve = ApiClient(mentor).post(f"sessions/{session.pk}/drafts/{draft['seq']}/approve", {})
    assert (approve.status_code, approve.json()["code"]) == (409, "draft_rejected")
    visitor_view = ApiClient(session.visitor).get(f"sessions/{session.pk}/messages").json()
    assert not {"Reinstall Windows", "Too drastic: try safe mode first."} & {
        m["body"] for m in visitor_view
    }
    # The trainee's history ties the reason to their draft.
    trainee_view = ApiClient(newbie).get(f"sessions/{session.pk}/messages").json()
    assert [(m["body"], m["draft_seq"]) for m in trainee_view if m["kind"] == "whisper"] == [
        ("Too drastic: try safe mode first.", draft["seq"])
    ]


@pytest.mark.django_db
def test_an_approved_draft_is_linked_and_cannot_be_rejected(paired, mentor, newbie):
    session = live_chat(mentor)
    ApiClient(mentor).post(f"sessions/{session.pk}/handover", {"trainee": paired.pk})
    draft = (
        ApiClient(newbie)
        .post(f"sessions/{session.pk}/messages", {"body": "Clear the cache", "client_msg_id": "a1"})
        .json()
    )
    ApiClient(mentor).post(
        f"sessions/{session.pk}/drafts/{draft['seq']}/approve", {"body": "Clear the cache, please."}
    )
    refused = ApiClient(mentor).post(
        f"sessions/{session.pk}/drafts/{draft['seq']}/reject", {"reason": "Too late"}
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "draft_approved")
    # In the history the published text points at its draft, so screens show it once.
    history = ApiClient(newbie).get(f"sessions/{session.pk}/messages").json()
    assert [(m["kind"], m["body"], m["draft_seq"]) for m in history if m["kind"] != "system"][
        -2:
    ] == [("draft", "Clear the cache", None), ("text", "Clear the cache, please.", draft["seq"])]
