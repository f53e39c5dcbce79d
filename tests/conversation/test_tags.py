"""Tags on chats: the chat's helpers and supervisors add and remove them, the other consoles in
the chat see them live, the visitor never does, and they feed the insight filter and export."""

import pytest
from channels.db import database_sync_to_async as db

from kitsune_livechat import realtime
from kitsune_livechat.models import ChatTag, Participant
from kitsune_livechat.services.conversation import tags
from kitsune_livechat.services.shared.access import Caller
from tests.factories import (
    ActiveChatFactory,
    ChatSessionFactory,
    EndedChatFactory,
    HelperFactory,
    SupervisorFactory,
    UserFactory,
)
from tests.sockets import join_chat


@pytest.mark.django_db
def test_helper_tags_a_chat_and_the_staff_group_is_told(
    chat, api_client, published, django_capture_on_commit_callbacks
):
    helper = api_client(chat.helper)
    with django_capture_on_commit_callbacks(execute=True):
        _tag_and_untag(helper, chat)
    frames = published.of_type(realtime.session_staff_group(chat.pk), "tags")
    assert [frame["tags"] for frame in frames] == [
        ["sync-error"],
        ["crash", "sync-error"],
        ["sync-error"],
    ]
    assert frames[0]["by"] == chat.helper.username
    assert published.of_type(realtime.session_group(chat.pk), "tags") == []


def _tag_and_untag(helper, chat):
    response = helper.post(f"sessions/{chat.pk}/tags", {"tag": "  Sync Error "})
    assert response.status_code == 201, response.content
    assert response.json() == {"tags": ["sync-error"]}
    # Again: no second row, no second event.
    assert helper.post(f"sessions/{chat.pk}/tags", {"tag": "sync-error"}).json() == {
        "tags": ["sync-error"]
    }
    helper.post(f"sessions/{chat.pk}/tags", {"tag": "crash"})
    assert list(ChatTag.objects.filter(session=chat).values_list("name", "added_by")) == [
        ("crash", chat.helper.pk),
        ("sync-error", chat.helper.pk),
    ]
    assert helper.get(f"sessions/{chat.pk}/tags").json() == {"tags": ["crash", "sync-error"]}
    response = helper.delete(f"sessions/{chat.pk}/tags/crash")
    assert response.status_code == 200
    assert response.json() == {"tags": ["sync-error"]}
    # Removing a tag the chat does not have changes nothing and tells nobody.
    assert helper.delete(f"sessions/{chat.pk}/tags/crash").json() == {"tags": ["sync-error"]}


@pytest.mark.django_db
def test_supervisor_tags_any_chat_and_invited_helper_tags_theirs(chat, api_client):
    supervisor = SupervisorFactory()
    assert (
        api_client(supervisor).post(f"sessions/{chat.pk}/tags", {"tag": "vip"}).status_code == 201
    )
    invited = HelperFactory()
    Participant.objects.create(session=chat, user=invited, role=Participant.Role.HELPER)
    assert api_client(invited).post(f"sessions/{chat.pk}/tags", {"tag": "sync"}).status_code == 201
    assert sorted(ChatTag.objects.values_list("name", flat=True)) == ["sync", "vip"]


@pytest.mark.django_db
def test_others_cannot_see_or_change_a_chats_tags(chat, api_client):
    ChatTag.objects.create(session=chat, name="private")
    other_helper = api_client(HelperFactory())
    # Someone else's chat looks like no chat at all.
    for response in (
        other_helper.get(f"sessions/{chat.pk}/tags"),
        other_helper.post(f"sessions/{chat.pk}/tags", {"tag": "mine"}),
        other_helper.delete(f"sessions/{chat.pk}/tags/private"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    visitor = api_client(chat.visitor)
    assert visitor.get(f"sessions/{chat.pk}/tags").json()["code"] == "not_a_tagger"
    response = visitor.post(f"sessions/{chat.pk}/tags", {"tag": "mine"})
    assert (response.status_code, response.json()["code"]) == (403, "not_a_tagger")
    monitor = UserFactory(perms=["answer_chats"])
    Participant.objects.create(session=chat, user=monitor, role=Participant.Role.TRAINEE)
    assert api_client(monitor).post(f"sessions/{chat.pk}/tags", {"tag": "x"}).status_code == 403
    assert api_client().get(f"sessions/{chat.pk}/tags").status_code == 401
    assert list(ChatTag.objects.values_list("name", flat=True)) == ["private"]


@pytest.mark.django_db
def test_bad_tags_are_refused_and_change_nothing(chat, api_client):
    helper = api_client(chat.helper)
    for tag in ("", "   ", "x" * 41):
        response = helper.post(f"sessions/{chat.pk}/tags", {"tag": tag})
        assert response.status_code == 400, tag
        assert response.json()["code"] == "invalid_tags"
    for n in range(10):
        helper.post(f"sessions/{chat.pk}/tags", {"tag": f"t{n}"})
    response = helper.post(f"sessions/{chat.pk}/tags", {"tag": "one-too-many"})
    assert (response.status_code, response.json()["code"]) == (400, "too_many_tags")
    assert ChatTag.objects.filter(session=chat).count() == 10


@pytest.mark.django_db
def test_autocomplete_offers_tags_in_use_most_used_first(api_client):
    for name, times in (("sync", 3), ("sync-error", 1), ("crash", 2)):
        for _ in range(times):
            ChatTag.objects.create(session=EndedChatFactory(), name=name)
    helper = api_client(HelperFactory())
    assert helper.get("tags", q="sy").json() == [
        {"tag": "sync", "count": 3},
        {"tag": "sync-error", "count": 1},
    ]
    assert [row["tag"] for row in helper.get("tags").json()] == ["sync", "crash", "sync-error"]
    response = api_client(UserFactory()).get("tags")
    assert (response.status_code, response.json()["code"]) == (403, "not_a_contributor")


@pytest.mark.django_db(transaction=True)
async def test_other_consoles_in_the_chat_get_the_tags_frame_and_the_visitor_does_not():
    chat = await db(ActiveChatFactory)()
    supervisor = await db(SupervisorFactory)()
    helper_socket, _ = await join_chat(chat.pk, user=chat.helper)
    supervisor_socket, _ = await join_chat(chat.pk, user=supervisor)
    visitor_socket, _ = await join_chat(chat.pk, user=chat.visitor)

    await db(tags.add_tag)(caller=Caller(user=supervisor), session_id=chat.pk, tag="Password")
    for socket in (helper_socket, supervisor_socket):
        frame = await socket.receive()
        assert frame == {"type": "tags", "tags": ["password"], "by": supervisor.username}
    assert await visitor_socket.nothing()
    for socket in (helper_socket, supervisor_socket, visitor_socket):
        await socket.close()


@pytest.mark.django_db
def test_waiting_chat_is_not_taggable_by_a_helper_who_does_not_have_it(api_client):
    waiting = ChatSessionFactory()
    response = api_client(HelperFactory()).post(f"sessions/{waiting.pk}/tags", {"tag": "x"})
    assert response.status_code == 404
