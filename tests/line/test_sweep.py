"""The sweep: unanswered chats become missed (and can go to the forum), silent helpers go
offline, and two sweeps at once change each row once."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from questions.models import Question

from kitsune_livechat.models import AgentStatus, ChatSession, Message, Queue
from kitsune_livechat.services.line.sweep import sweep
from tests.factories import (
    AgentStatusFactory,
    ChatSessionFactory,
    DefaultQueueFactory,
    QueueFactory,
)

# Consoles are alerted again about long waits only where a test asks for it.
pytestmark = pytest.mark.queue(long_wait=0)

Status = ChatSession.Status


def minutes_ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


@pytest.mark.django_db
def test_chats_nobody_answered_in_time_are_missed(
    queue, published, host_signals, django_capture_on_commit_callbacks
):
    overdue = ChatSessionFactory(queue=queue, created=minutes_ago(11))
    recent = ChatSessionFactory(queue=queue, created=minutes_ago(9))
    patient = QueueFactory(slug="patient", auto_assign=False, missed_timeout=0, long_wait=0)
    never = ChatSessionFactory(queue=patient, created=minutes_ago(600))

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep()

    assert result["missed"] == 1
    overdue.refresh_from_db()
    assert (overdue.status, overdue.end_reason) == (Status.MISSED, "timeout")
    assert overdue.ended_at is not None
    assert ChatSession.objects.get(pk=recent.pk).status == Status.WAITING
    assert ChatSession.objects.get(pk=never.pk).status == Status.WAITING
    notice = Message.objects.get(session=overdue)
    assert notice.kind == Message.Kind.SYSTEM and "forum" in notice.body
    status = published.of_type(f"livechat.session.{overdue.pk.hex}", "status")
    assert [(f["status"], f["change"]) for f in status] == [("missed", "missed")]
    assert [f["change"] for f in published.of_type("livechat.queue", "queue")] == ["missed"]
    assert published.lines_moved() == [queue.pk]
    assert [(name, kwargs["session"].pk) for name, kwargs in host_signals] == [
        ("chat_missed", overdue.pk)
    ]

    assert sweep()["missed"] == 0
    assert Message.objects.filter(session=overdue).count() == 1


@pytest.mark.django_db
def test_a_missed_chat_offers_the_forum_and_becomes_a_question(api_client, queue):
    session = ChatSessionFactory(queue=queue, created=minutes_ago(20), product="")
    sweep()

    visitor = api_client(session.visitor)
    body = visitor.get(f"sessions/{session.pk}").json()
    assert body["status"] == "missed"
    assert body["fallback"] == ["forum", "email"]

    response = visitor.post(f"sessions/{session.pk}/handoff", {"to": "forum"})

    assert response.status_code == 200, response.json()
    question = Question.objects.get()
    assert question.creator == session.visitor
    assert session.problem in question.content
    assert "No volunteer could answer in time" in question.content
    assert question.metadata["livechat_session"] == str(session.pk)
    session.refresh_from_db()
    assert (session.handoff_question_id, session.handoff_url) == (
        question.pk,
        question.get_absolute_url(),
    )


@pytest.mark.django_db
def test_silent_helpers_go_offline_and_get_no_new_chats(queue):
    Queue.objects.filter(pk=queue.pk).update(auto_assign=True)
    silent = AgentStatusFactory(last_seen=minutes_ago(5))
    away = AgentStatusFactory(status=AgentStatus.Status.AWAY, last_seen=minutes_ago(5))
    fresh = AgentStatusFactory()
    chat = ChatSessionFactory(queue=queue)

    result = sweep()

    assert result["helpers_offline"] == 2
    assert AgentStatus.objects.get(pk=silent.pk).status == AgentStatus.Status.OFFLINE
    assert AgentStatus.objects.get(pk=away.pk).status == AgentStatus.Status.OFFLINE
    assert AgentStatus.objects.get(pk=fresh.pk).status == AgentStatus.Status.ONLINE
    chat.refresh_from_db()
    assert chat.helper == fresh.user
    assert sweep()["helpers_offline"] == 0


@pytest.mark.django_db
def test_chats_of_a_vanished_helper_go_back_in_line_keeping_their_place(
    queue, api_client, published, django_capture_on_commit_callbacks
):
    Queue.objects.filter(pk=queue.pk).update(auto_assign=True)
    gone = AgentStatusFactory(status=AgentStatus.Status.OFFLINE, last_seen=minutes_ago(6))
    napping = AgentStatusFactory(status=AgentStatus.Status.OFFLINE, last_seen=minutes_ago(2))
    stranded = ChatSessionFactory(
        queue=queue, status=Status.ACTIVE, helper=gone.user, created=minutes_ago(8)
    )
    kept = ChatSessionFactory(
        queue=queue, status=Status.ACTIVE, helper=napping.user, created=minutes_ago(8)
    )
    asked_later = ChatSessionFactory(queue=queue, created=minutes_ago(1))

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep()

    assert result["requeued"] == 1
    stranded.refresh_from_db()
    assert (stranded.status, stranded.helper) == (Status.WAITING, None)
    kept.refresh_from_db()
    assert (kept.status, kept.helper) == (Status.ACTIVE, napping.user)
    body = api_client(stranded.visitor).get(f"sessions/{stranded.pk}").json()
    assert body["status"] == "waiting"
    assert body["position"] == 1
    assert api_client(asked_later.visitor).get(f"sessions/{asked_later.pk}").json()["position"] == 2
    line = Message.objects.filter(session=stranded, kind=Message.Kind.SYSTEM).last()
    assert "lost their connection" in line.body
    assert sweep()["requeued"] == 0

    # The next helper to come online gets the stranded chat first.
    fresh = AgentStatusFactory()
    sweep()
    stranded.refresh_from_db()
    assert stranded.helper == fresh.user


@pytest.mark.django_db
def test_requeueing_can_be_turned_off(queue, settings):
    settings.LIVECHAT_REQUEUE_AFTER = 0
    gone = AgentStatusFactory(status=AgentStatus.Status.OFFLINE, last_seen=minutes_ago(60))
    chat = ChatSessionFactory(queue=queue, status=Status.ACTIVE, helper=gone.user)

    assert sweep()["requeued"] == 0
    chat.refresh_from_db()
    assert chat.helper == gone.user


@pytest.mark.django_db
def test_consoles_are_alerted_again_when_a_chat_waits_long(
    queue, published, django_capture_on_commit_callbacks
):
    Queue.objects.filter(pk=queue.pk).update(long_wait=120)
    now = timezone.now()
    slow = ChatSessionFactory(queue=queue, created=now - timedelta(seconds=150))
    later = ChatSessionFactory(queue=queue, created=now - timedelta(seconds=60))

    def alerts(at):
        published.clear()
        with django_capture_on_commit_callbacks(execute=True):
            count = sweep(now=at)["long_waits"]
        frames = published.of_type("livechat.queue", "queue")
        assert len(frames) == count
        return [(f["change"], f["session"]["id"], f["notify"]) for f in frames]

    assert alerts(now) == [("waiting_long", str(slow.pk), True)]
    assert alerts(now + timedelta(seconds=30)) == []
    # 250 s: the slow chat's second alert; 160 s: the later chat's first.
    assert alerts(now + timedelta(seconds=100)) == [
        ("waiting_long", str(slow.pk), True),
        ("waiting_long", str(later.pk), True),
    ]


@pytest.mark.django_db
def test_the_management_command_reports_what_it_did(queue):
    ChatSessionFactory(queue=queue, created=minutes_ago(30))
    AgentStatusFactory(last_seen=minutes_ago(30))
    out = StringIO()

    call_command("livechat_sweep", "--no-karma", stdout=out)

    assert (
        "Missed 1 chat(s); set 1 helper(s) offline; put 0 chat(s) back in line; "
        "assigned 0 chat(s); alerted 0 long wait(s)." in out.getvalue()
    )
    out = StringIO()
    call_command("livechat_sweep", stdout=out)
    assert out.getvalue().startswith("Missed 0 chat(s); set 0 helper(s) offline")
    assert "feedback revision(s)" in out.getvalue()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_two_sweeps_at_once_miss_each_chat_once():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent sweeps need PostgreSQL.")
    queue = DefaultQueueFactory(auto_assign=False, missed_timeout=60)
    chats = [ChatSessionFactory(queue=queue, created=minutes_ago(5)) for _ in range(40)]
    helpers = [AgentStatusFactory(last_seen=minutes_ago(5)) for _ in range(10)]
    start = threading.Barrier(3)
    results, failures = [], []

    def sweep_in_thread():
        try:
            start.wait()
            results.append(sweep())
        except Exception as error:
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep_in_thread) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert sum(result["missed"] for result in results) == len(chats)
    assert sum(result["helpers_offline"] for result in results) == len(helpers)
    assert ChatSession.objects.filter(status=Status.MISSED).count() == len(chats)
    notices = Message.objects.filter(session__in=chats).values_list("session_id", flat=True)
    assert sorted(notices) == sorted(chat.pk for chat in chats)
