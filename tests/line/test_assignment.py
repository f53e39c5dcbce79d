"""Automatic assignment: preferred helper, least loaded, longest idle; when it runs; its limits."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kitsune_livechat.models import AgentStatus, ChatSession
from kitsune_livechat.services.line import assignment
from tests.factories import (
    ActiveChatFactory,
    AgentStatusFactory,
    ChatSessionFactory,
    HelperFactory,
    QueueFactory,
    UserFactory,
    chat_form,
    online_helper,
)

pytestmark = [pytest.mark.django_db, pytest.mark.queue(auto_assign=True)]

Status = ChatSession.Status


def test_a_requested_chat_goes_to_the_least_loaded_helper(
    api_client, queue, published, host_signals, django_capture_on_commit_callbacks
):
    busy = online_helper(capacity=3)
    ActiveChatFactory(queue=queue, helper=busy)
    idle = online_helper(capacity=3)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(UserFactory()).post("sessions", chat_form())

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "active"
    assert [h["display_name"] for h in response.json()["helpers"]] == [idle.username]
    session = ChatSession.objects.get(pk=response.json()["id"])
    assert session.helper == idle
    assert [f["change"] for f in published.of_type(f"livechat.agent.{idle.pk}", "chat")] == [
        "assigned"
    ]
    assigned = [kwargs for name, kwargs in host_signals if name == "chat_assigned"]
    assert assigned[0]["auto"] is True and assigned[0]["helper"] == idle
    assert AgentStatus.objects.get(user=idle).last_assigned is not None


def test_ties_go_to_the_helper_idle_longest(queue):
    now = timezone.now()
    recent = online_helper(last_assigned=now - timedelta(minutes=1))
    longest = online_helper(last_assigned=now - timedelta(hours=1))
    ChatSessionFactory(queue=queue)
    first = ChatSessionFactory(queue=queue)

    assigned = assignment.auto_assign()

    assert [s.helper for s in assigned] == [longest, recent]
    first.refresh_from_db()
    assert first.helper == recent


def test_the_preferred_helper_gets_the_chat_when_they_have_a_seat(queue):
    preferred = online_helper(capacity=3)
    ActiveChatFactory.create_batch(2, queue=queue, helper=preferred)
    online_helper(capacity=3)
    chat = ChatSessionFactory(queue=queue, preferred_helper=preferred)

    assignment.auto_assign()

    chat.refresh_from_db()
    assert chat.helper == preferred


def test_a_preferred_helper_without_a_seat_is_passed_over(queue):
    preferred = online_helper(capacity=1)
    ActiveChatFactory(queue=queue, helper=preferred)
    other = online_helper()
    chat = ChatSessionFactory(queue=queue, preferred_helper=preferred)

    assignment.auto_assign()

    chat.refresh_from_db()
    assert chat.helper == other


def test_nobody_gets_more_chats_than_their_capacity(queue):
    helpers = [online_helper(capacity=2), online_helper(capacity=1)]
    chats = ChatSessionFactory.create_batch(5, queue=queue)

    assigned = assignment.auto_assign()

    assert len(assigned) == 3
    for helper, capacity in zip(helpers, (2, 1), strict=True):
        assert ChatSession.objects.filter(helper=helper, status=Status.ACTIVE).count() == capacity
    waiting = ChatSession.objects.filter(status=Status.WAITING).order_by("created")
    assert list(waiting) == chats[3:]


def test_away_offline_silent_and_unauthorised_helpers_get_nothing(queue):
    AgentStatusFactory(status=AgentStatus.Status.AWAY)
    AgentStatusFactory(status=AgentStatus.Status.OFFLINE)
    AgentStatusFactory(last_seen=timezone.now() - timedelta(minutes=10))
    AgentStatusFactory(user=HelperFactory(perms=[]))
    chat = ChatSessionFactory(queue=queue)

    assert assignment.auto_assign() == []
    chat.refresh_from_db()
    assert chat.status == Status.WAITING


def test_helpers_get_only_their_queues_and_locales(queue):
    german = QueueFactory(slug="de", locale="de")
    de_chat = ChatSessionFactory(queue=german, locale="de")
    en_chat = ChatSessionFactory(queue=queue)
    german_speaker = AgentStatusFactory(locales=["de"]).user
    general_only = AgentStatusFactory()
    general_only.queues.add(queue)

    assignment.auto_assign()

    de_chat.refresh_from_db()
    en_chat.refresh_from_db()
    assert de_chat.helper == german_speaker
    assert en_chat.helper == general_only.user


def test_queues_routed_by_hand_are_left_alone():
    manual = QueueFactory(slug="manual", auto_assign=False)
    online_helper()
    chat = ChatSessionFactory(queue=manual)
    assert assignment.auto_assign() == []
    chat.refresh_from_db()
    assert chat.status == Status.WAITING


def test_a_helper_coming_online_is_given_waiting_chats(api_client, queue):
    row = AgentStatusFactory(status=AgentStatus.Status.OFFLINE, capacity=2)
    chats = ChatSessionFactory.create_batch(3, queue=queue)

    response = api_client(row.user).put("agent/status", {"status": "online"})

    assert response.json()["active"] == 2
    states = [ChatSession.objects.get(pk=c.pk).helper_id for c in chats]
    assert states == [row.user_id, row.user_id, None]


def test_raising_capacity_while_online_brings_more_chats(api_client, queue):
    row = AgentStatusFactory(capacity=1)
    ActiveChatFactory(queue=queue, helper=row.user)
    chat = ChatSessionFactory(queue=queue)

    api_client(row.user).put("agent/status", {"status": "online", "capacity": 2})

    chat.refresh_from_db()
    assert chat.helper == row.user


def test_a_helper_is_never_given_their_own_chat(queue):
    helper = online_helper()
    own = ChatSessionFactory(queue=queue, visitor=helper)
    assert assignment.auto_assign() == []
    own.refresh_from_db()
    assert own.status == Status.WAITING


def test_planning_costs_the_same_however_long_the_line(queue, django_assert_num_queries):
    """With every seat taken, a request's routing pass reads a few rows, never the whole line."""
    helper = online_helper(capacity=1)
    ActiveChatFactory(queue=queue, helper=helper)
    ChatSessionFactory.create_batch(30, queue=queue)
    with django_assert_num_queries(3):
        assert assignment.auto_assign() == []
