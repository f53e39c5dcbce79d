"""The contributor console socket: live queue, own chats, invitations, knocks, presence."""

import asyncio
import concurrent.futures
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as db
from channels.layers import get_channel_layer
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from kitsune_livechat import realtime
from kitsune_livechat.models import AgentStatus, Trainee
from kitsune_livechat.services.conversation import participants
from kitsune_livechat.services.line import assignment, lifecycle, sweep
from kitsune_livechat.services.shared.access import Caller
from tests.conftest import ApiClient
from tests.factories import (
    ActiveChatFactory,
    AgentStatusFactory,
    ChatSessionFactory,
    DefaultQueueFactory,
    DocumentFactory,
    HelperFactory,
    SupervisorFactory,
    UserFactory,
    chat_form,
)
from tests.sockets import CONSOLE_PATH, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def console(user):
    """A connected console and its greeting (the queue counters first)."""
    socket, accepted = await open_socket(CONSOLE_PATH, user=user)
    assert accepted
    greeting = await socket.receive()
    assert (greeting["type"], greeting["change"]) == ("queue", "snapshot")
    return socket, greeting


async def online_helper():
    helper = await db(HelperFactory)()
    await db(AgentStatusFactory)(user=helper)
    return helper


def request_chat(visitor):
    article = DocumentFactory()
    result = lifecycle.request_chat(
        caller=Caller(user=visitor), article_id=article.pk, problem="Firefox freezes on start"
    )
    return result.session


async def refused(user=None):
    socket, accepted = await open_socket(CONSOLE_PATH, user=user)
    assert accepted
    code = await socket.closed_with()
    await socket.close()
    return code


async def test_only_contributors_get_a_console():
    assert await refused() == 4403
    assert await refused(await db(UserFactory)()) == 4403
    for user in (await db(HelperFactory)(), await db(SupervisorFactory)()):
        socket, greeting = await console(user)
        assert greeting["counts"] == {"waiting": 0, "in_queue": 0}
        await socket.close()


async def test_cross_site_console_is_refused():
    helper = await db(HelperFactory)()
    socket, accepted = await open_socket(
        CONSOLE_PATH, user=helper, origin=(b"origin", b"https://evil.example")
    )
    assert not accepted
    await socket.close()


async def test_new_chat_rings_every_console_and_taking_it_updates_them():
    await db(DefaultQueueFactory)(auto_assign=False)
    first, second = await online_helper(), await online_helper()
    tab_one, _ = await console(first)
    tab_two, _ = await console(first)
    other, _ = await console(second)
    visitor = await db(UserFactory)()

    chat = await db(request_chat)(visitor)

    for socket in (tab_one, tab_two, other):
        frame = await socket.receive()
        assert (frame["type"], frame["change"], frame["notify"]) == ("queue", "new", True)
        assert frame["session"]["id"] == str(chat.pk)
        assert frame["counts"] == {"waiting": 1, "in_queue": 1}
        assert "email" not in str(frame) and visitor.email not in str(frame)

    await db(assignment.claim_chat)(user=first, session_id=chat.pk)

    taken = await other.receive()
    assert (taken["change"], taken["notify"], taken["counts"]["waiting"]) == ("taken", False, 0)
    for tab in (tab_one, tab_two):
        frames = [await tab.receive(), await tab.receive()]
        by_type = {frame["type"]: frame for frame in frames}
        assert by_type["queue"]["change"] == "taken"
        assert by_type["chat"]["change"] == "assigned"
        assert by_type["chat"]["session"]["id"] == str(chat.pk)
    assert await other.nothing()
    for socket in (tab_one, tab_two, other):
        await socket.close()


