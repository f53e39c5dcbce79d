"""The contributor side of the queue through the HTTP API: presence, the queue, claims."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kitsune_livechat.models import AgentStatus, ChatSession, Message, Participant
from kitsune_livechat.services.line import assignment, lifecycle
from tests.factories import (
    ActiveChatFactory,
    AgentStatusFactory,
    ChatSessionFactory,
    DefaultQueueFactory,
    HelperFactory,
    QueueFactory,
    UserFactory,
    online_helper,
)

pytestmark = pytest.mark.django_db

Status = ChatSession.Status


def waiting_chats(queue, n, **kwargs):
    """``n`` waiting chats, the first requested longest ago."""
    now = timezone.now()
    return [
        ChatSessionFactory(queue=queue, created=now - timedelta(minutes=n - i), **kwargs)
        for i in range(n)
    ]


# --- Presence ---------------------------------------------------------------------------------


def test_a_helper_goes_online_with_capacity_queues_and_locales(
    api_client, queue, published, django_capture_on_commit_callbacks
):
    helper = HelperFactory()
    QueueFactory(slug="firefox", name="Firefox")
    client = api_client(helper)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.put(
            "agent/status",
            {"status": "online", "capacity": 5, "queues": ["firefox"], "locales": ["de"]},
        )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "online" and body["available"] is True
    assert (body["capacity"], body["active"]) == (5, 0)
    assert (body["queues"], body["locales"]) == (["firefox"], ["de"])
    row = AgentStatus.objects.get(user=helper)
    assert row.last_seen is not None
    assert [f["status"] for f in published.of_type(f"livechat.agent.{helper.pk}", "presence")] == [
        "online"
    ]
    assert client.get("agent/status").json() == body

    away = client.put("agent/status", {"status": "away", "queues": [], "locales": []})
    assert away.json()["status"] == "away" and away.json()["available"] is False
    assert away.json()["queues"] == [] and away.json()["capacity"] == 5


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"status": "busy"}, "invalid_status"),
        ({"status": "online", "capacity": 0}, "invalid_capacity"),
        ({"status": "online", "capacity": 21}, "invalid_capacity"),
        ({"status": "online", "queues": ["no-such-queue"]}, "unknown_queue"),
        ({"status": "online", "locales": ["xx"]}, "invalid_locale"),
    ],
)
def test_bad_status_changes_are_refused(api_client, queue, payload, code):
    row = AgentStatusFactory(status=AgentStatus.Status.OFFLINE, capacity=3)
    response = api_client(row.user).put("agent/status", payload)
    assert (response.status_code, response.json()["code"]) == (400, code)
    row.refresh_from_db()
    assert (row.status, row.capacity, row.queues.count()) == ("offline", 3, 0)


def test_only_helpers_have_a_status(api_client, queue):
    response = api_client(UserFactory()).put("agent/status", {"status": "online"})
    assert (response.status_code, response.json()["code"]) == (403, "not_a_helper")
    assert api_client().put("agent/status", {"status": "online"}).status_code == 401
    assert not AgentStatus.objects.exists()


def test_the_heartbeat_keeps_a_helper_online(api_client, queue):
    stale = timezone.now() - timedelta(minutes=10)
    row = AgentStatusFactory(last_seen=stale)
    client = api_client(row.user)
    assert client.get("agent/status").json()["available"] is False

    response = client.post("agent/heartbeat")

    assert response.status_code == 200
    assert response.json()["available"] is True
    row.refresh_from_db()
    assert row.last_seen > stale


def test_a_heartbeat_does_not_bring_an_offline_helper_back(api_client, queue):
    row = AgentStatusFactory(status=AgentStatus.Status.OFFLINE)
    response = api_client(row.user).post("agent/heartbeat")
    assert response.json()["status"] == "offline"
    assert response.json()["available"] is False


def test_a_helper_back_from_a_silence_gets_waiting_chats():
    queue = DefaultQueueFactory()
    row = AgentStatusFactory(last_seen=timezone.now() - timedelta(minutes=10))
    chat = ChatSessionFactory(queue=queue)
    assignment.heartbeat(user=row.user)

    chat.refresh_from_db()
    assert chat.helper == row.user


# --- The queue --------------------------------------------------------------------------------


def test_the_queue_lists_the_chats_a_helper_may_take_oldest_first(api_client, queue):
    german = QueueFactory(slug="de", locale="de", auto_assign=False)
    row = AgentStatusFactory(locales=["en-US"])
    row.queues.add(queue)
    oldest, newest = waiting_chats(queue, 2, preferred_helper=None)
    ChatSession.objects.filter(pk=newest.pk).update(preferred_helper=row.user)
    ChatSessionFactory(queue=german, locale="de")
    ChatSessionFactory(queue=queue, locale="de")
    ChatSessionFactory(queue=queue, visitor=row.user)
    ActiveChatFactory(queue=queue)

    response = api_client(row.user).get("agent/queue")

    assert response.status_code == 200
    body = response.json()
    assert [chat["id"] for chat in body["chats"]] == [str(oldest.pk), str(newest.pk)]
    assert body["count"] == 2
    item = body["chats"][0]
    assert item["problem"] == oldest.problem
    assert item["article"]["title"] == oldest.article_title
    assert item["queue"] == "general" and item["locale"] == "en-US"
    assert item["waited_seconds"] >= 120
    assert item["long_wait"] is True
    assert [chat["preferred"] for chat in body["chats"]] == [False, True]
    assert body["agent"]["status"] == "online"


def test_the_queue_is_for_helpers_only(api_client, queue):
    response = api_client(UserFactory()).get("agent/queue")
    assert (response.status_code, response.json()["code"]) == (403, "not_a_helper")


@pytest.mark.parametrize("waiting", [5, 50])
def test_listing_the_queue_costs_the_same_however_long_it_is(
    api_client, queue, django_assert_num_queries, waiting
):
    helper = online_helper()
    waiting_chats(queue, waiting)
    client = api_client(helper)
    client.get("agent/queue")  # warm the session and permission caches of the test client

    with django_assert_num_queries(7):
        response = client.get("agent/queue")
    assert response.json()["count"] == waiting


def test_the_count_covers_chats_beyond_the_listed_page(queue):
    helper = online_helper()
    waiting_chats(queue, 4)
    result = lifecycle.helper_queue(user=helper, limit=3)
    assert (len(result["chats"]), result["count"]) == (3, 4)


# --- Claiming ---------------------------------------------------------------------------------


def test_take_next_gives_the_oldest_chat_the_helper_may_take(
    api_client, queue, published, host_signals, django_capture_on_commit_callbacks
):
    helper = online_helper()
    oldest, newest = waiting_chats(queue, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(helper).post("agent/claim", {})

    assert response.status_code == 200, response.json()
    assert response.json()["id"] == str(oldest.pk)
    assert response.json()["role"] == "helper"
    assert response.json()["status"] == "active"
    oldest.refresh_from_db()
    assert (oldest.status, oldest.helper) == (Status.ACTIVE, helper)
    assert oldest.assigned_at is not None
    joined = Message.objects.get(session=oldest, kind="system")
    assert helper.username in joined.body
    taken = published.of_type("livechat.queue", "queue")
    assert [(f["change"], f["session"]["id"]) for f in taken] == [("taken", str(oldest.pk))]
    status = published.of_type(f"livechat.session.{oldest.pk.hex}", "status")
    assert status[-1]["status"] == "active" and status[-1]["change"] == "assigned"
    assert published.lines_moved() == [queue.pk]
    assigned = [kwargs for name, kwargs in host_signals if name == "chat_assigned"]
    assert assigned[0]["helper"] == helper and assigned[0]["auto"] is False
    assert api_client(newest.visitor).get(f"sessions/{newest.pk}").json()["position"] == 1


def test_take_this_one(api_client, queue):
    helper = online_helper()
    _oldest, newest = waiting_chats(queue, 2)
    response = api_client(helper).post("agent/claim", {"session": str(newest.pk)})
    assert response.json()["id"] == str(newest.pk)
    newest.refresh_from_db()
    assert newest.helper == helper


@pytest.mark.parametrize("take", ["next", "this one"])
def test_a_claim_tells_the_counts_left_and_everyone_the_visitor_sees(
    api_client, queue, published, django_capture_on_commit_callbacks, take
):
    helper = online_helper()
    oldest, _newer, _newest = waiting_chats(queue, 3)
    ChatSessionFactory(queue=QueueFactory(slug="other"))
    # Someone still in a chat that went back to the line: visible, so named with the helper.
    colleague = HelperFactory(username="colleague")
    Participant.objects.create(session=oldest, user=colleague, role="helper", visible=True)
    Participant.objects.create(session=oldest, user=HelperFactory(), role="monitor", visible=False)
    body = {} if take == "next" else {"session": str(oldest.pk)}

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(helper).post("agent/claim", body)

    assert response.status_code == 200, response.json()
    assert response.json()["id"] == str(oldest.pk)
    people = [(h["display_name"], h["role"]) for h in response.json()["helpers"]]
    assert people == [(helper.username, "helper"), ("colleague", "helper")]
    (status,) = published.of_type(f"livechat.session.{oldest.pk.hex}", "status")
    assert status["helpers"] == response.json()["helpers"]
    (taken,) = published.of_type("livechat.queue", "queue")
    assert taken["counts"] == {"waiting": 3, "in_queue": 2}
    floors = [name for _group, name, _data in published.signals if name == "floor_changed"]
    assert floors == ["floor_changed"]
    assert AgentStatus.objects.get(user=helper).last_assigned is not None


@pytest.mark.parametrize("picks", ["queue and locale", "every queue"])
def test_take_next_skips_what_the_helper_may_not_take(api_client, queue, picks):
    row = AgentStatusFactory(capacity=5)
    helper, other = row.user, QueueFactory(slug="other", is_active=False)
    if picks == "queue and locale":
        row.queues.set([queue])
        row.locales = ["de"]
        row.save()
    now = timezone.now()

    def waiting(minutes, **fields):
        return ChatSessionFactory(created=now - timedelta(minutes=minutes), **fields)

    elsewhere = waiting(5, queue=other, locale="de")
    french = waiting(4, queue=queue, locale="fr")
    waiting(3, queue=queue, locale="de", visitor=helper)  # their own chat: never
    german = waiting(2, queue=queue, locale="de")
    expected = [german] if picks == "queue and locale" else [elsewhere, french, german]

    taken = []
    for _ in expected:
        assert assignment.eligible_waiting(row).first().pk == expected[len(taken)].pk
        response = api_client(helper).post("agent/claim", {})
        assert response.status_code == 200, response.json()
        taken.append(response.json()["id"])
    assert taken == [str(chat.pk) for chat in expected]
    response = api_client(helper).post("agent/claim", {})
    assert (response.status_code, response.json()["code"]) == (404, "queue_empty")


def test_a_helper_alone_in_the_chat_is_the_whole_list(api_client, queue):
    helper = online_helper()
    (chat,) = waiting_chats(queue, 1)
    Participant.objects.create(
        session=chat, user=HelperFactory(), role="helper", state=Participant.State.LEFT
    )
    response = api_client(helper).post("agent/claim", {})
    assert response.json()["helpers"] == [{"display_name": helper.username, "role": "helper"}]


def test_someone_elses_chat_cannot_be_taken_from_them(api_client, queue):
    owner, other = online_helper(), online_helper()
    chat = ActiveChatFactory(queue=queue, helper=owner)
    response = api_client(other).post("agent/claim", {"session": str(chat.pk)})
    assert (response.status_code, response.json()["code"]) == (409, "already_taken")
    chat.refresh_from_db()
    assert chat.helper == owner
    assert not Message.objects.filter(session=chat, kind="system").exists()


def test_a_chat_just_taken_cannot_be_taken_again(api_client, queue):
    first, second = online_helper(), online_helper()
    chat = ChatSessionFactory(queue=queue)
    assert api_client(first).post("agent/claim", {"session": str(chat.pk)}).status_code == 200

    response = api_client(second).post("agent/claim", {"session": str(chat.pk)})

    assert (response.status_code, response.json()["code"]) == (409, "already_taken")
    chat.refresh_from_db()
    assert chat.helper == first
    assert Message.objects.filter(session=chat).count() == 1


@pytest.mark.parametrize(
    "setup, status, code",
    [
        ("at_capacity", 409, "at_capacity"),
        ("offline", 409, "not_online"),
        ("away", 409, "not_online"),
        ("silent", 409, "not_online"),
        ("no_status", 409, "not_online"),
        ("other_queue", 403, "not_eligible"),
        ("other_locale", 403, "not_eligible"),
        ("ended", 409, "no_longer_waiting"),
        ("unknown", 404, "not_found"),
        ("malformed", 404, "not_found"),
    ],
)
def test_claims_that_cannot_be_made(api_client, queue, setup, status, code):
    row = AgentStatusFactory(capacity=1)
    chat = ChatSessionFactory(queue=queue)
    target = str(chat.pk)
    if setup == "at_capacity":
        ActiveChatFactory(queue=queue, helper=row.user)
    elif setup in ("offline", "away"):
        AgentStatus.objects.filter(pk=row.pk).update(status=setup)
    elif setup == "silent":
        AgentStatus.objects.filter(pk=row.pk).update(last_seen=timezone.now() - timedelta(hours=1))
    elif setup == "no_status":
        row.delete()
    elif setup == "other_queue":
        row.queues.add(QueueFactory(slug="elsewhere"))
    elif setup == "other_locale":
        AgentStatus.objects.filter(pk=row.pk).update(locales=["de"])
    elif setup == "ended":
        ChatSession.objects.filter(pk=chat.pk).update(status=Status.ABANDONED)
    elif setup == "unknown":
        target = "6f1c9a1e-0000-4000-8000-000000000000"
    elif setup == "malformed":
        target = "not-a-chat"

    response = api_client(row.user).post("agent/claim", {"session": target})

    assert (response.status_code, response.json()["code"]) == (status, code)
    chat.refresh_from_db()
    assert chat.helper is None
    assert not Message.objects.filter(session=chat).exists()


def test_take_next_with_nothing_waiting(api_client, queue):
    helper = online_helper()
    ChatSessionFactory(queue=queue, locale="de")
    AgentStatus.objects.filter(user=helper).update(locales=["en-US"])
    response = api_client(helper).post("agent/claim", {})
    assert (response.status_code, response.json()["code"]) == (404, "queue_empty")


def test_a_helper_cannot_take_their_own_chat(api_client, queue):
    helper = online_helper()
    ChatSessionFactory(queue=queue, visitor=helper)
    response = api_client(helper).post("agent/claim", {})
    assert response.json()["code"] == "queue_empty"


def test_claiming_is_for_helpers_only(api_client, queue):
    chat = ChatSessionFactory(queue=queue)
    response = api_client(UserFactory()).post("agent/claim", {"session": str(chat.pk)})
    assert (response.status_code, response.json()["code"]) == (403, "not_a_helper")
    response = api_client(chat.visitor).post("agent/claim", {})
    assert response.status_code == 403
    chat.refresh_from_db()
    assert chat.status == Status.WAITING


# --- Own chats and colleagues -----------------------------------------------------------------


def test_a_helper_lists_their_chats_and_colleagues_online(api_client, queue):
    helper = online_helper(capacity=3)
    mine = ActiveChatFactory(queue=queue, helper=helper)
    ActiveChatFactory(queue=queue)
    colleague = online_helper(capacity=2, user__username="colleague")
    ActiveChatFactory(queue=queue, helper=colleague)
    AgentStatusFactory(status=AgentStatus.Status.OFFLINE)

    chats = api_client(helper).get("agent/chats").json()
    assert [chat["id"] for chat in chats] == [str(mine.pk)]

    helpers = api_client(helper).get("agent/helpers").json()
    assert helpers == [
        {
            "username": "colleague",
            "display_name": "colleague",
            "active": 1,
            "capacity": 2,
            "free": 1,
        }
    ]


@pytest.mark.parametrize("waiting", [5, 50])
def test_taking_the_next_chat_costs_the_same_however_long_the_line(
    api_client, queue, django_assert_num_queries, waiting
):
    helper = online_helper()
    waiting_chats(queue, waiting)
    client = api_client(helper)
    client.get("agent/status")
    # The gate, the helper's lock, the claim (seats, the chat with SKIP LOCKED, the move and
    # the stamp: one statement on PostgreSQL, four elsewhere), the system line (one statement
    # on PostgreSQL, three elsewhere) and the events' frames; the answer reads nothing more.
    with django_assert_num_queries(9 if connection.vendor == "postgresql" else 18):
        response = client.post("agent/claim", {})
    assert response.status_code == 200
