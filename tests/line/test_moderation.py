"""Moderation: a helper bans the visitor of their chat (which ends it), supervisors list and
lift bans, a banned visitor finds chat closed but the forum open, and visitors report a helper
to the supervisors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kitsune_livechat import realtime
from kitsune_livechat.models import AbuseReport, Ban, ChatSession, Message
from kitsune_livechat.services.shared.access import make_visitor_token, new_anonymous_key
from tests.factories import (
    ActiveChatFactory,
    AgentStatusFactory,
    DocumentFactory,
    EndedChatFactory,
    HelperFactory,
    SupervisorFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.queue(auto_assign=True)]


def test_helper_bans_the_visitor_and_the_chat_ends(
    chat, api_client, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(chat.helper).post(
            f"sessions/{chat.pk}/ban", {"reason": "Insults", "days": 7}
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["account"], body["anonymous"], body["reason"]) == (
        chat.visitor.username,
        False,
        "Insults",
    )
    ban = Ban.objects.get()
    assert ban.user == chat.visitor and ban.session == chat and ban.created_by == chat.helper
    assert timedelta(days=6, hours=23) < ban.expires - timezone.now() <= timedelta(days=7)
    chat.refresh_from_db()
    assert (chat.status, chat.end_reason) == (ChatSession.Status.ENDED, "banned")
    system = Message.objects.filter(session=chat, kind=Message.Kind.SYSTEM).first()
    assert "closed live chat to you" in system.body
    statuses = published.of_type(realtime.session_group(chat.pk), "status")
    assert statuses[-1]["status"] == "ended"
    assert ("livechat.floor", "floor_changed") in [(g, n) for g, n, _ in published.signals]


def test_a_banned_visitor_finds_chat_closed_but_the_forum_open(chat, api_client):
    api_client(chat.helper).post(f"sessions/{chat.pk}/ban", {"reason": "Spam"})
    AgentStatusFactory()  # someone is online: chat is open for everybody else
    visitor = api_client(chat.visitor)
    article = DocumentFactory()
    seen = visitor.get("availability", article=article.pk).json()
    assert (seen["state"], seen["reason"], seen["fallback"]) == ("closed", "banned", ["forum"])
    assert api_client().get("availability", article=article.pk).json()["state"] == "open"
    response = visitor.post("sessions", {"article": article.pk, "problem": "Again"})
    assert (response.status_code, response.json()["code"]) == (403, "banned")
    forum = visitor.post(
        "sessions", {"article": article.pk, "problem": "Firefox crashes", "fallback": "forum"}
    )
    assert forum.status_code == 201, forum.content
    assert forum.json()["handoff"]["url"]


def test_anonymous_visitors_are_banned_by_their_key(api_client, queue, settings):
    settings.LIVECHAT_ALLOW_ANONYMOUS = True
    key = new_anonymous_key()
    chat = ActiveChatFactory(visitor=None, anonymous_key=key, queue=queue)
    supervisor = SupervisorFactory()
    response = api_client(supervisor).post(
        f"sessions/{chat.pk}/ban", {"reason": "Abuse", "days": None}
    )
    assert response.status_code == 201
    assert response.json()["anonymous"] is True
    assert Ban.objects.get().anonymous_key == key and Ban.objects.get().expires is None
    visitor = api_client(token=make_visitor_token(key))
    response = visitor.post("sessions", {"article": DocumentFactory().pk, "problem": "Hi"})
    assert (response.status_code, response.json()["code"]) == (403, "banned")


def test_who_may_ban_and_bad_bans(chat, api_client):
    for user, status in ((HelperFactory(), 404), (chat.visitor, 403)):
        response = api_client(user).post(f"sessions/{chat.pk}/ban", {"reason": "x"})
        assert response.status_code == status
    helper = api_client(chat.helper)
    for body, code in (
        ({"reason": " "}, "reason_required"),
        ({"reason": "x", "days": 0}, "invalid_expiry"),
        ({"reason": "x", "days": 99999}, "invalid_expiry"),
        ({"reason": "x" * 1001}, "too_long"),
    ):
        response = helper.post(f"sessions/{chat.pk}/ban", body)
        assert (response.status_code, response.json()["code"]) == (400, code)
    assert not Ban.objects.exists()
    chat.refresh_from_db()
    assert chat.status == ChatSession.Status.ACTIVE


def test_supervisors_list_and_lift_bans(chat, api_client):
    api_client(chat.helper).post(f"sessions/{chat.pk}/ban", {"reason": "Spam", "days": 30})
    ban = Ban.objects.get()
    assert api_client(chat.helper).get("bans").status_code == 403
    assert api_client(chat.helper).post(f"bans/{ban.pk}/lift").status_code == 403
    supervisor = api_client(SupervisorFactory())
    assert [b["id"] for b in supervisor.get("bans").json()] == [ban.pk]
    lifted = supervisor.post(f"bans/{ban.pk}/lift")
    assert lifted.status_code == 200
    ban.refresh_from_db()
    assert ban.lifted_at is not None and ban.expires <= timezone.now()
    assert supervisor.get("bans").json() == []
    assert supervisor.post(f"bans/{ban.pk}/lift").json()["code"] == "unknown_ban"
    # Lifted: the visitor may chat again.
    seen = api_client(chat.visitor).get("availability", article=DocumentFactory().pk).json()
    assert seen["reason"] != "banned"


def test_visitor_reports_their_helper_and_supervisors_see_it(
    api_client, published, django_capture_on_commit_callbacks
):
    chat = EndedChatFactory()
    visitor = api_client(chat.visitor)
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post(f"sessions/{chat.pk}/report", {"reason": "Rude and dismissive"})
    assert response.status_code == 201, response.content
    assert response.json()["helper"] == chat.helper.username
    assert ("livechat.floor", "floor_changed") in [(g, n) for g, n, _ in published.signals]
    again = visitor.post(f"sessions/{chat.pk}/report", {"reason": "Again"})
    assert (again.status_code, again.json()["code"]) == (409, "already_reported")
    supervisor = api_client(SupervisorFactory())
    reports = supervisor.get("reports").json()
    assert [(r["session"], r["reason"]) for r in reports] == [(str(chat.pk), "Rude and dismissive")]
    report = AbuseReport.objects.get()
    assert supervisor.post(f"reports/{report.pk}/resolve").json()["resolved"] is True
    assert supervisor.get("reports").json() == []


def test_only_the_chats_visitor_reports_and_only_supervisors_read_reports(api_client):
    chat = EndedChatFactory()
    for user, status, code in (
        (chat.helper, 403, "not_visitor"),
        (HelperFactory(), 404, "not_found"),
    ):
        response = api_client(user).post(f"sessions/{chat.pk}/report", {"reason": "x"})
        assert (response.status_code, response.json()["code"]) == (status, code)
    assert (
        api_client(chat.visitor).post(f"sessions/{chat.pk}/report", {"reason": ""}).json()["code"]
        == "reason_required"
    )
    assert api_client(chat.helper).get("reports").status_code == 403
    assert api_client().get("reports").status_code == 401
    waiting = ActiveChatFactory(helper=None, status=ChatSession.Status.WAITING)
    response = api_client(waiting.visitor).post(f"sessions/{waiting.pk}/report", {"reason": "x"})
    assert (response.status_code, response.json()["code"]) == (409, "no_helper")
    assert not AbuseReport.objects.exists()