async def test_invitations_reach_every_console_of_the_invitee():
    chat = await db(ActiveChatFactory)()
    colleague = await db(HelperFactory)()
    tab_one, _ = await console(colleague)
    tab_two, _ = await console(colleague)
    inviter, _ = await console(chat.helper)

    await db(participants.invite)(
        caller=Caller(user=chat.helper), session_id=chat.pk, username=colleague.username
    )

    for tab in (tab_one, tab_two):
        frame = await tab.receive()
        assert (frame["type"], frame["change"], frame["by"]) == (
            "invitation",
            "invited",
            chat.helper.username,
        )
        assert frame["session"]["id"] == str(chat.pk)
    # A console opened later is told of the open invitation when it connects.
    late, _ = await console(colleague)
    pending = await late.receive()
    assert (pending["type"], pending["session"]["id"]) == ("invitation", str(chat.pk))

    await db(participants.accept_invitation)(caller=Caller(user=colleague), session_id=chat.pk)

    answer = await inviter.receive()
    assert (answer["type"], answer["change"], answer["by"]) == (
        "invitation",
        "accepted",
        colleague.username,
    )
    joined = await tab_one.receive()
    assert (joined["type"], joined["change"]) == ("chat", "joined")
    for socket in (tab_one, tab_two, inviter, late):
        await socket.close()


async def test_knocks_reach_the_chats_helper_and_the_answer_the_trainee():
    chat = await db(ActiveChatFactory)()
    learner = await db(UserFactory)()
    mentor = await db(SupervisorFactory)()
    await db(Trainee.objects.create)(user=learner, stage=Trainee.Stage.TRAINING, mentor=mentor)
    helper_console, _ = await console(chat.helper)
    trainee_console, greeting = await console(learner)

    await db(participants.knock)(caller=Caller(user=learner), session_id=chat.pk)
    knock = await helper_console.receive()
    assert (knock["type"], knock["change"], knock["by"]) == ("knock", "knocking", learner.username)

    await db(participants.admit)(
        caller=Caller(user=chat.helper), session_id=chat.pk, username=learner.username
    )
    answer = await trainee_console.receive()
    assert (answer["type"], answer["change"]) == ("knock", "admitted")
    await helper_console.close()
    await trainee_console.close()


async def test_trainees_do_not_hear_the_queue():
    await db(DefaultQueueFactory)(auto_assign=False)
    await online_helper()
    learner = await db(UserFactory)()
    await db(Trainee.objects.create)(user=learner, stage=Trainee.Stage.TRAINING)
    trainee_console, _ = await console(learner)

    await db(request_chat)(await db(UserFactory)())

    assert await trainee_console.nothing()
    await trainee_console.close()


async def test_ping_is_the_presence_heartbeat():
    helper = await online_helper()
    await db(AgentStatus.objects.filter(user=helper).update)(last_seen=None)
    socket, _ = await console(helper)

    await socket.send("ping")

    assert await socket.receive() == {"type": "pong"}
    status = await db(AgentStatus.objects.get)(user=helper)
    assert status.last_seen is not None
    await socket.close()


async def test_presence_follows_across_consoles():
    helper = await online_helper()
    tab_one, _ = await console(helper)
    tab_two, _ = await console(helper)

    await db(assignment.set_agent_status)(user=helper, status="away", capacity=2)

    for tab in (tab_one, tab_two):
        assert await tab.receive() == {"type": "presence", "status": "away", "capacity": 2}
    await tab_one.close()
    await tab_two.close()


async def test_console_closes_when_the_permission_is_taken_away():
    helper = await online_helper()
    socket, _ = await console(helper)

    def revoke():
        helper.user_permissions.remove(Permission.objects.get(codename="answer_chats"))

    await db(revoke)()
    await socket.send("ping")

    assert await socket.closed_with() == 4403
    await socket.close()


async def test_bad_frames_on_the_console_get_errors():
    socket, _ = await console(await db(HelperFactory)())

    await socket.send_text("nope")
    assert (await socket.receive())["code"] == "invalid_json"
    await socket.send("message.send", body="hi")
    assert (await socket.receive())["code"] == "unknown_type"
    await socket.send("ping")
    assert (await socket.receive())["type"] == "pong"
    await socket.close()


async def test_a_chat_waiting_too_long_rings_the_consoles_again():
    await db(cache.clear)()
    chat = await db(ChatSessionFactory)(created=timezone.now() - timedelta(minutes=5))
    socket, greeting = await console(await db(HelperFactory)())
    assert greeting["counts"]["waiting"] == 1

    await db(sweep.alert_long_waits)()

    frame = await socket.receive()
    assert (frame["type"], frame["change"], frame["notify"]) == ("queue", "waiting_long", True)
    assert frame["session"]["id"] == str(chat.pk)
    await socket.close()


