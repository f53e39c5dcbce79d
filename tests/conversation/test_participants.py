"""More people in a chat over HTTP: invited helpers, invisible monitors, knocking trainees."""

import pytest
from django.test.utils import override_settings

from kitsune_livechat import realtime
from kitsune_livechat.models import Message, Participant, Trainee
from tests.factories import (
    ActiveChatFactory,
    ChatSessionFactory,
    EndedChatFactory,
    HelperFactory,
    SupervisorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def sees_chat(client, chat):
    return client.get(f"sessions/{chat.pk}/messages").status_code == 200


def names_seen_by(client, chat):
    people = client.get(f"sessions/{chat.pk}/participants").json()
    return [person["display_name"] for person in people]


def trainee_user():
    user = UserFactory()
    Trainee.objects.create(user=user, stage=Trainee.Stage.TRAINING, mentor=SupervisorFactory())
    return user


# --- Invitations ------------------------------------------------------------------------------


def test_invited_helper_joins_after_accepting(
    chat, api_client, published, django_capture_on_commit_callbacks
):
    colleague = HelperFactory()
    guest = api_client(colleague)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(chat.helper).post(
            f"sessions/{chat.pk}/invite", {"user": colleague.username}
        )

    assert response.status_code == 201
    assert response.json()["state"] == "invited"
    assert not sees_chat(guest, chat)
    [invitation] = published.of_type(realtime.agent_group(colleague.pk), "invitation")
    assert invitation["change"] == "invited"
    assert invitation["by"] == chat.helper.username
    assert invitation["session"]["id"] == str(chat.pk)
    listed = guest.get("invitations").json()
    assert [item["session"]["id"] for item in listed] == [str(chat.pk)]

    with django_capture_on_commit_callbacks(execute=True):
        accepted = guest.post(f"invitations/{chat.pk}/accept")

    assert accepted.status_code == 200
    assert accepted.json()["state"] == "active"
    assert sees_chat(guest, chat)
    assert colleague.username in names_seen_by(api_client(chat.visitor), chat)
    joined = Message.objects.filter(session=chat, kind="system").last()
    assert joined.body == f"{colleague.username} joined the chat."
    answer = published.of_type(realtime.agent_group(chat.helper.pk), "invitation")
    assert [frame["change"] for frame in answer] == ["accepted"]
    assert guest.get("invitations").json() == []
    # The invited helper may write to the visitor and whisper to the helper.
    sent = guest.post(f"sessions/{chat.pk}/messages", {"body": "psst", "kind": "whisper"})
    assert sent.status_code == 201
    assert sent.json()["role"] == "helper"


def test_declined_invitation_gives_no_access(
    chat, api_client, published, django_capture_on_commit_callbacks
):
    colleague = HelperFactory()
    api_client(chat.helper).post(f"sessions/{chat.pk}/invite", {"user": colleague.username})

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(colleague).post(f"invitations/{chat.pk}/decline")

    assert response.json()["state"] == "declined"
    assert not sees_chat(api_client(colleague), chat)
    answer = published.of_type(realtime.agent_group(chat.helper.pk), "invitation")
    assert [frame["change"] for frame in answer] == ["declined"]
    again = api_client(colleague).post(f"invitations/{chat.pk}/accept")
    assert again.status_code == 404
    assert again.json()["code"] == "no_such_invitation"


def test_only_helpers_can_be_invited(chat, api_client):
    plain = UserFactory()
    response = api_client(chat.helper).post(f"sessions/{chat.pk}/invite", {"user": plain.username})
    assert response.status_code == 400
    assert response.json()["code"] == "no_such_helper"
    nobody = api_client(chat.helper).post(f"sessions/{chat.pk}/invite", {"user": "nobody"})
    assert nobody.json()["code"] == "no_such_helper"
    assert not Participant.objects.exists()


def test_visitor_and_strangers_cannot_invite(chat, api_client):
    colleague = HelperFactory()
    body = {"user": colleague.username}

    by_visitor = api_client(chat.visitor).post(f"sessions/{chat.pk}/invite", body)
    by_stranger = api_client(HelperFactory()).post(f"sessions/{chat.pk}/invite", body)

    assert (by_visitor.status_code, by_visitor.json()["code"]) == (403, "not_in_charge")
    assert by_stranger.status_code == 404
    assert not Participant.objects.exists()


def test_cannot_invite_into_a_finished_chat_or_someone_already_in(api_client):
    ended = EndedChatFactory()
    colleague = HelperFactory()
    response = api_client(ended.helper).post(
        f"sessions/{ended.pk}/invite", {"user": colleague.username}
    )
    assert (response.status_code, response.json()["code"]) == (409, "chat_not_active")

    chat = ActiveChatFactory()
    owner = api_client(chat.helper)
    itself = owner.post(f"sessions/{chat.pk}/invite", {"user": chat.helper.username})
    assert (itself.status_code, itself.json()["code"]) == (409, "already_in_chat")


def test_invitation_to_a_chat_that_ended_meanwhile_cannot_be_accepted(chat, api_client):
    colleague = HelperFactory()
    api_client(chat.helper).post(f"sessions/{chat.pk}/invite", {"user": colleague.username})
    chat.status = chat.Status.ENDED
    chat.save()

    response = api_client(colleague).post(f"invitations/{chat.pk}/accept")

    assert (response.status_code, response.json()["code"]) == (409, "chat_not_active")
    assert not sees_chat(api_client(colleague), chat)


# --- Monitors ---------------------------------------------------------------------------------


def test_monitor_is_invisible_until_they_speak(
    chat, api_client, published, django_capture_on_commit_callbacks
):
    supervisor = SupervisorFactory()
    monitor = api_client(supervisor)
    visitor = api_client(chat.visitor)

    with django_capture_on_commit_callbacks(execute=True):
        joined = monitor.post(f"sessions/{chat.pk}/join")

    assert joined.status_code == 200
    assert joined.json()["role"] == "monitor"
    assert joined.json()["visible"] is False
    assert supervisor.username not in names_seen_by(visitor, chat)
    assert supervisor.username in names_seen_by(api_client(chat.helper), chat)
    # Nothing told the visitor's sockets that someone joined.
    assert published.to(realtime.session_group(chat.pk)) == []

    with django_capture_on_commit_callbacks(execute=True):
        monitor.post(f"sessions/{chat.pk}/messages", {"body": "a whisper", "kind": "whisper"})
    assert supervisor.username not in names_seen_by(visitor, chat)

    with django_capture_on_commit_callbacks(execute=True):
        sent = monitor.post(f"sessions/{chat.pk}/messages", {"body": "Hello, I am here too"})

    assert sent.json()["role"] == "observer"
    assert supervisor.username in names_seen_by(visitor, chat)
    [status] = published.of_type(realtime.session_group(chat.pk), "status")
    assert status["change"] == "participants"
    assert supervisor.username in [person["display_name"] for person in status["helpers"]]


def test_supervisor_speaking_without_joining_becomes_a_visible_monitor(chat, api_client):
    supervisor = SupervisorFactory()
    api_client(supervisor).post(f"sessions/{chat.pk}/messages", {"body": "Hi"})

    participant = Participant.objects.get(session=chat, user=supervisor)
    assert (participant.role, participant.visible) == ("monitor", True)
    assert supervisor.username in names_seen_by(api_client(chat.visitor), chat)


def test_only_supervisors_join_as_monitors(chat, api_client):
    for user in (HelperFactory(), UserFactory()):
        response = api_client(user).post(f"sessions/{chat.pk}/join")
        assert response.status_code == 404
    assert not Participant.objects.exists()


# --- Trainees knocking ------------------------------------------------------------------------


def test_trainee_knocks_and_is_admitted_to_observe(
    chat, api_client, published, django_capture_on_commit_callbacks
):
    trainee = trainee_user()
    learner = api_client(trainee)

    with django_capture_on_commit_callbacks(execute=True):
        knocked = learner.post(f"sessions/{chat.pk}/knock")

    assert knocked.status_code == 202
    assert knocked.json()["state"] == "knocking"
    assert not sees_chat(learner, chat)
    [knock] = published.of_type(realtime.agent_group(chat.helper.pk), "knock")
    assert (knock["change"], knock["by"]) == ("knocking", trainee.username)
    staff_list = api_client(chat.helper).get(f"sessions/{chat.pk}/participants").json()
    assert {"username": trainee.username, "state": "knocking"}.items() <= staff_list[1].items()

    with django_capture_on_commit_callbacks(execute=True):
        admitted = api_client(chat.helper).post(
            f"sessions/{chat.pk}/admit", {"user": trainee.username}
        )

    assert admitted.json()["state"] == "active"
    assert sees_chat(learner, chat)
    assert trainee.username not in names_seen_by(api_client(chat.visitor), chat)
    [answer] = published.of_type(realtime.agent_group(trainee.pk), "knock")
    assert answer["change"] == "admitted"
    # An observing trainee whispers to staff but never writes to the visitor.
    text = learner.post(f"sessions/{chat.pk}/messages", {"body": "hi"})
    assert (text.status_code, text.json()["code"]) == (403, "kind_not_allowed")
    whisper = learner.post(f"sessions/{chat.pk}/messages", {"body": "q?", "kind": "whisper"})
    assert whisper.status_code == 201


@override_settings(LIVECHAT_DISCLOSE_TRAINEES=True)
def test_disclosed_trainee_is_announced_to_the_visitor(chat, api_client):
    trainee = trainee_user()
    api_client(trainee).post(f"sessions/{chat.pk}/knock")
    api_client(chat.helper).post(f"sessions/{chat.pk}/admit", {"user": trainee.username})

    assert trainee.username in names_seen_by(api_client(chat.visitor), chat)
    lines = api_client(chat.visitor).get(f"sessions/{chat.pk}/messages").json()
    assert "in training, is observing" in lines[-1]["body"]


def test_turned_away_trainee_gets_no_access(
    chat, api_client, published, django_capture_on_commit_callbacks
):
    trainee = trainee_user()
    api_client(trainee).post(f"sessions/{chat.pk}/knock")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(chat.helper).post(
            f"sessions/{chat.pk}/turn-away", {"user": trainee.username}
        )

    assert response.json()["state"] == "declined"
    assert not sees_chat(api_client(trainee), chat)
    [answer] = published.of_type(realtime.agent_group(trainee.pk), "knock")
    assert answer["change"] == "turned_away"


def test_only_trainees_and_helpers_knock_and_only_on_chats_in_progress(api_client):
    plain = api_client(UserFactory())
    chat = ActiveChatFactory()
    assert plain.post(f"sessions/{chat.pk}/knock").status_code == 404
    waiting = ChatSessionFactory()
    trainee = api_client(trainee_user())
    assert trainee.post(f"sessions/{waiting.pk}/knock").status_code == 404
    assert trainee.post("sessions/00000000-0000-0000-0000-000000000000/knock").status_code == 404
    assert not Participant.objects.exists()


def test_admitting_needs_the_chats_helper(chat, api_client):
    trainee = trainee_user()
    api_client(trainee).post(f"sessions/{chat.pk}/knock")

    by_visitor = api_client(chat.visitor).post(
        f"sessions/{chat.pk}/admit", {"user": trainee.username}
    )
    by_other_helper = api_client(HelperFactory()).post(
        f"sessions/{chat.pk}/admit", {"user": trainee.username}
    )
    nobody_knocking = api_client(chat.helper).post(
        f"sessions/{chat.pk}/admit", {"user": chat.visitor.username}
    )

    assert by_visitor.status_code == 403
    assert by_other_helper.status_code == 404
    assert (nobody_knocking.status_code, nobody_knocking.json()["code"]) == (404, "no_such_request")
    assert Participant.objects.get(user=trainee).state == "knocking"


# --- Leaving ----------------------------------------------------------------------------------


def test_invited_helper_leaves_and_loses_access(
    chat, api_client, published, django_capture_on_commit_callbacks
):
    colleague = HelperFactory()
    api_client(chat.helper).post(f"sessions/{chat.pk}/invite", {"user": colleague.username})
    api_client(colleague).post(f"invitations/{chat.pk}/accept")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(colleague).post(f"sessions/{chat.pk}/leave")

    assert response.json()["state"] == "left"
    assert not sees_chat(api_client(colleague), chat)
    assert colleague.username not in names_seen_by(api_client(chat.visitor), chat)
    assert (
        Message.objects.filter(session=chat).last().body == f"{colleague.username} left the chat."
    )
    rechecked = published.rechecks(realtime.session_staff_group(chat.pk))
    assert rechecked, "sockets of the chat re-check their access when someone leaves"


def test_assigned_helper_cannot_leave(chat, api_client):
    response = api_client(chat.helper).post(f"sessions/{chat.pk}/leave")
    assert (response.status_code, response.json()["code"]) == (409, "owner_cannot_leave")
    visitor = api_client(chat.visitor).post(f"sessions/{chat.pk}/leave")
    assert (visitor.status_code, visitor.json()["code"]) == (409, "not_in_chat")


def test_participants_of_someone_elses_chat_look_missing(chat, api_client):
    response = api_client(UserFactory()).get(f"sessions/{chat.pk}/participants")
    assert response.status_code == 404


def test_visitor_sees_names_only(chat, api_client):
    people = api_client(chat.visitor).get(f"sessions/{chat.pk}/participants").json()
    assert people == [{"display_name": chat.helper.username, "role": "helper"}]
