"""What the best support chats offer besides the conversation itself: the transcript by email,
files and screenshots, history, faster answering. Each drives the screens as a user would."""

import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in
from tests.browser.test_chat import go_online

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

TIDY_UP = """
from django.utils import timezone
from kitsune_livechat.models import AgentStatus, ChatSession
ChatSession.objects.filter(status__in=["waiting", "active"]).update(
    status="ended", ended_at=timezone.now())
result = AgentStatus.objects.update(status="offline")
"""


@pytest.fixture(autouse=True)
def tidy_up(site):
    """The chats these tests open are ended and everyone goes offline, so the tests that share
    the site after them start from a quiet floor."""
    yield
    site.python(TIDY_UP)


ENDED_CHAT = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from kitsune_livechat.models import ChatSession, Message, Queue
from wiki.models import Document
User = get_user_model()
visitor = User.objects.get(username="visitor")
helper = User.objects.get(username=HELPER)
now = timezone.now()
session = ChatSession.objects.create(
    queue=Queue.objects.get(slug="general"), visitor=visitor, helper=helper, locale="en-US",
    problem=PROBLEM, article=Document.objects.get(slug="firefox-wont-start"),
    article_title="Firefox won't start", article_url="/en-US/kb/firefox-wont-start",
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


ANONYMOUS_ENDED_CHAT = """
from django.utils import timezone
from kitsune_livechat.models import ChatSession, Message, Queue
from kitsune_livechat.services.shared.access import make_visitor_token
session = ChatSession.objects.create(
    queue=Queue.objects.get(slug="general"), anonymous_key="anon-transcript", locale="de",
    problem=PROBLEM, status="ended", ended_at=timezone.now(), last_seq=1)
Message.objects.create(session=session, seq=1, role="visitor", author_name="Gast", body=PROBLEM)
result = [str(session.pk), make_visitor_token("anon-transcript")]
"""


def test_anonymous_visitor_names_the_address_and_gets_the_chats_language(site, new_context):
    problem = "Transcript anonym: Lesezeichen verschwunden."
    session_id, token = site.python(f"PROBLEM = {problem!r}\n" + ANONYMOUS_ENDED_CHAT)
    page = new_context().new_page()
    path = reverse("livechat:chat_session", args=[session_id])
    page.goto(path)  # the token lives in the browser, as after requesting the chat
    page.evaluate(f"window.localStorage.setItem('livechat.token', {json.dumps(json.dumps(token))})")
    page.goto(path)

    form = page.get_by_role("form", name="Email me the transcript")
    form.get_by_role("button", name="Send the transcript").click()
    expect(form.get_by_role("alert")).to_have_text("Enter the address to send the transcript to.")
    form.get_by_label("Email").fill("gast@example.net")
    form.get_by_role("button", name="Send the transcript").click()
    expect(form.get_by_role("status")).to_have_text(
        "The transcript is on its way to gast@example.net."
    )
    shoot(page, "visitor-transcript-anonymous", full_page=True)
    sent = [m.read_text() for m in mail_dir(site).glob("*.log") if problem in m.read_text()]
    assert len(sent) == 1
    assert "To: gast@example.net" in sent[0]
    assert "Hier ist das Protokoll Ihres Live-Chats." in sent[0]  # the chat was in German


ACTIVE_CHAT = """
from django.contrib.auth import get_user_model
from django.utils import timezone
from kitsune_livechat.models import ChatSession, Queue
from wiki.models import Document
User = get_user_model()
article = Document.objects.get(pk=ARTICLE)
session = ChatSession.objects.create(
    queue=Queue.objects.get(slug="general"), visitor=User.objects.get(username="visitor"),
    helper=User.objects.get(username=HELPER), locale="en-US", problem=PROBLEM, article=article,
    article_title=article.title, article_url=article.get_absolute_url(), status="active",
    assigned_at=timezone.now())
result = str(session.pk)
"""


def active_chat(site, problem: str, helper: str) -> str:
    """A chat in progress between the visitor and ``helper``, made through the ORM; its id."""
    return site.python(
        f"PROBLEM = {problem!r}\nHELPER = {helper!r}\nARTICLE = {site.data['article']['id']}\n"
        + ACTIVE_CHAT
    )


def tiny_png() -> bytes:
    """A real 8×8 red PNG, so the browser can decode and draw it."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def attach(page, scope, name: str, mime: str, content: bytes) -> None:
    with page.expect_file_chooser() as chooser:
        scope.get_by_role("button", name="Attach a file").click()
    chooser.value.set_files(files=[{"name": name, "mimeType": mime, "buffer": content}])


def test_visitor_and_helper_send_screenshots_and_files(site, new_context):
    session_id = active_chat(site, "Screenshots: the toolbar is gone.", "helper2")
    console = new_context().new_page()
    sign_in(console, site, "helper2", reverse("livechat:console"))
    panel = console.get_by_role("tabpanel")
    expect(panel.locator("[data-bind=problem]")).to_have_text("Screenshots: the toolbar is gone.")

    visitor_context = new_context()
    chat = visitor_context.new_page()
    sign_in(chat, site, "visitor", reverse("livechat:chat_session", args=[session_id]))
    expect(chat.get_by_label("Your message")).to_be_visible()

    # The visitor sends a screenshot: both sides see the picture itself.
    attach(chat, chat, "toolbar.png", "image/png", tiny_png())
    mine = chat.get_by_role("log").get_by_role("img", name="toolbar.png")
    expect(mine).to_be_visible()
    expect(mine).to_have_js_property("naturalWidth", 8)  # fetched and decoded
    theirs = panel.get_by_role("log").get_by_role("img", name="toolbar.png")
    expect(theirs).to_be_visible()
    expect(theirs).to_have_js_property("naturalWidth", 8)
    shoot(chat, "visitor-chat-screenshot")

    # The helper sends a text file: the visitor gets it as a download, not a page.
    attach(console, panel, "steps.txt", "text/plain", b"1. Open the menu\n2. Customize toolbar\n")
    link = chat.get_by_role("link", name="steps.txt")
    expect(link).to_be_visible()
    with chat.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "steps.txt"
    assert Path(download.value.path()).read_bytes().startswith(b"1. Open the menu")
    shoot(console, "console-chat-files")

    # A web page dressed up as a picture is refused, and said so.
    attach(chat, chat, "innocent.png", "image/png", b"<html><script>alert(1)</script></html>")
    expect(
        chat.get_by_role("alert").filter(has_text="This kind of file cannot be sent")
    ).to_be_visible()
    expect(chat.get_by_role("log").get_by_role("img")).to_have_count(1)

    # After a reload the picture is still in the conversation (it is a message like any other).
    chat.reload()
    expect(chat.get_by_role("log").get_by_role("img", name="toolbar.png")).to_be_visible()


def test_read_marks_come_back_after_a_reload_on_both_sides(site, new_context):
    """Each side's mark is stored when its socket closes (or at its next heartbeat): a window
    reloaded after the other side's reload shows "Read" again, from the database."""
    session_id = active_chat(site, "Seen: the bookmarks toolbar is empty.", "helper2")
    console = new_context().new_page()
    sign_in(console, site, "helper2", reverse("livechat:console"))
    panel = console.get_by_role("tabpanel")
    expect(panel.locator("[data-bind=problem]")).to_have_text(
        "Seen: the bookmarks toolbar is empty."
    )
    chat = new_context().new_page()
    sign_in(chat, site, "visitor", reverse("livechat:chat_session", args=[session_id]))

    chat.get_by_label("Your message").fill("The toolbar has no bookmarks at all.")
    chat.get_by_label("Your message").press("Enter")
    expect(panel.get_by_role("log").get_by_text("The toolbar has no bookmarks")).to_be_visible()
    panel.get_by_label("Your message").fill("Let us bring them back together.")
    panel.get_by_label("Your message").press("Enter")
    expect(chat.get_by_role("log").get_by_text("Let us bring them back")).to_be_visible()
    visitor_seen = chat.locator(".lc-msg--mine .lc-msg__read")
    helper_seen = panel.locator(".lc-msg--mine .lc-msg__read")
    expect(visitor_seen).to_be_visible()  # live
    expect(helper_seen).to_be_visible()

    console.reload()  # the helper's mark is stored as their socket closes
    chat.reload()  # and so is the visitor's
    expect(chat.get_by_role("log").get_by_text("Let us bring them back")).to_be_visible()
    expect(visitor_seen).to_be_visible()
    console.reload()
    panel = console.get_by_role("tabpanel")
    expect(panel.get_by_role("log").get_by_text("Let us bring them back")).to_be_visible()
    expect(panel.locator(".lc-msg--mine .lc-msg__read")).to_be_visible()


RATE_AND_JUDGE = """
from kitsune_livechat.models import ArticleFeedback, ChatSession, Rating
session = ChatSession.objects.get(pk=SESSION)
Rating.objects.create(session=session, score=2, comment="The fix did not last.")
ArticleFeedback.objects.create(session=session, author=session.helper, outcome="article_outdated")
result = True
"""


def test_returning_visitor_follows_up_and_the_helper_sees_the_history(site, new_context):
    earlier = ended_chat(site, "History: Firefox forgets my passwords.", helper="helper1")
    site.python(f"SESSION = {earlier!r}\n" + RATE_AND_JUDGE)

    helper = new_context().new_page()
    sign_in(helper, site, "helper3", reverse("livechat:console"))
    go_online(helper)

    # The visitor finds the earlier chat in their list and asks a follow-up.
    visitor = new_context()
    page = visitor.new_page()
    sign_in(page, site, "visitor", reverse("livechat:my_chats"))
    expect(page.get_by_role("heading", name="Your chats", level=1)).to_be_visible()
    past = page.get_by_role("article", name="History: Firefox forgets my passwords.")
    expect(past).to_contain_text("2 of 5")
    shoot(page, "visitor-my-chats", full_page=True)
    entry = page.get_by_role("listitem").filter(has=past)
    entry.get_by_role("link", name=re.compile("^Ask a follow-up")).click()
    expect(page.get_by_text("This chat follows up on your chat of")).to_contain_text(
        "History: Firefox forgets my passwords."
    )
    page.get_by_label("What's the problem?").fill("Follow-up: passwords are gone again.")
    page.get_by_role("button", name="Start chat").click()
    expect(page.get_by_role("heading", name="Finding a volunteer for you")).to_be_visible()

    # The helper takes it and sees the earlier chat, its rating and the article verdict.
    item = helper.locator(".lc-qitem", has_text="passwords are gone again")
    item.get_by_role("button", name=re.compile("Take this chat")).click()
    panel = helper.get_by_role("tabpanel")
    entry = panel.locator(".lc-history__item", has_text="Firefox forgets my passwords")
    expect(entry).to_contain_text("Followed up here")
    expect(entry).to_contain_text("2 of 5: “The fix did not last.”")
    expect(entry).to_contain_text("The article is outdated")
    shoot(helper, "console-earlier-chats")

    # Searching past chats finds the ones this helper took part in, not the others'.
    helper.get_by_role("link", name="Past chats").click()
    helper.get_by_role("searchbox").fill("passwords")
    helper.get_by_role("button", name="Search").click()
    expect(helper.get_by_role("status")).to_have_text("1 chat found")
    expect(helper.get_by_role("article")).to_have_accessible_name(
        "Follow-up: passwords are gone again."
    )
    shoot(helper, "console-past-chats", full_page=True)


def test_faster_answering_shortcut_warning_rating_and_away(site, new_context):
    session_id = active_chat(site, "Faster: pages load without images.", "helper1")
    console = new_context().new_page()
    sign_in(console, site, "helper1", reverse("livechat:console"))
    go_online(console)
    panel = console.get_by_role("tabpanel")
    expect(panel.locator("[data-bind=problem]")).to_have_text("Faster: pages load without images.")
    visitor = new_context().new_page()
    sign_in(visitor, site, "visitor", reverse("livechat:chat_session", args=[session_id]))

    # "/" then a word: the matching canned responses, chosen with the keyboard only.
    composer = panel.get_by_label("Your message")
    composer.press_sequentially("/cle")
    shortcut = panel.get_by_role("listbox", name="Canned responses")
    expect(shortcut.get_by_role("option", name=re.compile("Clear the cache"))).to_be_visible()
    expect(shortcut.get_by_role("option")).to_have_count(1)
    shoot(console, "console-canned-shortcut")
    composer.press("Enter")
    expect(shortcut).to_be_hidden()
    expect(composer).to_have_value("Please clear the cache: Settings, Privacy, Clear data.")
    composer.press("Enter")
    expect(
        visitor.get_by_role("log").get_by_text("Please clear the cache: Settings, Privacy")
    ).to_be_visible()
    composer.press_sequentially("/")
    expect(shortcut.get_by_role("option")).to_have_count(2)
    composer.press("ArrowDown")
    expect(shortcut.get_by_role("option", selected=True)).to_contain_text("Goodbye")
    composer.press("Escape")
    expect(shortcut).to_be_hidden()
    expect(composer).to_have_value("/")
    composer.fill("")

    # Going offline with a chat open asks first; staying keeps the helper online.
    console.get_by_role("radio", name="Offline").click()
    dialog = console.get_by_role("dialog", name="Go offline with chats open?")
    expect(dialog).to_be_visible()
    shoot(console, "console-offline-warning")
    dialog.get_by_role("button", name="Stay online").click()
    expect(console.get_by_role("radio", name="Online")).to_be_checked()

    # The visitor ends and rates: the helper sees the verdict beside the chat.
    visitor.get_by_role("button", name="End chat").click()
    visitor.get_by_role("dialog", name="End this chat?").get_by_role(
        "button", name="End chat"
    ).click()
    visitor.get_by_text("★").nth(2).click()  # 3 stars (the first shown is 5)
    visitor.get_by_label("Anything else?").fill("Images are back, thanks.")
    visitor.get_by_role("button", name="Send rating").click()
    rating = panel.get_by_role("region", name="The visitor's rating")
    expect(rating).to_contain_text("The visitor rated this chat 3 of 5.")
    expect(rating).to_contain_text("“Images are back, thanks.”")
    shoot(console, "console-rating-shown")
    console.reload()
    expect(console.get_by_role("region", name="The visitor's rating")).to_contain_text("3 of 5")


def test_idle_helper_goes_away_and_comes_back(site, new_context):
    console = new_context().new_page()
    console.clock.install()
    sign_in(console, site, "helper2", reverse("livechat:console"))
    go_online(console)

    console.clock.fast_forward("10:10")  # LIVECHAT_AUTO_AWAY_SECONDS is 600 by default
    expect(console.get_by_role("radio", name="Away")).to_be_checked()
    expect(
        console.get_by_text("You were set to away after 10 minutes without activity.")
    ).to_be_visible()
    stored = site.python(
        "from kitsune_livechat.models import AgentStatus\n"
        "result = AgentStatus.objects.get(user__username='helper2').status"
    )
    assert stored == "away"

    console.keyboard.press("Shift")
    expect(console.get_by_role("radio", name="Online")).to_be_checked()
    expect(console.get_by_text("Welcome back: you are online again.")).to_be_visible()
