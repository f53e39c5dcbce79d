"""Availability (open, full, closed), the queue serving an article, position and wait estimates."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kitsune_livechat.models import AgentStatus, ChatSession, Focus, Queue
from kitsune_livechat.services.line import availability as lines
from kitsune_livechat.services.line import placement
from kitsune_livechat.services.line.availability import within_hours
from tests.factories import (
    ActiveChatFactory,
    AgentStatusFactory,
    ChatSessionFactory,
    DocumentFactory,
    HelperFactory,
    ProductFactory,
    QueueFactory,
    online_helper,
)

pytestmark = [pytest.mark.django_db, pytest.mark.queue(seconds_per_chat=60)]

Status = ChatSession.Status


def availability(api_client, article, **params):
    response = api_client().get("availability", article=article.pk, **params)
    assert response.status_code == 200, response.json()
    return response.json()


# --- Which queue ------------------------------------------------------------------------------


def test_the_queue_is_found_by_focus_then_product_then_locale_then_default(api_client, queue):
    firefox = ProductFactory(slug="firefox")
    article = DocumentFactory(products=[firefox])
    german_article = DocumentFactory(locale="de")
    assert availability(api_client, article)["queue"] == "general"

    QueueFactory(slug="german", locale="de")
    assert availability(api_client, german_article)["queue"] == "german"
    assert availability(api_client, article)["queue"] == "general"

    QueueFactory(slug="firefox-any", product="firefox")
    assert availability(api_client, article)["queue"] == "firefox-any"
    assert availability(api_client, article, locale="de")["queue"] == "firefox-any"

    QueueFactory(slug="firefox-de", product="firefox", locale="de")
    assert availability(api_client, article, locale="de")["queue"] == "firefox-de"

    focus_queue = QueueFactory(slug="focus")
    focus = Focus.objects.create(title="Crash campaign", slug="crash", queue=focus_queue)
    focus.articles.add(article)
    result = availability(api_client, article)
    assert result["queue"] == "focus"
    assert result["focus"]["slug"] == "crash"

    Queue.objects.filter(slug__in=["focus", "firefox-any"]).update(is_active=False)
    assert availability(api_client, article)["queue"] == "general"


def test_without_any_queue_chat_is_closed(api_client, db):
    result = availability(api_client, DocumentFactory())
    assert (result["state"], result["reason"], result["queue"]) == ("closed", "no_queue", None)
    assert result["fallback"] == ["forum", "email"]


@pytest.mark.parametrize(
    "params, code",
    [({"article": "999999"}, "unknown_article"), ({"article": "1", "locale": "xx"}, None)],
)
def test_availability_checks_its_input(api_client, queue, params, code):
    article = DocumentFactory()
    if code is None:
        params = {**params, "article": article.pk}
        code = "invalid_locale"
    response = api_client().get("availability", **params)
    assert (response.status_code, response.json()["code"]) == (400, code)


def test_an_archived_article_offers_no_chat(api_client, queue):
    response = api_client().get("availability", article=DocumentFactory(is_archived=True).pk)
    assert (response.status_code, response.json()["code"]) == (400, "archived_article")


# --- Open, full, closed -----------------------------------------------------------------------


def test_nobody_online_means_closed(api_client, queue):
    AgentStatusFactory(status=AgentStatus.Status.OFFLINE)
    AgentStatusFactory(last_seen=timezone.now() - timedelta(minutes=5))
    result = availability(api_client, DocumentFactory())
    assert result == {
        "state": "closed",
        "reason": "nobody_online",
        "wait_seconds": None,
        "online": 0,
        "queue": "general",
        "focus": None,
        "fallback": ["forum", "email"],
    }


def test_helpers_online_for_another_language_do_not_open_the_queue(api_client, queue):
    AgentStatusFactory(locales=["de"])
    assert availability(api_client, DocumentFactory())["state"] == "closed"
    assert availability(api_client, DocumentFactory(), locale="de")["online"] == 1


def test_open_with_the_number_of_helpers_online(api_client, queue):
    online_helper()
    online_helper()
    result = availability(api_client, DocumentFactory())
    assert (result["state"], result["reason"], result["online"]) == ("open", None, 2)
    assert result["wait_seconds"] == 0
    assert result["fallback"] == []


def test_full_when_the_line_is_longer_than_the_seats_allow(api_client, queue):
    queue.full_multiplier = 1.5
    queue.save()
    online_helper(capacity=2)  # 2 seats x 1.5 = a line of 3
    article = DocumentFactory()
    ChatSessionFactory.create_batch(2, queue=queue)
    assert availability(api_client, article)["state"] == "open"

    ChatSessionFactory(queue=queue)
    result = availability(api_client, article)
    assert (result["state"], result["reason"]) == ("full", "line_full")
    assert result["wait_seconds"] == 180

    online_helper(capacity=2)
    assert availability(api_client, article)["state"] == "open"


def test_outside_business_hours_the_queue_is_closed(api_client, queue):
    online_helper()
    tomorrow = (timezone.localtime(timezone.now(), ZoneInfo("UTC")).weekday() + 1) % 7
    queue.business_hours = {str(tomorrow): [["00:00", "23:59"]]}
    queue.save()
    result = availability(api_client, DocumentFactory())
    assert (result["state"], result["reason"]) == ("closed", "after_hours")

    queue.business_hours = {str(day): [["00:00", "24:00"]] for day in range(7)}
    queue.save()
    assert availability(api_client, DocumentFactory())["state"] == "open"


def at(text: str, zone: str = "UTC") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def test_business_hours_follow_the_queues_time_zone():
    queue = Queue(time_zone="Europe/Berlin", business_hours={"0": [["09:00", "17:00"]]})
    # Monday 2026-03-02: 08:30 UTC is 09:30 in Berlin.
    assert within_hours(queue, at("2026-03-02T08:30"))
    assert not within_hours(queue, at("2026-03-02T07:30"))
    assert not within_hours(queue, at("2026-03-02T16:30"))  # 17:30 in Berlin
    assert not within_hours(queue, at("2026-03-03T08:30"))  # Tuesday: no hours


def test_business_hours_may_run_past_midnight():
    queue = Queue(time_zone="UTC", business_hours={"4": [["22:00", "02:00"]]})
    assert within_hours(queue, at("2026-03-06T23:00"))  # Friday night
    assert within_hours(queue, at("2026-03-07T01:30"))  # early Saturday, same shift
    assert not within_hours(queue, at("2026-03-07T02:30"))
    assert not within_hours(queue, at("2026-03-06T21:00"))


def test_no_business_hours_means_always_and_bad_entries_are_ignored():
    assert within_hours(Queue(business_hours={}), at("2026-03-07T03:00"))
    broken = Queue(business_hours={str(d): [["nine", "five"], ["10"]] for d in range(7)})
    assert not within_hours(broken, at("2026-03-07T12:00"))


# --- Position and wait ------------------------------------------------------------------------


def test_without_history_the_estimate_is_per_chat_or_the_longest_wait(api_client, queue):
    online_helper(capacity=1)
    article = DocumentFactory()
    now = timezone.now()
    ChatSessionFactory.create_batch(3, queue=queue, created=now)
    assert availability(api_client, article)["wait_seconds"] == 3 * 60

    ChatSession.objects.filter(queue=queue).update(created=now - timedelta(minutes=10))
    assert availability(api_client, article)["wait_seconds"] == pytest.approx(600, abs=2)


def position_and_wait(api_client, session):
    body = api_client(session.visitor).get(f"sessions/{session.pk}").json()
    return body["position"], body["wait_seconds"]


def test_position_and_wait_move_as_chats_are_taken_and_helpers_come_and_go(api_client, queue):
    now = timezone.now()
    # Recent history: chats waited 100 and 140 seconds before a helper took them.
    for waited in (100, 140):
        ActiveChatFactory(
            queue=queue,
            created=now - timedelta(minutes=30, seconds=waited),
            assigned_at=now - timedelta(minutes=30),
        )
    busy = online_helper(capacity=2)  # both seats taken by the chats above
    ChatSession.objects.filter(status=Status.ACTIVE).update(helper=busy)
    first, second, third = (
        ChatSessionFactory(queue=queue, created=now - timedelta(seconds=120 - i)) for i in range(3)
    )

    assert position_and_wait(api_client, first) == (1, 120)
    assert position_and_wait(api_client, second) == (2, 240)
    assert position_and_wait(api_client, third) == (3, 360)

    # A second helper with two free seats comes online: the seats turn over two at a time.
    newcomer = AgentStatusFactory(status=AgentStatus.Status.OFFLINE, capacity=2).user
    api_client(newcomer).put("agent/status", {"status": "online"})
    assert position_and_wait(api_client, second) == (2, 120)
    assert position_and_wait(api_client, third) == (3, 240)

    # The newcomer takes the first chat: everyone moves up.
    assert api_client(newcomer).post("agent/claim", {}).json()["id"] == str(first.pk)
    position, wait = position_and_wait(api_client, second)
    assert position == 1 and wait == pytest.approx(120, abs=2)
    position, wait = position_and_wait(api_client, third)
    assert position == 2 and wait == pytest.approx(120, abs=2)
    assert position_and_wait(api_client, first) == (None, None)

    # The newcomer leaves: fewer seats, longer waits.
    api_client(newcomer).put("agent/status", {"status": "offline"})
    position, wait = position_and_wait(api_client, third)
    assert position == 2 and wait == pytest.approx(240, abs=4)


def test_the_socket_reading_matches_what_the_visitor_reads(api_client, queue):
    """Waiting visitors' sockets push ``position_and_wait`` when the line moves."""
    online_helper()
    _first, second = ChatSessionFactory.create_batch(2, queue=queue)
    assert lines.position_and_wait(second) == position_and_wait(api_client, second)
    assert lines.position_and_wait(second)[0] == 2
    assert lines.position_and_wait(ActiveChatFactory(queue=queue)) == (None, None)