async def test_a_claim_returns_before_its_events_are_published_and_they_follow_in_order(
    monkeypatch,
):
    """Under ASGI the committing thread hands its events to the server's loop: the claim does
    not wait for the channel layer, and the events go out in commit order."""
    await db(DefaultQueueFactory)(auto_assign=False)
    helper = await online_helper()
    visitor = await db(UserFactory)()
    session = await db(request_chat)(visitor)
    while realtime._outbox:  # the request's own events are out
        await asyncio.sleep(0.01)
    layer = get_channel_layer()
    real_send = layer.group_send
    release = asyncio.Event()
    published: list[tuple[str, dict]] = []

    async def held_send(group, message):
        await release.wait()  # a layer that has not answered yet
        published.append((group, message))
        await real_send(group, message)

    monkeypatch.setattr(layer, "group_send", held_send)
    taken = await db(assignment.claim_chat)(user=helper, session_id=session.pk)
    assert taken.helper_id == helper.pk
    assert published == []  # the claim came back while the layer still held the first event

    release.set()
    while realtime._outbox:
        await asyncio.sleep(0.01)
    groups = [group for group, _message in published]
    in_chat = [m["event"]["type"] for g, m in published if g == realtime.session_group(session.pk)]
    assert in_chat == ["message", "status"]  # the system line, then the status, as committed
    assert realtime.QUEUE_GROUP in groups and realtime.agent_group(helper.pk) in groups
    assert groups.index(realtime.QUEUE_GROUP) < groups.index(realtime.agent_group(helper.pk))


async def test_requests_served_without_an_event_loop_publish_from_one_loop_in_order(monkeypatch):
    """A WSGI worker (or a command) has no server loop: its events go out from one loop of the
    process's own, so the channel layer keeps its connections rather than opening one per
    event, and every console still hears each new chat, in the order the requests made them."""
    await db(DefaultQueueFactory)(auto_assign=False)
    socket, _greeting = await console(await online_helper())
    layer = get_channel_layer()
    real_send = layer.group_send
    loops: set = set()

    async def recorded_send(group, message):
        if group == realtime.QUEUE_GROUP:
            loops.add(asyncio.get_running_loop())
        await real_send(group, message)

    monkeypatch.setattr(layer, "group_send", recorded_send)
    visitors = [await db(UserFactory)() for _ in range(3)]

    def requests_in_a_plain_thread():
        try:
            return [ApiClient(visitor).post("sessions", chat_form()) for visitor in visitors]
        finally:
            connections.close_all()  # the thread's own, as a server closes it after a request

    with concurrent.futures.ThreadPoolExecutor(1) as plain_thread:  # no sync_to_async in it
        responses = await asyncio.wrap_future(plain_thread.submit(requests_in_a_plain_thread))

    assert [response.status_code for response in responses] == [201, 201, 201]
    new = []
    while len(new) < 3:
        frame = await socket.receive()
        if frame["type"] == "queue" and frame["change"] == "new":
            new.append(frame["session"]["id"])
    assert new == [response.json()["id"] for response in responses]
    assert len(loops) == 1 and asyncio.get_running_loop() not in loops
    await socket.close()


async def test_a_lagging_layer_holds_the_writer_back_instead_of_piling_up_events(monkeypatch):
    await db(DefaultQueueFactory)(auto_assign=False)
    helper = await online_helper()
    session = await db(request_chat)(await db(UserFactory)())
    while realtime._outbox:
        await asyncio.sleep(0.01)
    layer = get_channel_layer()
    real_send = layer.group_send
    held, release = asyncio.Event(), asyncio.Event()

    async def held_send(group, message):
        held.set()
        await release.wait()
        await real_send(group, message)

    monkeypatch.setattr(layer, "group_send", held_send)
    monkeypatch.setattr(realtime, "OUTBOX_LIMIT", 0)  # every event counts as a backlog
    claim = asyncio.ensure_future(db(assignment.claim_chat)(user=helper, session_id=session.pk))
    await held.wait()
    assert not claim.done()  # the claim waits for its first event to go out
    release.set()
    assert (await claim).helper_id == helper.pk
