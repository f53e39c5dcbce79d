"""What the best support chats offer besides the conversation itself: the transcript by email,
files and screenshots, history, faster answering. Each drives the screens as a user would."""

import os
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ENDED_CHAT = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from kitsune_livechat.models import ChatSession, Message, Queue
User = get_user_model()
visitor = User.objects.get(username="visitor")
helper = User.objects.get(username=HELPER)
now = timezone.now()
session = ChatSession.objects.create(
    queue=Queue.objects.get(slug="general"), visitor=visitor, helper=helper, locale="en-US",
    problem=PROBLEM, article_title="Firefox won't start",
    article_url="/en-US/kb/firefox-wont-start",
    status="ended", created=now - timedelta(minutes=30), assigned_at=now - timedelta(minutes=29),
    ended_at=now - timedelta(minutes=5), last_seq=2)
Message.objects.create(session=session, seq=1, role="visitor", author=visitor,
    author_name="Vera Visitor", body=PROBLEM)
Message.objects.create(session=session, seq=2, role="helper", author=helper,
    author_name="Priya Helper", body="Follow /en-US/kb/firefox-wont-start step by step.")
result = str(session.pk)
"""


def ended_chat(site, problem: str, helper: str = "helper1") -> str:
    """An ended chat of the signed-in visitor, made through the ORM; its id."""
    return site.python(f"PROBLEM = {problem!r}\nHELPER = {helper!r}\n" + ENDED_CHAT)


def mail_dir(site) -> Path:
    return Path(tempfile.gettempdir()) / f"livechat-mail-{site.env['LIVECHAT_TEST_RUN_ID']}"


def test_visitor_gets_the_transcript_by_email(site, new_context):
    problem = "Transcript please: Firefox shows a blank window."
    session_id = ended_chat(site, problem)
    page = new_context().new_page()
    path = reverse("livechat:chat_session", args=[session_id])
    sign_in(page, site, "visitor", path)

    expect(page.get_by_role("heading", name="Thanks for chatting with us")).to_be_visible()
    form = page.get_by_role("form", name="Email me the transcript")
    expect(form).to_contain_text("It goes to your account's address, visitor@example.com.")
    form.get_by_role("button", name="Send the transcript").click()
    expect(form.get_by_role("status")).to_have_text(
        "The transcript is on its way to visitor@example.com."
    )
    shoot(page, "visitor-transcript-emailed", full_page=True)

    sent = [
        mail.read_text()
        for mail in mail_dir(site).glob("*.log")
        if problem in mail.read_text() and os.path.getsize(mail)
    ]
    assert len(sent) == 1
    assert "To: visitor@example.com" in sent[0]
    assert f"{site.base_url}/en-US/kb/firefox-wont-start step by step" in sent[0]
