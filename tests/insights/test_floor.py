"""The live floor: its figures checked against chats the test made, who may see it, and its
socket pushing a new snapshot when the line changes."""

import asyncio
import threading
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as db
from channels.layers import get_channel_layer
from django.db import connections
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from kitsune_livechat import realtime
from kitsune_livechat.exceptions import Forbidden
from kitsune_livechat.models import AgentStatus, ChatSession, Message
from kitsune_livechat.services.insights import floor
from kitsune_livechat.services.shared import notify
from kitsune_livechat.services.shared.access import Caller
from tests.factories import (
    ActiveChatFactory,
    AgentStatusFactory,
    ChatSessionFactory,
    HelperFactory,
    MessageFactory,
    QueueFactory,
    SupervisorFactory,
)
from tests.sockets import FLOOR_PATH, open_socket

Status = ChatSession.Status
NOW = timezone.now().replace(microsecond=0)


def ago(**delta):
    return NOW - timedelta(**delta)


@pytest.mark.django_db
def test_floor_figures_match_the_chats_on_the_floor():
    supervisor = Caller(user=SupervisorFactory())
    german = QueueFactory(slug="german", name="German")
    # Waiting: two in the default queue (en-US), one German.
    first = ChatSessionFactory(created=ago(minutes=5))
    ChatSessionFactory(created=ago(minutes=1))
    ChatSessionFactory(created=ago(minutes=3), queue=german, locale="de")
    # Helpers: Ann online with two chats, one running 40 minutes; Ben away and idle.
    ann = AgentStatusFactory(capacity=3, last_assigned=ago(minutes=40)).user
    AgentStatusFactory(status=AgentStatus.Status.AWAY, capacity=2, last_assigned=ago(minutes=9))
    AgentStatusFactory(status=AgentStatus.Status.OFFLINE)
    long_chat = ActiveChatFactory(helper=ann, created=ago(minutes=41), assigned_at=ago(minutes=40))
    quiet = ActiveChatFactory(helper=ann, created=ago(minutes=6), assigned_at=ago(minutes=5))
    MessageFactory(session=quiet, role=Message.Role.HELPER, author=ann, created=ago(minutes=4))
    MessageFactory(session=quiet, role=Message.Role.VISITOR, created=ago(minutes=3))
    # Answered in time: a helper spoke after the visitor, recently enough.
    fine = ActiveChatFactory(created=ago(minutes=2), assigned_at=ago(minutes=1))
    MessageFactory(session=fine, role=Message.Role.VISITOR, created=ago(seconds=50))
    # Earlier today: taken within 2 minutes, taken after 5, abandoned unanswered.
    ChatSessionFactory(status=Status.ENDED, created=ago(minutes=30), assigned_at=ago(minutes=29))
    ChatSessionFactory(status=Status.ENDED, created=ago(minutes=90), assigned_at=ago(minutes=85))
    ChatSessionFactory(status=Status.ABANDONED, created=ago(minutes=20))

    with override_settings(LIVECHAT_SERVICE_LEVEL_MINUTES=2, TIME_ZONE="UTC"):
        result = floor.snapshot(caller=supervisor, now=NOW)

    assert [
        (g["queue"], g["locale"], g["count"], g["oldest_seconds"])
        for g in result["waiting"]["groups"]
    ] == [
        ("general", "en-US", 2, 300),
        ("german", "de", 1, 180),
    ]
    assert result["waiting"]["chats"][0]["id"] == str(first.pk)
    helpers = {h["username"]: h for h in result["helpers"]}
    assert set(helpers) == {ann.username, *[u for u in helpers if u != ann.username]}
    assert len(helpers) == 2  # the offline helper is not on the floor
    assert (helpers[ann.username]["active"], helpers[ann.username]["capacity"]) == (2, 3)
    assert helpers[ann.username]["idle_seconds"] == 240  # her last message, 4 minutes ago
    away = next(h for h in result["helpers"] if h["status"] == "away")
    assert (away["active"], away["idle_seconds"]) == (0, 540)
    attention = {a["id"]: a for a in result["attention"]}
    assert set(attention) == {str(long_chat.pk), str(quiet.pk)}
    assert attention[str(long_chat.pk)]["reasons"] == ["long"]
    assert attention[str(long_chat.pk)]["running_seconds"] == 2400
    assert attention[str(quiet.pk)]["reasons"] == ["unanswered"]
    assert attention[str(quiet.pk)]["unanswered_seconds"] == 180
    # The last hour: taken within 2 minutes: long_chat, quiet, fine and the 30-minute one;
    # late: the two chats waiting 5 and 3 minutes and the abandoned one; the chat waiting for
    # 1 minute may still make it and is left out.
    hour = result["service_level"]["last_hour"]
    assert (hour["in_time"], hour["chats"]) == (4, 7)
    today = result["service_level"]["today"]
    if ago(minutes=90).date() == NOW.date():
        assert (today["in_time"], today["chats"]) == (4, 8)


