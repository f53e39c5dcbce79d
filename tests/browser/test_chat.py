"""End to end in Chromium: a visitor on a KB article and helpers in the console.

Each step asserts what each side sees, and every screen is saved at desktop and phone width
under test-results/screenshots/.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def go_online(console, capacity: int = 3) -> None:
    """Set the seats, then go online, and wait until the server has it."""
    console.get_by_label("Chats at once").fill(str(capacity))
    console.get_by_label("Chats at once").dispatch_event("change")
    with console.expect_response(
        lambda r: (
            r.url.endswith("/agent/status")
            and r.request.method == "PUT"
            and '"online"' in (r.request.post_data or "")
        )
    ) as response:
        console.get_by_label("Online").check()
    assert response.value.json()["status"] == "online"
    expect(console.get_by_text("You are offline")).to_be_hidden()


def messages(page_or_panel):
    return page_or_panel.get_by_role("log").locator(".lc-msg")


def test_full_chat_from_article_to_feedback(site, new_context):
    article = site.data["article"]

    # The helper opens the console and goes online.
    helper_context = new_context()
    console = helper_context.new_page()
    sign_in(console, site, "helper1", reverse("livechat:console"))
    expect(console.get_by_role("heading", name="No chats open")).to_be_visible()
    go_online(console)
    shoot(console, "console-online")

    # The visitor reads the article: chat is open, with a wait estimate.
    visitor_context = new_context()
    page = visitor_context.new_page()
    sign_in(page, site, "visitor", article["url"])
    button = page.get_by_role("link", name="Chat with a volunteer")
    expect(button).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="volunteer online")).to_contain_text(
        "1 volunteer online"
    )
    shoot(page, "article-chat-open", full_page=True)

    # "No" on "Was this article helpful?" offers the chat prominently.
    page.get_by_role("button", name="No", exact=True).click()
    expect(page.get_by_role("heading", name="Let a volunteer help you")).to_be_visible()
    shoot(page, "article-after-no-vote", full_page=True)
    with visitor_context.expect_page() as opened:
        page.get_by_role("link", name="Chat with a volunteer").click()
    chat = opened.value
    chat.set_viewport_size({"width": 1280, "height": 800})

    # The question form keeps what was typed across a reload.
    expect(chat.get_by_role("heading", name="Tell us what's wrong")).to_be_visible()
    expect(chat.get_by_role("link", name=article["title"])).to_be_visible()
    problem = "Firefox does not start since the update this morning. The window never appears."
    chat.get_by_label("What's the problem?").fill(problem)
    chat.get_by_label("When did it start?").select_option("after_update")
    chat.get_by_label("How often does it happen?").select_option("always")
    chat.get_by_role("group", name="Are you on the computer that has the problem?").get_by_label(
        "Yes"
    ).check()
    chat.reload()
    expect(chat.get_by_label("What's the problem?")).to_have_value(problem)
    expect(chat.get_by_label("When did it start?")).to_have_value("after_update")
    expect(chat.get_by_label("Your name")).to_have_value("Vera Visitor")
    shoot(chat, "visitor-form", full_page=True)
    chat.get_by_role("button", name="Start chat").click()

    # Waiting: position, estimate, rules and matching articles.
    expect(chat.get_by_role("heading", name="Finding a volunteer for you")).to_be_visible()
    expect(chat.get_by_text("You are next in line")).to_be_visible()
    expect(chat.get_by_text("Estimated wait")).to_be_visible()
    expect(chat.get_by_role("link", name="Firefox crashes at startup")).to_be_visible()
    expect(chat.get_by_text("Chat rules")).to_be_visible()
    assert re.search(re.escape(reverse("livechat:chat")) + r"[0-9a-f-]{36}/$", chat.url)
    shoot(chat, "visitor-waiting", full_page=True)

    # The helper sees the chat in the live queue, with its question, article and locale.
    item = console.locator(".lc-qitem", has_text=problem)
    expect(item).to_be_visible()
    expect(item).to_contain_text(article["title"])
    expect(item).to_contain_text("en-US")
    expect(item).to_contain_text("Firefox")
    expect(console.locator("[data-bind=queue-count]")).to_have_text("1")
    expect(console).to_have_title(re.compile(r"^\(1\) "))
    shoot(console, "console-queue")
    item.get_by_role("button", name=re.compile("Take this chat")).click()

    # One tab per chat, red until answered; article and browser context beside it.
    tab = console.get_by_role("tab", name=re.compile("Vera Visitor"))
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(tab).to_have_class(re.compile("is-unanswered"))
    panel = console.get_by_role("tabpanel")
    expect(panel.get_by_role("link", name=article["title"])).to_be_visible()
    expect(panel.locator("[data-bind=problem]")).to_have_text(problem)
    expect(panel.get_by_text("After an update")).to_be_visible()
    expect(panel.locator("[data-bind=browser-facts]")).to_contain_text("Chrome")
    expect(panel.locator("[data-bind=article-facts]")).to_contain_text("Firefox")
    expect(console.locator("[data-bind=queue-count]")).to_have_text("0")

    # The visitor is told a volunteer joined.
    expect(chat.get_by_role("heading", name="Priya Helper")).to_be_visible()
    expect(messages(chat).filter(has_text="Priya Helper joined the chat")).to_be_visible()

    # Conversation both ways, with a clickable link, typing and read marks.
    composer = panel.get_by_label("Your message")
    composer.fill("Hi Vera! Try Troubleshoot Mode: https://support.example.org/kb/troubleshoot")
    composer.press("Enter")
    expect(tab).not_to_have_class(re.compile("is-unanswered"))
    link = chat.get_by_role("link", name="https://support.example.org/kb/troubleshoot")
    expect(link).to_have_attribute("target", "_blank")
    reply = chat.get_by_label("Your message")
    reply.press_sequentially("It still does not open")
    expect(panel.get_by_text("Vera Visitor is typing…")).to_be_visible()
    reply.press("Enter")
    expect(messages(panel).filter(has_text="It still does not open")).to_have_count(1)
    expect(tab).to_have_class(re.compile("is-unanswered"))
    expect(chat.locator(".lc-msg--mine .lc-msg__read").last).to_be_visible()  # the helper read it
    shoot(chat, "visitor-chat")
    shoot(console, "console-chat")

    # A forced reconnect: messages sent meanwhile on both sides arrive once, none lost.
    visitor_context.set_offline(True)
    expect(chat.get_by_text("You are offline")).to_be_visible()
    reply.fill("Typed while offline")
    reply.press("Enter")
    pending = chat.locator(".lc-msg.is-pending", has_text="Typed while offline")
    expect(pending).to_contain_text("Waiting for the connection")
    composer.fill("Sent while you were offline")
    composer.press("Enter")
    shoot(chat, "visitor-offline")
    visitor_context.set_offline(False)
    expect(messages(chat).filter(has_text="Sent while you were offline")).to_have_count(1)
    expect(chat.locator(".lc-msg.is-pending")).to_have_count(0)
    expect(messages(panel).filter(has_text="Typed while offline")).to_have_count(1)
    expect(messages(chat).filter(has_text="Typed while offline")).to_have_count(1)

    # A whisper reaches the helpers only; the visitor sees the next message but not it.
    panel.get_by_label("Whisper to helpers").check()
    composer.fill("Whisper: probably a broken add-on")
    composer.press("Enter")
    expect(messages(panel).filter(has_text="Whisper: probably a broken add-on")).to_contain_text(
        "only helpers see this"
    )
    panel.get_by_label("Message to the visitor").check()

    # A canned response, searched and inserted in the visitor's locale.
    panel.get_by_role("button", name="Canned responses").click()
    panel.get_by_label("Search canned responses").fill("cache")
    panel.get_by_role("button", name=re.compile("Clear the cache")).click()
    expect(composer).to_have_value(re.compile("Please clear the cache"))
    composer.press("Enter")
    expect(messages(chat).filter(has_text="Please clear the cache")).to_be_visible()
    expect(messages(chat).filter(has_text="Whisper")).to_have_count(0)
    shoot(console, "console-whisper-canned")

    # An article from the KB search, sent as a link the visitor can open.
    panel.get_by_role("button", name="Send an article").click()
    panel.get_by_label("Search the knowledge base").fill("crashes startup")
    panel.get_by_role("button", name=re.compile("Firefox crashes at startup")).click()
    expect(composer).to_have_value(re.compile(r"^Firefox crashes at startup: http://"))
    composer.press("Enter")
    expect(
        chat.get_by_role("link", name=re.compile("kb.firefox-crashes-at-startup"))
    ).to_be_visible()

    # The visitor ends the chat (after confirming) and rates it.
    chat.get_by_role("button", name="End chat").click()
    dialog = chat.get_by_role("dialog", name="End this chat?")
    expect(dialog).to_be_visible()
    shoot(chat, "visitor-end-confirm")
    dialog.get_by_role("button", name="End chat").click()
    expect(chat.get_by_role("heading", name="Thanks for chatting with us")).to_be_visible()
    chat.get_by_text("★").nth(0).click()  # the first star shown is 5
    chat.get_by_role("group", name="Did the article help?").get_by_label("No").check()
    chat.get_by_label("Anything else?").fill("Very patient, thank you.")
    shoot(chat, "visitor-rating", full_page=True)
    chat.get_by_role("button", name="Send rating").click()
    expect(chat.get_by_text("Thank you! Your rating helps")).to_be_visible()
    with chat.expect_download() as download:
        chat.get_by_role("link", name="Download the transcript").click()
    transcript = open(download.value.path(), encoding="utf-8").read()
    assert "Typed while offline" in transcript
    assert "Please clear the cache" in transcript
    assert "Whisper" not in transcript
    chat.get_by_role("button", name="Follow up in the forum").click()
    preview = chat.get_by_role("dialog", name="Check your forum question")
    preview.get_by_role("button", name="Publish to the forum").click()
    question = chat.get_by_role("link", name="Open your forum question")
    expect(question).to_have_attribute("href", re.compile(r"/questions/\d+"))
    shoot(chat, "visitor-ended", full_page=True)

    # The helper is told the chat ended and files the article feedback.
    expect(panel.get_by_text("The visitor ended the chat.")).to_be_visible()
    feedback = panel.get_by_role("heading", name="How did the article do?")
    expect(feedback).to_be_visible()
    expect(panel.get_by_label("Your message")).to_be_hidden()
    panel.get_by_label("The article is incomplete").check()
    panel.get_by_label("Find the article that solved it").fill("crashes startup")
    solved_by = panel.get_by_label("Article that solved it", exact=True)
    expect(solved_by.get_by_role("option", name="Firefox crashes at startup")).to_be_attached()
    solved_by.select_option(label="Firefox crashes at startup")
    panel.get_by_label("What was missing or wrong?").fill("Nothing about the update breaking it.")
    panel.get_by_label("Tags").fill("update, startup")
    shoot(console, "console-feedback")
    panel.get_by_role("button", name="Save feedback").click()
    expect(panel.get_by_text("Feedback saved. Thank you!")).to_be_visible()
    panel.get_by_role("button", name="Close tab").click()
    expect(console.get_by_role("heading", name="No chats open")).to_be_visible()

    # What was stored: each message once, the whisper kept from the visitor, the verdicts.
    stored = site.python(
        "from kitsune_livechat.models import ChatSession\n"
        "s = ChatSession.objects.filter(visitor__username='visitor', status='ended')"
        ".latest('created')\n"
        "result = {'status': s.status, 'score': s.rating.score,\n"
        "  'helped': s.rating.article_helped, 'outcome': s.feedback.outcome,\n"
        "  'tags': s.feedback.tags, 'solved_by': s.feedback.solved_by.title,\n"
        "  'bodies': [m.body for m in s.messages.order_by('seq')],\n"
        "  'kinds': [m.kind for m in s.messages.order_by('seq')]}"
    )
    assert stored["status"] == "ended"
    assert stored["score"] == 5
    assert stored["helped"] is False
    assert stored["outcome"] == "article_incomplete"
    assert stored["tags"] == ["update", "startup"]
    assert stored["solved_by"] == "Firefox crashes at startup"
    assert stored["bodies"].count("Typed while offline") == 1
    assert stored["bodies"].count("Sent while you were offline") == 1
    assert "whisper" in stored["kinds"]
