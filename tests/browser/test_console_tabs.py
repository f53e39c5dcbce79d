"""A helper juggles two chats in tabs; one visitor chats in German, both without an account."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in
from tests.browser.test_chat import go_online, messages

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def request_chat(context, article_url: str, *, problem: str, german: bool = False):
    """An anonymous visitor opens an article, then the chat window, and asks for a chat."""
    page = context.new_page()
    page.goto(article_url)
    name = "Mit Freiwilligen chatten" if german else "Chat with a volunteer"
    with context.expect_page() as opened:
        page.get_by_role("link", name=name).click()
    chat = opened.value
    chat.set_viewport_size({"width": 1280, "height": 800})
    chat.get_by_label("Worum geht es?" if german else "What's the problem?").fill(problem)
    return page, chat


def test_second_helper_handles_two_chats_in_tabs(site, new_context):
    helper_context = new_context()
    console = helper_context.new_page()
    sign_in(console, site, "helper2", reverse("livechat:console"))
    go_online(console, capacity=3)

    # A German visitor: the article page, the button and the chat window speak German.
    german_context = new_context(locale="de-DE")
    article_de, chat_de = request_chat(
        german_context,
        site.data["german"]["url"],
        problem="Firefox startet nach dem Update nicht mehr.",
        german=True,
    )
    expect(chat_de.get_by_role("heading", name="Was ist das Problem?")).to_be_visible()
    expect(chat_de.locator("html")).to_have_attribute("lang", "de")
    # The focus campaign on this article asks its question first.
    expect(chat_de.get_by_text("Startprobleme nach dem Update")).to_be_visible()
    question = chat_de.get_by_role("group", name="Startet Firefox im Fehlerbehebungsmodus?")
    shoot(chat_de, "visitor-form-german", full_page=True)
    chat_de.get_by_role("button", name="Chat starten").click()
    expect(chat_de.get_by_role("alert")).to_have_text("Bitte beantworten Sie die Pflichtfragen.")
    question.get_by_label("Nein").check()
    chat_de.get_by_role("button", name="Chat starten").click()
    expect(chat_de.get_by_role("heading", name="Wir suchen Freiwillige für Sie")).to_be_visible()
    expect(chat_de.get_by_text("Sie sind als Nächstes dran")).to_be_visible()
    shoot(chat_de, "visitor-waiting-german", full_page=True)

    english_context = new_context()
    _, chat_en = request_chat(
        english_context, site.data["article"]["url"], problem="My bookmarks toolbar is gone."
    )
    chat_en.get_by_role("button", name="Start chat").click()
    expect(chat_en.get_by_text("Your place in line", exact=True)).to_be_visible()
    expect(chat_en.locator("[data-bind=position]")).to_have_text("2")

    # Two waiting chats: counted in the queue and in the title bar.
    expect(console.locator(".lc-qitem")).to_have_count(2)
    expect(console).to_have_title(re.compile(r"^\(2\) "))
    expect(console.locator(".lc-qitem").first).to_contain_text("de")
    shoot(console, "console-two-waiting")

    console.get_by_role("button", name="Take next").click()  # the oldest: the German chat
    # The line moves up for the other visitor, live.
    expect(chat_en.get_by_text("You are next in line")).to_be_visible()
    expect(chat_en.locator("[data-bind=position]")).to_have_text("1")
    german_tab = console.get_by_role("tab", name=re.compile("Besucher|Visitor")).first
    expect(console.get_by_role("tab")).to_have_count(1)
    console.get_by_role("button", name=re.compile("Take this chat: My bookmarks")).click()
    tabs = console.get_by_role("tab")
    expect(tabs).to_have_count(2)
    german_tab, english_tab = tabs.nth(0), tabs.nth(1)
    expect(english_tab).to_have_attribute("aria-selected", "true")
    expect(german_tab).to_have_class(re.compile("is-unanswered"))
    expect(english_tab).to_have_class(re.compile("is-unanswered"))
    expect(console).to_have_title(re.compile(r"^\(2\) "))
    expect(chat_de.get_by_role("heading", name="Hans Helfer")).to_be_visible()
    expect(chat_de.get_by_text("Hilft Ihnen")).to_be_visible()

    # Answering one chat clears its tab; the other stays red.
    panel = console.get_by_role("tabpanel")
    expect(panel.locator("[data-bind=problem]")).to_have_text("My bookmarks toolbar is gone.")
    panel.get_by_label("Your message").fill("Hello! Let's bring the toolbar back.")
    panel.get_by_label("Your message").press("Enter")
    expect(english_tab).not_to_have_class(re.compile("is-unanswered"))
    expect(german_tab).to_have_class(re.compile("is-unanswered"))
    expect(console).to_have_title(re.compile(r"^\(1\) "))
    expect(messages(chat_en).filter(has_text="bring the toolbar back")).to_be_visible()

    # The German visitor writes while the helper looks at the other tab: a badge counts it.
    chat_de.get_by_label("Ihre Nachricht").fill("Hallo? Ist da jemand?")
    chat_de.get_by_label("Ihre Nachricht").press("Enter")
    expect(german_tab.locator(".lc-tab__badge")).to_have_text("1")
    shoot(console, "console-two-tabs")

    # Keyboard: arrow keys move between tabs.
    english_tab.focus()
    console.keyboard.press("ArrowLeft")
    expect(german_tab).to_have_attribute("aria-selected", "true")
    expect(german_tab.locator(".lc-tab__badge")).to_be_hidden()
    panel = console.get_by_role("tabpanel")
    expect(messages(panel).filter(has_text="Ist da jemand?")).to_be_visible()
    expect(panel.locator("[data-bind=article-facts]")).to_contain_text("de")
    # Focus answers by their question's label, under the campaign's title (not key or slug).
    facts = panel.locator("[data-bind=form-facts]")
    expect(facts).to_contain_text("Startet Firefox im Fehlerbehebungsmodus?")
    expect(facts).to_contain_text("Startprobleme nach dem Update")
    expect(facts).not_to_contain_text("start-nach-update")

    # Canned responses come in the visitor's language.
    panel.get_by_role("button", name="Canned responses").click()
    panel.get_by_label("Search canned responses").fill("cache")
    expect(panel.get_by_role("button", name=re.compile("Cache leeren"))).to_be_visible()
    panel.get_by_role("button", name=re.compile("Cache leeren")).click()
    panel.get_by_label("Your message").press("Enter")
    expect(messages(chat_de).filter(has_text="Bitte leeren Sie den Cache")).to_be_visible()
    expect(german_tab).not_to_have_class(re.compile("is-unanswered"))
    expect(console).not_to_have_title(re.compile(r"^\("))
    shoot(chat_de, "visitor-chat-german")

    # Ending from the console: the German visitor gets the German rating screen.
    panel.get_by_role("button", name="End chat").click()
    console.get_by_role("dialog", name="End this chat?").get_by_role(
        "button", name="End chat"
    ).click()
    expect(panel.get_by_role("heading", name="How did the article do?")).to_be_visible()
    expect(chat_de.get_by_role("heading", name="Danke für den Chat")).to_be_visible()
    expect(chat_de.get_by_role("button", name="Bewertung senden")).to_be_visible()
    shoot(chat_de, "visitor-ended-german", full_page=True)
    # Without an account the transcript is fetched with the visitor's token.
    with chat_de.expect_download() as download:
        chat_de.get_by_role("link", name="Protokoll herunterladen").click()
    transcript = open(download.value.path(), encoding="utf-8").read()
    assert transcript.startswith("Live-Chat-Protokoll")
    assert "Ist da jemand?" in transcript
    panel.get_by_label("The article solved it").check()
    panel.get_by_role("button", name="Save feedback").click()
    expect(panel.get_by_text("Feedback saved. Thank you!")).to_be_visible()

    # The other chat carries on in its own tab.
    english_tab.click()
    panel = console.get_by_role("tabpanel")
    expect(messages(panel).filter(has_text="bring the toolbar back")).to_be_visible()
    expect(panel.get_by_label("Your message")).to_be_visible()
    article_de.close()