# --- Cost -------------------------------------------------------------------------------------


@pytest.mark.parametrize("waiting, helpers", [(5, 1), (50, 8)])
def test_availability_costs_the_same_however_long_the_line(
    api_client, queue, django_assert_num_queries, waiting, helpers
):
    for _ in range(helpers):
        online_helper()
    article = DocumentFactory(products=[ProductFactory()])
    ChatSessionFactory.create_batch(waiting, queue=queue)
    client = api_client()
    with django_assert_num_queries(7):
        response = client.get("availability", article=article.pk)
    assert response.json()["state"] in ("open", "full")


@pytest.mark.parametrize("waiting", [5, 50])
def test_reading_a_waiting_chat_costs_the_same_however_long_the_line(
    api_client, queue, django_assert_num_queries, waiting
):
    online_helper()
    ChatSessionFactory.create_batch(waiting, queue=queue)
    last = ChatSessionFactory(queue=queue)
    client = api_client(last.visitor)
    client.get(f"sessions/{last.pk}")
    with django_assert_num_queries(8):
        body = client.get(f"sessions/{last.pk}").json()
    assert body["position"] == waiting + 1


def test_a_helper_on_the_preferred_list_is_only_a_helper(queue):
    """Helpers by permission only: a user without answer_chats never counts as online."""
    AgentStatusFactory(user=HelperFactory(perms=[]))
    assert placement.check_availability(article_id=DocumentFactory().pk).online == 0


def test_no_free_seat_is_never_promised_as_no_wait(api_client, queue):
    """The only helper is at capacity and nobody waits: the next chat waits for one to end."""
    article = DocumentFactory()
    helper = online_helper(capacity=1)
    assert availability(api_client, article)["wait_seconds"] == 0  # a free seat right now
    ActiveChatFactory(queue=queue, helper=helper)
    result = availability(api_client, article)
    assert result["state"] == "open"
    assert result["wait_seconds"] == 60

    # Quick pick-ups in the recent past do not make a full helper free.
    now = timezone.now()
    ActiveChatFactory(
        queue=queue,
        helper=HelperFactory(),
        created=now - timedelta(minutes=5, seconds=2),
        assigned_at=now - timedelta(minutes=5),
    )
    assert availability(api_client, article)["wait_seconds"] == 60
    waiting = ChatSessionFactory(queue=queue)
    assert position_and_wait(api_client, waiting) == (1, 60)

    # A second seat opens: the chat at the head of the line is taken at recent speed.
    AgentStatus.objects.filter(user=helper).update(capacity=2)
    position, wait = position_and_wait(api_client, waiting)
    assert position == 1 and wait < 60