@pytest.mark.django_db
def test_only_supervisors_see_the_floor():
    with pytest.raises(Forbidden):
        floor.snapshot(caller=Caller(user=HelperFactory()))
    client = Client()
    client.force_login(HelperFactory())
    assert client.get(reverse("livechat:floor")).status_code == 403
    client.force_login(SupervisorFactory())
    assert client.get(reverse("livechat:floor")).status_code == 200
    assert Client().get(reverse("livechat:floor")).status_code == 302


@pytest.mark.django_db
def test_floor_snapshot_takes_a_fixed_number_of_queries(django_assert_num_queries):
    supervisor = Caller(user=SupervisorFactory())
    for _ in range(3):
        ChatSessionFactory()
        AgentStatusFactory()
        ActiveChatFactory(assigned_at=ago(hours=2))
    with django_assert_num_queries(10):  # 9, and one to read the caller's permission
        floor.snapshot(caller=supervisor)


@pytest.mark.django_db
def test_changes_signal_the_floor(published, django_capture_on_commit_callbacks):
    chat = ChatSessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify.queue_changed(chat, change="new")
    assert [name for group, name, _ in published.signals if group == realtime.FLOOR_GROUP] == [
        "floor_changed"
    ]


@pytest.mark.django_db(transaction=True)
async def test_floor_socket_pushes_a_new_snapshot_when_the_line_changes():
    supervisor = await db(SupervisorFactory)()
    socket, accepted = await open_socket(FLOOR_PATH, user=supervisor)
    assert accepted
    first = await socket.receive()
    assert first["type"] == "floor" and first["waiting"]["chats"] == []
    chat = await db(ChatSessionFactory)()
    await db(notify.queue_changed)(chat, change="new")
    pushed = await socket.receive()
    assert [c["id"] for c in pushed["waiting"]["chats"]] == [str(chat.pk)]
    await socket.send("refresh")
    assert (await socket.receive())["type"] == "floor"
    await socket.close()


@pytest.mark.django_db(transaction=True)
async def test_a_change_signalled_while_a_snapshot_is_read_brings_another(monkeypatch):
    supervisor = await db(SupervisorFactory)()
    socket, accepted = await open_socket(FLOOR_PATH, user=supervisor)
    assert accepted
    await socket.receive()
    first = await db(ChatSessionFactory)()
    reading, go_on = threading.Event(), threading.Event()
    real_snapshot = floor.snapshot

    def held_snapshot(**kwargs):
        """The first change's snapshot, held once read, while a second chat joins the line."""
        answer = real_snapshot(**kwargs)
        if not reading.is_set():
            reading.set()
            go_on.wait(5)
        return answer

    def second_chat():  # in a thread of its own: the database thread is held
        try:
            return ChatSessionFactory()
        finally:
            connections.close_all()

    monkeypatch.setattr(floor, "snapshot", held_snapshot)
    await db(notify.queue_changed)(first, change="new")
    assert await asyncio.to_thread(reading.wait, 5)
    second = await asyncio.to_thread(second_chat)
    # The signal notify sends for it, sent here: the database thread is busy with the read.
    await get_channel_layer().group_send(
        realtime.FLOOR_GROUP, {"type": realtime.SIGNAL_HANDLER, "signal": "floor_changed"}
    )
    go_on.set()

    stale = await socket.receive()
    assert [c["id"] for c in stale["waiting"]["chats"]] == [str(first.pk)]
    fresh = await socket.receive()  # at once, not at the periodic refresh
    assert {c["id"] for c in fresh["waiting"]["chats"]} == {str(first.pk), str(second.pk)}
    await socket.close()


@pytest.mark.django_db(transaction=True)
async def test_floor_socket_refuses_helpers_and_strangers():
    helper = await db(HelperFactory)()
    for user in (helper, None):
        socket, _accepted = await open_socket(FLOOR_PATH, user=user)
        assert await socket.closed_with() == 4403
        await socket.close()


@pytest.mark.django_db
def test_console_links_supervisors_to_the_floor_and_the_campaigns():
    client = Client()
    client.force_login(SupervisorFactory())
    page = client.get(reverse("livechat:console")).content.decode()
    assert reverse("livechat:floor") in page and reverse("livechat:focus_list") in page
    client.force_login(HelperFactory())
    page = client.get(reverse("livechat:console")).content.decode()
    assert reverse("livechat:floor") not in page
