"""Requesting, reading, ending and handing off chats through the HTTP API (docs/http-api.md)."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from questions.models import Question

from kitsune_livechat.models import Ban, ChatSession, Focus, Message, Participant
from kitsune_livechat.services.line import followup
from kitsune_livechat.services.shared.access import make_visitor_token
from tests.factories import (
    FIREFOX_UA,
    ActiveChatFactory,
    ChatSessionFactory,
    DefaultQueueFactory,
    DocumentFactory,
    HelperFactory,
    ProductFactory,
    QueueFactory,
    SupervisorFactory,
    UserFactory,
    chat_form,
    online_helper,
)

pytestmark = pytest.mark.django_db

Status = ChatSession.Status


# --- Requesting -------------------------------------------------------------------------------


def test_logged_in_visitor_requests_a_chat_from_an_article(
    api_client, open_queue, visitor, published, host_signals, django_capture_on_commit_callbacks
):
    product = ProductFactory(slug="firefox")
    article = DocumentFactory(title="Firefox crashes on startup", products=[product])
    form = chat_form(article, preferred_helper="", answers={})

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(visitor).post("sessions", form)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "waiting"
    assert body["position"] == 1
    assert isinstance(body["wait_seconds"], int)
    assert body["article"] == {
        "id": article.pk,
        "title": "Firefox crashes on startup",
        "url": article.get_absolute_url(),
        "revision_id": article.current_revision_id,
    }
    assert body["queue"] == "general"
    assert body["helpers"] == []
    assert body["role"] == "visitor"
    assert body["token"] is None
    assert body["browser"] == {"browser": "Firefox", "version": "128.0", "os": "Windows 10"}

    session = ChatSession.objects.get(pk=body["id"])
    assert session.visitor == visitor
    assert session.status == Status.WAITING
    assert session.article_title == "Firefox crashes on startup"
    assert session.article_url == article.get_absolute_url()
    assert session.article_revision_id == article.current_revision_id
    assert session.locale == "en-US"
    assert session.product == "firefox"
    assert session.problem == form["problem"]
    assert session.started_when == "Since yesterday's update"
    assert session.frequency == "Every time"
    assert session.on_affected_computer is True
    assert session.user_agent == FIREFOX_UA
    assert (session.browser, session.browser_version, session.os) == (
        "Firefox",
        "128.0",
        "Windows 10",
    )
    assert session.visitor_name == "mia"
    assert session.visitor_email == "mia@example.com"

    new = published.of_type("livechat.queue", "queue")
    assert [frame["change"] for frame in new] == ["new"]
    assert new[0]["session"]["id"] == body["id"]
    assert [name for name, _kwargs in host_signals] == ["chat_requested"]
    assert host_signals[0][1]["session"].pk == session.pk


def test_the_user_agent_header_is_used_when_the_form_sends_none(api_client, open_queue, visitor):
    form = chat_form()
    del form["user_agent"]
    client = api_client(visitor)
    response = client.client.post(
        "/livechat/api/sessions",
        data=form,
        content_type="application/json",
        headers={**client._headers(), "User-Agent": FIREFOX_UA},
    )
    assert response.status_code == 201
    assert response.json()["browser"]["browser"] == "Firefox"


def test_a_second_request_returns_the_open_chat(api_client, open_queue, visitor):
    client = api_client(visitor)
    first = client.post("sessions", chat_form())
    second = client.post("sessions", chat_form(problem="Something else entirely"))

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert ChatSession.objects.filter(visitor=visitor).count() == 1


def test_a_visitor_whose_chat_ended_can_ask_again(api_client, open_queue, visitor):
    ChatSessionFactory(visitor=visitor, status=Status.ENDED)
    response = api_client(visitor).post("sessions", chat_form())
    assert response.status_code == 201
    assert ChatSession.objects.filter(visitor=visitor).count() == 2


@override_settings(LIVECHAT_ALLOW_ANONYMOUS=True)
def test_an_anonymous_visitor_gets_a_signed_token(api_client, open_queue):
    visitor = api_client()
    response = visitor.post("sessions", chat_form(name="Sam", email="sam@example.com"))

    assert response.status_code == 201
    body = response.json()
    token = body["token"]
    assert token
    session = ChatSession.objects.get(pk=body["id"])
    assert session.visitor is None
    assert session.anonymous_key and session.anonymous_key not in token.split(":")[1:]
    assert (session.visitor_name, session.visitor_email) == ("Sam", "sam@example.com")

    visitor.token = token
    assert visitor.get(f"sessions/{body['id']}").status_code == 200
    again = visitor.post("sessions", chat_form())
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    assert again.json()["token"] is None

    stranger = api_client()
    stranger.token = make_visitor_token("someone-else")
    assert stranger.get(f"sessions/{body['id']}").status_code == 404
    stranger.token = token[:-2] + "xx"
    assert stranger.get(f"sessions/{body['id']}").status_code == 401


def test_anonymous_visitors_must_log_in_unless_allowed(api_client, open_queue):
    response = api_client().post("sessions", chat_form())
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not ChatSession.objects.exists()


def test_a_banned_visitor_gets_a_clear_403(api_client, open_queue, visitor):
    Ban.objects.create(user=visitor, reason="Abuse")
    response = api_client(visitor).post("sessions", chat_form())
    assert response.status_code == 403
    assert response.json()["code"] == "banned"
    assert not ChatSession.objects.exists()


def test_an_expired_ban_no_longer_applies(api_client, open_queue, visitor):
    Ban.objects.create(user=visitor, expires=timezone.now() - timedelta(days=1))
    assert api_client(visitor).post("sessions", chat_form()).status_code == 201


@override_settings(LIVECHAT_ALLOW_ANONYMOUS=True)
def test_a_banned_anonymous_visitor_is_refused(api_client, open_queue):
    Ban.objects.create(anonymous_key="bad-key")
    visitor = api_client(token=make_visitor_token("bad-key"))
    response = visitor.post("sessions", chat_form())
    assert (response.status_code, response.json()["code"]) == (403, "banned")


@pytest.mark.parametrize(
    "change, code",
    [
        ({"article": 999999}, "unknown_article"),
        ({"article": "not-an-id"}, "unknown_article"),
        ({"locale": "xx"}, "invalid_locale"),
        ({"problem": ""}, "empty_problem"),
        ({"problem": "   \n "}, "empty_problem"),
        ({"problem": "x" * 2001}, "too_long"),
        ({"started_when": "y" * 101}, "too_long"),
        ({"frequency": "z" * 101}, "too_long"),
        ({"product": "no-such-product"}, "unknown_product"),
        ({"preferred_helper": "nobody-here"}, "unknown_helper"),
        ({"email": "not an email"}, "invalid_email"),
        ({"fallback": "carrier-pigeon"}, "invalid_fallback"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(api_client, open_queue, visitor, change, code):
    form = chat_form(**{k: v for k, v in change.items() if k != "article"})
    if "article" in change:
        form["article"] = change["article"]
    response = api_client(visitor).post("sessions", form)
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert not ChatSession.objects.exists()


def test_an_archived_article_is_refused(api_client, open_queue, visitor):
    article = DocumentFactory(is_archived=True)
    response = api_client(visitor).post("sessions", chat_form(article))
    assert (response.status_code, response.json()["code"]) == (400, "archived_article")
    assert not ChatSession.objects.exists()


def test_the_preferred_helper_must_be_a_helper(api_client, open_queue, visitor):
    UserFactory(username="not-a-helper")
    response = api_client(visitor).post("sessions", chat_form(preferred_helper="not-a-helper"))
    assert (response.status_code, response.json()["code"]) == (400, "unknown_helper")

    HelperFactory(username="dana")
    response = api_client(visitor).post("sessions", chat_form(preferred_helper="dana"))
    assert response.status_code == 201
    assert ChatSession.objects.get().preferred_helper.username == "dana"


def test_a_second_locale_is_accepted_and_routed(api_client, queue, visitor):
    german = QueueFactory(slug="de", locale="de", auto_assign=False)
    online_helper(locales=["de"])
    response = api_client(visitor).post("sessions", chat_form(locale="de"))
    assert response.status_code == 201, response.json()
    assert response.json()["queue"] == german.slug
    assert response.json()["locale"] == "de"


# --- Closed and full --------------------------------------------------------------------------


def test_a_closed_queue_refuses_and_offers_the_fallback(api_client, queue, visitor):
    response = api_client(visitor).post("sessions", chat_form())
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "queue_closed"
    assert body["fallback"] == ["forum", "email"]
    assert body["availability"]["state"] == "closed"
    assert body["availability"]["reason"] == "nobody_online"
    assert not ChatSession.objects.exists()


def test_a_full_queue_refuses_with_its_own_code(api_client, queue, visitor):
    queue.full_multiplier = 1.0
    queue.save()
    online_helper(capacity=2)
    ChatSessionFactory.create_batch(2, queue=queue)

    response = api_client(visitor).post("sessions", chat_form())
    assert response.status_code == 409
    assert response.json()["code"] == "queue_full"
    assert response.json()["availability"]["state"] == "full"
    assert ChatSession.objects.count() == 2


def test_the_forum_fallback_takes_the_form_in_one_call(
    api_client, queue, visitor, host_signals, django_capture_on_commit_callbacks
):
    product = ProductFactory(slug="firefox", title="Firefox")
    article = DocumentFactory(title="Firefox crashes on startup", products=[product])
    form = chat_form(article, fallback="forum", title="Crash on every new tab")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(visitor).post("sessions", form)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "missed"
    assert body["end_reason"] == "queue_closed"
    question = Question.objects.get()
    assert body["handoff"]["question_id"] == question.pk
    assert body["handoff"]["url"] == question.get_absolute_url()
    assert question.creator == visitor
    assert question.title == "Crash on every new tab"
    assert question.product == product
    assert question.locale == "en-US"
    assert form["problem"] in question.content
    assert "Since yesterday's update" in question.content
    assert "Firefox crashes on startup" in question.content
    assert question.metadata["useragent"] == FIREFOX_UA
    assert question.metadata["os"] == "Windows 10"
    assert question.metadata["ff_version"] == "128.0"
    assert question.metadata["frequency"] == "Every time"
    assert question.metadata["livechat_session"] == body["id"]
    assert [name for name, _kwargs in host_signals] == ["chat_handed_off"]


def test_the_email_fallback_records_the_address(api_client, queue, visitor):
    response = api_client(visitor).post(
        "sessions", chat_form(fallback="email", email="mia.home@example.com")
    )
    assert response.status_code == 201
    session = ChatSession.objects.get()
    assert session.status == Status.MISSED
    assert session.followup_email == "mia.home@example.com"
    assert not Question.objects.exists()


@override_settings(LIVECHAT_ALLOW_ANONYMOUS=True)
def test_anonymous_visitors_cannot_post_to_the_forum(api_client, queue):
    response = api_client().post("sessions", chat_form(fallback="forum"))
    assert (response.status_code, response.json()["code"]) == (403, "login_required")
    assert not ChatSession.objects.exists()
    assert not Question.objects.exists()


# --- Focus answers ----------------------------------------------------------------------------


@pytest.fixture
def focus_article(queue):
    article = DocumentFactory(title="Sync stopped working")
    focus_queue = QueueFactory(slug="sync-focus", auto_assign=False)
    focus = Focus.objects.create(
        title="Sync outage",
        slug="sync-outage",
        queue=focus_queue,
        questions=[
            {"key": "devices", "label": "How many devices?", "type": "text", "required": True},
            {"key": "mobile", "label": "On mobile?", "type": "yesno"},
        ],
    )
    focus.articles.add(article)
    online_helper()
    return article


def test_focus_answers_are_validated_and_stored(api_client, visitor, focus_article):
    client = api_client(visitor)
    missing = client.post("sessions", chat_form(focus_article, answers={"mobile": "yes"}))
    assert (missing.status_code, missing.json()["code"]) == (400, "missing_answer")
    unknown = client.post("sessions", chat_form(focus_article, answers={"devices": "2", "x": 1}))
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_question")
    assert not ChatSession.objects.exists()

    response = client.post(
        "sessions", chat_form(focus_article, answers={"devices": " 3 ", "mobile": "no"})
    )
    assert response.status_code == 201, response.json()
    session = ChatSession.objects.get()
    assert session.focus.slug == "sync-outage"
    assert session.queue.slug == "sync-focus"
    assert session.answers == {"devices": "3", "mobile": False}
    assert response.json()["focus"] == "sync-outage"
    assert response.json()["form"]["answers"] == {"devices": "3", "mobile": False}


# --- Reading ----------------------------------------------------------------------------------


def test_a_chat_is_visible_to_its_visitor_and_helper_only(api_client, queue, visitor):
    helper = HelperFactory()
    session = ActiveChatFactory(queue=queue, visitor=visitor, helper=helper, visitor_name="Mia")

    mine = api_client(visitor).get(f"sessions/{session.pk}")
    assert mine.status_code == 200
    assert mine.json()["role"] == "visitor"
    assert mine.json()["visitor"] is None
    assert [h["display_name"] for h in mine.json()["helpers"]] == [helper.username]

    as_helper = api_client(helper).get(f"sessions/{session.pk}")
    assert as_helper.status_code == 200
    assert as_helper.json()["role"] == "helper"
    assert as_helper.json()["visitor"] == {"display_name": "Mia"}

    for stranger in (UserFactory(), HelperFactory()):
        response = api_client(stranger).get(f"sessions/{session.pk}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert api_client(visitor).get("sessions/not-a-uuid").status_code == 404
    assert api_client().get(f"sessions/{session.pk}").status_code == 401


# --- Ending -----------------------------------------------------------------------------------


def test_a_visitor_leaving_while_waiting_abandons_the_chat(
    api_client, open_queue, visitor, published, host_signals, django_capture_on_commit_callbacks
):
    session = ChatSessionFactory(queue=open_queue, visitor=visitor)
    behind = ChatSessionFactory(queue=open_queue)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(visitor).post(f"sessions/{session.pk}/end", {})

    assert response.status_code == 200
    assert response.json()["status"] == "abandoned"
    session.refresh_from_db()
    assert session.status == Status.ABANDONED
    assert session.end_reason == "visitor_left"
    assert session.ended_by == visitor
    assert session.ended_at is not None
    assert Message.objects.filter(session=session, kind="system").count() == 1
    assert [f["change"] for f in published.of_type("livechat.queue", "queue")] == ["abandoned"]
    assert published.lines_moved() == [open_queue.pk]
    status = published.of_type(f"livechat.session.{session.pk.hex}", "status")
    assert [frame["status"] for frame in status] == ["abandoned"]
    assert [name for name, _kwargs in host_signals] == ["chat_ended"]
    assert api_client(behind.visitor).get(f"sessions/{behind.pk}").json()["position"] == 1


def test_the_helper_ends_a_chat_with_a_reason(api_client, queue, visitor):
    helper = HelperFactory()
    session = ActiveChatFactory(queue=queue, visitor=visitor, helper=helper)

    response = api_client(helper).post(f"sessions/{session.pk}/end", {"reason": "resolved"})

    assert response.status_code == 200
    session.refresh_from_db()
    assert (session.status, session.end_reason, session.ended_by) == (
        Status.ENDED,
        "resolved",
        helper,
    )
    again = api_client(visitor).post(f"sessions/{session.pk}/end", {})
    assert (again.status_code, again.json()["code"]) == (409, "not_open")


def test_the_visitor_ends_an_active_chat(api_client, queue, visitor):
    session = ActiveChatFactory(queue=queue, visitor=visitor)
    response = api_client(visitor).post(f"sessions/{session.pk}/end", {})
    assert response.json()["status"] == "ended"


def test_only_the_chats_helper_or_a_supervisor_may_end_it(api_client, queue, visitor):
    session = ActiveChatFactory(queue=queue, visitor=visitor)
    invited = HelperFactory()
    Participant.objects.create(session=session, user=invited, role=Participant.Role.HELPER)

    stranger = api_client(HelperFactory()).post(f"sessions/{session.pk}/end", {})
    assert stranger.status_code == 404
    not_owner = api_client(invited).post(f"sessions/{session.pk}/end", {})
    assert (not_owner.status_code, not_owner.json()["code"]) == (403, "not_owner")
    too_long = api_client(session.helper).post(f"sessions/{session.pk}/end", {"reason": "r" * 201})
    assert (too_long.status_code, too_long.json()["code"]) == (400, "too_long")
    session.refresh_from_db()
    assert session.status == Status.ACTIVE

    response = api_client(SupervisorFactory()).post(f"sessions/{session.pk}/end", {})
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.status == Status.ENDED


def test_ending_frees_the_seat_for_the_next_chat(api_client, visitor):
    queue = DefaultQueueFactory()
    helper = online_helper(capacity=1)
    current = ActiveChatFactory(queue=queue, visitor=visitor, helper=helper)
    waiting = ChatSessionFactory(queue=queue)

    api_client(helper).post(f"sessions/{current.pk}/end", {})

    waiting.refresh_from_db()
    assert (waiting.status, waiting.helper) == (Status.ACTIVE, helper)


# --- "This article solved it" -----------------------------------------------------------------


def test_a_suggested_article_that_solved_it_leaves_the_queue(api_client, open_queue, visitor):
    session = ChatSessionFactory(queue=open_queue, visitor=visitor)
    solution = DocumentFactory(title="Clear the startup cache")

    helper_try = api_client(HelperFactory()).post(
        f"sessions/{session.pk}/solved", {"article": solution.pk}
    )
    assert helper_try.status_code == 404
    unknown = api_client(visitor).post(f"sessions/{session.pk}/solved", {"article": 999999})
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_article")

    response = api_client(visitor).post(f"sessions/{session.pk}/solved", {"article": solution.pk})
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.status == Status.ENDED
    assert session.end_reason == "solved_by_suggestion"
    assert session.solved_by_suggestion == solution

    again = api_client(visitor).post(f"sessions/{session.pk}/solved", {"article": solution.pk})
    assert (again.status_code, again.json()["code"]) == (409, "not_waiting")


# --- Transfer ---------------------------------------------------------------------------------


def test_a_helper_transfers_a_chat_to_another_helper(
    api_client, queue, visitor, published, host_signals, django_capture_on_commit_callbacks
):
    first = online_helper()
    second = online_helper(user__username="second")
    session = ActiveChatFactory(queue=queue, visitor=visitor, helper=first)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(first).post(
            f"sessions/{session.pk}/transfer", {"helper": "second", "note": "Sync expert"}
        )

    assert response.status_code == 200, response.json()
    assert [h["display_name"] for h in response.json()["helpers"]] == ["second"]
    session.refresh_from_db()
    assert session.helper == second
    history = Participant.objects.get(session=session, user=first)
    assert (history.state, history.role) == (Participant.State.LEFT, Participant.Role.HELPER)
    system = Message.objects.filter(session=session, kind="system").last()
    assert "second" in system.body and "Sync expert" not in system.body
    note = Message.objects.get(session=session, kind="note")
    assert (note.body, note.author, note.role, note.seq) == ("Sync expert", first, "helper", 2)
    assert api_client(first).get(f"sessions/{session.pk}").status_code == 404
    assert api_client(second).get(f"sessions/{session.pk}").status_code == 200
    assert [f["change"] for f in published.of_type(f"livechat.agent.{first.pk}", "chat")] == [
        "transferred_out"
    ]
    assert [f["change"] for f in published.of_type(f"livechat.agent.{second.pk}", "chat")] == [
        "transferred_in"
    ]
    transferred = [kwargs for name, kwargs in host_signals if name == "chat_transferred"]
    assert transferred[0]["from_helper"] == first and transferred[0]["to_helper"] == second


def test_the_transfer_note_reaches_staff_only(
    api_client, queue, visitor, django_capture_on_commit_callbacks
):
    """Never the visitor: not their messages, transcript, forum question or emails."""
    first = online_helper()
    second = online_helper(user__username="second")
    session = ActiveChatFactory(queue=queue, visitor=visitor, helper=first)
    api_client(visitor).post(f"sessions/{session.pk}/messages", {"body": "Sync is broken"})
    note = "Visitor seems annoyed, check sync logs"
    with django_capture_on_commit_callbacks(execute=True):
        api_client(first).post(
            f"sessions/{session.pk}/transfer", {"helper": "second", "note": note}
        )

    staff_view = api_client(second).get(f"sessions/{session.pk}/messages").json()
    assert [(m["kind"], m["body"]) for m in staff_view][-1] == ("note", note)
    visitor_view = api_client(visitor).get(f"sessions/{session.pk}/messages").json()
    assert visitor_view and note not in str(visitor_view)
    with django_capture_on_commit_callbacks(execute=True):
        api_client(second).post(f"sessions/{session.pk}/end", {"reason": "resolved"})
    transcript = api_client(visitor).get(reverse("livechat:transcript", args=[session.pk]))
    assert transcript.status_code == 200
    assert "Sync is broken" in transcript.content.decode()
    assert "check sync logs" not in transcript.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        forum = api_client(visitor).post(f"sessions/{session.pk}/handoff", {"to": "forum"})
    assert forum.status_code == 200, forum.json()
    question = Question.objects.get()
    assert "Sync is broken" in question.content and "check sync logs" not in question.content
    ChatSession.objects.filter(pk=session.pk).update(followup_email="mia@example.org")
    emails = followup.followup_emails(ChatSession.objects.get(pk=session.pk))
    assert emails and all("check sync logs" not in email.body for email in emails)
    assert all("Sync is broken" in email.body for email in emails)


def test_a_transfer_target_must_be_online_with_a_free_seat(api_client, queue, visitor):
    owner = online_helper()
    session = ActiveChatFactory(queue=queue, visitor=visitor, helper=owner)
    HelperFactory(username="offline-helper")
    busy = online_helper(user__username="busy", capacity=1)
    ActiveChatFactory(queue=queue, helper=busy)
    client = api_client(owner)

    cases = [
        ({"helper": "offline-helper"}, 409, "helper_unavailable"),
        ({"helper": "busy"}, 409, "helper_at_capacity"),
        ({"helper": "nobody"}, 400, "unknown_helper"),
        ({"helper": owner.username}, 400, "same_helper"),
        ({"queue": "no-such-queue"}, 400, "unknown_queue"),
        ({"helper": "busy", "queue": "general"}, 400, "invalid"),
    ]
    for payload, status, code in cases:
        response = client.post(f"sessions/{session.pk}/transfer", payload)
        assert (response.status_code, response.json()["code"]) == (status, code), payload
    session.refresh_from_db()
    assert (session.helper, session.status) == (owner, Status.ACTIVE)
    assert not Participant.objects.filter(session=session).exists()


def test_only_the_owner_or_a_supervisor_transfers(api_client, queue, visitor):
    owner = online_helper()
    online_helper(user__username="target")
    session = ActiveChatFactory(queue=queue, visitor=visitor, helper=owner)
    visitor_try = api_client(visitor).post(f"sessions/{session.pk}/transfer", {"helper": "target"})
    assert (visitor_try.status_code, visitor_try.json()["code"]) == (403, "not_a_helper")
    stranger = api_client(HelperFactory()).post(
        f"sessions/{session.pk}/transfer", {"helper": "target"}
    )
    assert stranger.status_code == 404

    supervisor = api_client(SupervisorFactory())
    response = supervisor.post(f"sessions/{session.pk}/transfer", {"helper": "target"})
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.helper.username == "target"


def test_a_chat_sent_back_to_the_queue_keeps_its_place_and_skips_its_last_helper(
    api_client, visitor
):
    queue = DefaultQueueFactory()
    owner = online_helper()
    session = ActiveChatFactory(
        queue=queue, visitor=visitor, helper=owner, created=timezone.now() - timedelta(minutes=5)
    )
    later = ChatSessionFactory(queue=QueueFactory(slug="other", auto_assign=False))

    response = api_client(owner).post(f"sessions/{session.pk}/transfer", {})

    assert response.status_code == 200
    session.refresh_from_db()
    assert (session.status, session.helper) == (Status.WAITING, None)
    assert api_client(visitor).get(f"sessions/{session.pk}").json()["position"] == 1
    assert later.status == Status.WAITING

    other = online_helper()
    api_client(other).put("agent/status", {"status": "online"})
    session.refresh_from_db()
    assert (session.status, session.helper) == (Status.ACTIVE, other)


def test_a_chat_can_be_moved_to_another_queue(api_client, queue, visitor):
    owner = online_helper()
    target = QueueFactory(slug="escalations", auto_assign=False)
    session = ActiveChatFactory(queue=queue, visitor=visitor, helper=owner)
    response = api_client(owner).post(f"sessions/{session.pk}/transfer", {"queue": "escalations"})
    assert response.json()["queue"] == "escalations"
    session.refresh_from_db()
    assert (session.queue, session.status) == (target, Status.WAITING)


# --- Hand-off ---------------------------------------------------------------------------------


def test_a_missed_chat_is_handed_to_the_forum_with_its_transcript(
    api_client, queue, visitor, host_signals, django_capture_on_commit_callbacks
):
    session = ChatSessionFactory(
        queue=queue,
        visitor=visitor,
        status=Status.MISSED,
        user_agent=FIREFOX_UA,
        browser="Firefox",
        browser_version="128.0",
        os="Windows 10",
        started_when="Last week",
    )
    session.messages.create(seq=1, role="visitor", kind="text", body="Are you there?")
    session.messages.create(seq=2, role="helper", kind="whisper", body="Staff-only remark")
    session.last_seq = 2
    session.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(visitor).post(f"sessions/{session.pk}/handoff", {"to": "forum"})

    assert response.status_code == 200, response.json()
    question = Question.objects.get()
    assert response.json()["handoff"] == {
        "question_id": question.pk,
        "url": question.get_absolute_url(),
        "followup_email": "",
    }
    assert response.json()["fallback"] == []
    assert question.title == session.problem
    assert "Are you there?" in question.content
    assert "Staff-only remark" not in question.content
    assert "Last week" in question.content
    assert question.metadata["ff_version"] == "128.0"
    assert question.metadata["kb_article"] == session.article_url
    session.refresh_from_db()
    assert session.handoff_question_id == question.pk
    handed = [kwargs for name, kwargs in host_signals if name == "chat_handed_off"]
    assert handed[0]["to"] == "forum" and handed[0]["question_id"] == question.pk

    again = api_client(visitor).post(f"sessions/{session.pk}/handoff", {"to": "forum"})
    assert again.status_code == 200
    assert Question.objects.count() == 1


def test_handing_off_while_waiting_leaves_the_queue(api_client, open_queue, visitor):
    session = ChatSessionFactory(queue=open_queue, visitor=visitor)
    response = api_client(visitor).post(
        f"sessions/{session.pk}/handoff", {"to": "email", "email": "mia@example.org"}
    )
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.status == Status.ABANDONED
    assert session.end_reason == "handed_off"
    assert session.followup_email == "mia@example.org"


def test_hand_off_refusals_change_nothing(api_client, queue, visitor):
    active = ActiveChatFactory(queue=queue, visitor=visitor)
    missed = ChatSessionFactory(queue=queue, status=Status.MISSED)
    client = api_client(visitor)

    cases = [
        (active, {"to": "forum"}, 409, "chat_active"),
        (missed, {"to": "forum"}, 404, "not_found"),
        (active, {"to": "fax"}, 400, "invalid_fallback"),
    ]
    for session, payload, status, code in cases:
        response = client.post(f"sessions/{session.pk}/handoff", payload)
        assert (response.status_code, response.json()["code"]) == (status, code)
    bad_email = api_client(missed.visitor).post(
        f"sessions/{missed.pk}/handoff", {"to": "email", "email": "nope"}
    )
    assert (bad_email.status_code, bad_email.json()["code"]) == (400, "invalid_email")
    helper = api_client(active.helper).post(f"sessions/{active.pk}/handoff", {"to": "forum"})
    assert (helper.status_code, helper.json()["code"]) == (403, "visitor_only")
    assert not Question.objects.exists()
    missed.refresh_from_db()
    assert missed.followup_email == ""


# --- Cost -------------------------------------------------------------------------------------


@pytest.mark.parametrize("waiting", [5, 50])
def test_requesting_costs_the_same_however_long_the_line(
    api_client, open_queue, django_assert_num_queries, waiting
):
    open_queue.full_multiplier = 100
    open_queue.save()
    ChatSessionFactory.create_batch(waiting, queue=open_queue)
    article = DocumentFactory()
    client = api_client(UserFactory())
    client.get("availability", article=article.pk)
    with django_assert_num_queries(22):
        response = client.post("sessions", chat_form(article))
    assert response.json()["position"] == waiting + 1
