"""What visitors and helpers see in the corners of the product: readable buttons, honest waits,
a kept conversation, modes that reset, layouts that fit a phone and pages a screen reader can use.

Each test drives the screens as a user would and asserts what is on the screen.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, assert_accessible, sign_in
from tests.browser.test_chat import go_online, messages

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

COLOURS = """(el) => {
  const style = getComputedStyle(el);
  return { color: style.color, background: style.backgroundColor };
}"""


def colours(locator) -> dict:
    return locator.evaluate(COLOURS)


def chat_url(article_id: int, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"article": article_id, **params}.items())
    return f"{reverse('livechat:chat')}?{query}"


def only_online(site, *usernames: str) -> None:
    """Helpers from earlier tests stay online until their heartbeat runs out: not here."""
    site.python(
        "from kitsune_livechat.models import AgentStatus\n"
        f"result = AgentStatus.objects.exclude(user__username__in={list(usernames)!r})"
        ".update(status='offline')"
    )


def online_helper(site, new_context, username: str, *, capacity: int = 3, phone: bool = False):
    """A helper's console, online with ``capacity`` seats and all of them free; the only
    helper online (chats earlier tests left open would fill the seats)."""
    only_online(site)
    site.python(
        "from django.utils import timezone\n"
        "from kitsune_livechat.models import ChatSession\n"
        f"result = ChatSession.objects.filter(helper__username={username!r}, status='active')"
        ".update(status='ended', ended_at=timezone.now())"
    )
    console = new_context().new_page()
    if phone:
        console.set_viewport_size(PHONE)
    sign_in(console, site, username, reverse("livechat:console"))
    go_online(console, capacity=capacity)
    only_online(site, username)
    return console


def test_link_buttons_keep_their_white_text(site, new_context):
    article = site.data["article"]
    site.python(
        "from kitsune_livechat.models import AgentStatus\n"
        "result = AgentStatus.objects.update(status='offline')"
    )
    # A signed-out visitor asking in the forum is asked to sign in first.
    anonymous = new_context().new_page()
    anonymous.goto(chat_url(article["id"], mode="forum"))
    anonymous.get_by_label("What's the problem?").fill("Bookmarks are gone after a restart.")
    anonymous.get_by_role("button", name="Post to the forum").click()
    sign_in_button = anonymous.get_by_role("link", name="Sign in", exact=True)
    expect(sign_in_button).to_be_visible()
    seen = colours(sign_in_button)
    assert seen == {"color": "rgb(255, 255, 255)", "background": "rgb(0, 96, 223)"}

    # The signed-in visitor's question goes to the forum; the "open it" button is readable too.
    page = new_context().new_page()
    sign_in(page, site, "visitor", article["url"])
    page.goto(chat_url(article["id"], mode="forum"))
    page.get_by_label("What's the problem?").fill("Bookmarks are gone after a restart.")
    page.get_by_role("button", name="Post to the forum").click()
    done = page.get_by_role("link", name="Open your question")
    expect(done).to_be_visible()
    assert colours(done) == {"color": "rgb(255, 255, 255)", "background": "rgb(0, 96, 223)"}
    back = page.get_by_role("link", name="Back to the article")
    assert colours(back)["color"] != colours(back)["background"]


def start_chat(context, article_id: int, problem: str):
    """A visitor's chat window with a question sent; returns the page."""
    page = context.new_page()
    page.goto(chat_url(article_id))
    page.get_by_label("What's the problem?").fill(problem)
    page.get_by_role("button", name="Start chat").click()
    expect(page.get_by_role("heading", name="Finding a volunteer for you")).to_be_visible()
    return page


def end_chat(chat) -> None:
    """The visitor ends the chat, confirming in the dialog."""
    chat.get_by_role("button", name="End chat").click()
    chat.get_by_role("dialog", name="End this chat?").get_by_role("button", name="End chat").click()
    expect(chat.get_by_role("heading", name="Thanks for chatting with us")).to_be_visible()


def take_chat(console, problem: str):
    console.get_by_role(
        "button", name=re.compile(f"Take this chat: {re.escape(problem[:20])}")
    ).click()
    return console.get_by_role("tabpanel")


def test_whisper_mode_resets_after_sending(site, new_context):
    console = online_helper(site, new_context, "helper3")
    problem = "Whisper check: videos have no sound."
    chat = start_chat(new_context(), site.data["article"]["id"], problem)
    panel = take_chat(console, problem)
    composer = panel.get_by_label("Your message")

    panel.get_by_label("Whisper to helpers").check()
    expect(composer).to_have_attribute("placeholder", re.compile("Whisper"))
    composer.fill("Probably the audio device")
    composer.press("Enter")
    expect(messages(panel).filter(has_text="Probably the audio device")).to_contain_text(
        "only helpers see this"
    )
    # The next reply goes to the visitor unless whisper is chosen again.
    expect(panel.get_by_label("Message to the visitor")).to_be_checked()
    expect(panel.get_by_label("Whisper to helpers")).not_to_be_checked()
    composer.fill("Which speakers do you use?")
    composer.press("Enter")
    expect(messages(chat).filter(has_text="Which speakers do you use?")).to_be_visible()
    expect(messages(chat).filter(has_text="audio device")).to_have_count(0)
    end_chat(chat)


def test_the_conversation_stays_readable_after_the_chat_ends(site, new_context):
    console = online_helper(site, new_context, "helper3")
    problem = "Ended check: the toolbar disappeared."
    chat = start_chat(new_context(), site.data["article"]["id"], problem)
    panel = take_chat(console, problem)
    panel.get_by_label("Your message").fill("Right-click the tab strip and tick Menu Bar.")
    panel.get_by_label("Your message").press("Enter")
    expect(messages(chat).filter(has_text="tick Menu Bar")).to_be_visible()
    end_chat(chat)

    for _ in range(2):  # as it ends, and after a reload
        answer = messages(chat).filter(has_text="Right-click the tab strip and tick Menu Bar.")
        expect(answer).to_be_visible()
        expect(chat.get_by_text(problem)).to_be_visible()
        expect(chat.get_by_label("Your message")).to_be_hidden()
        rating = chat.get_by_role("heading", name="How did it go?")
        expect(rating).to_be_visible()
        follow_up = chat.get_by_role("button", name="Follow up in the forum")
        log_box = chat.get_by_role("log").bounding_box()
        assert rating.bounding_box()["y"] > log_box["y"] + log_box["height"] - 1
        assert follow_up.bounding_box()["y"] > rating.bounding_box()["y"]
        chat.reload()
        expect(chat.get_by_role("heading", name="Thanks for chatting with us")).to_be_visible()


def test_a_full_helper_is_not_promised_as_no_wait(site, new_context):
    article = site.data["article"]
    site.python(  # an empty line, free seats and no slow answers in the recent history: what
        # earlier tests left on the site would lengthen the estimate
        "from django.db.models import F\n"
        "from django.utils import timezone\n"
        "from kitsune_livechat.models import ChatSession\n"
        "ChatSession.objects.filter(status__in=['waiting', 'active'])"
        ".update(status='abandoned', ended_at=timezone.now())\n"
        "result = ChatSession.objects.filter(assigned_at__isnull=False)"
        ".update(assigned_at=F('created'))"
    )
    console = online_helper(site, new_context, "helper2", capacity=1)

    # With a free seat the wait is short ...
    reader = new_context().new_page()
    reader.goto(article["url"])
    line = reader.get_by_role("status").filter(has_text="volunteer online")
    expect(line).to_contain_text("no wait right now")

    # ... but once the only helper's only seat is taken, nobody is promised "right away".
    problem = "Full check: printing cuts off the page."
    first = start_chat(new_context(), article["id"], problem)
    take_chat(console, problem)
    expect(first.get_by_label("Your message")).to_be_visible()
    reader.reload()
    expect(line).to_contain_text(re.compile(r"about \d+ minutes? wait"))
    expect(line).not_to_contain_text("no wait")
    form = new_context().new_page()
    form.goto(chat_url(article["id"]))
    expect(form.get_by_text(re.compile("Expected wait"))).to_be_visible()
    expect(form.get_by_text("You should be helped right away")).to_have_count(0)
    end_chat(first)


def article_id(site, slug: str) -> int:
    return site.python(
        f"from wiki.models import Document\nresult = Document.objects.get(slug={slug!r}).pk"
    )


def test_a_second_question_while_a_chat_is_open_is_warned_and_kept(site, new_context):
    online_helper(site, new_context, "helper2")
    visitor = new_context()
    first = start_chat(visitor, site.data["article"]["id"], "Open check: sync stopped.")

    # Another article's chat window, same visitor: told before typing, with a way back.
    other = visitor.new_page()
    other.goto(chat_url(article_id(site, "firefox-crashes-at-startup")))
    notice = other.get_by_text(
        re.compile("You already have a chat open about “Firefox won't start”")
    )
    expect(notice).to_be_visible()
    back = other.get_by_role("link", name="Go back to that chat")
    expect(back).to_have_attribute("href", re.compile(r"/chat/[0-9a-f-]{36}/$"))

    # Pressing Start chat anyway sends nothing and loses nothing.
    question = "Firefox crashes every time I open a PDF."
    other.get_by_label("What's the problem?").fill(question)
    other.get_by_role("button", name="Start chat").click()
    expect(other.get_by_role("alert")).to_contain_text("Your new question was not sent")
    expect(other.get_by_label("What's the problem?")).to_have_value(question)
    expect(other.get_by_role("link", name="Firefox crashes at startup").first).to_be_visible()
    other.reload()
    expect(other.get_by_label("What's the problem?")).to_have_value(question)

    # Ending the old chat lets the new one start, about the right article.
    other.get_by_role("button", name="End it to start a new one").click()
    expect(notice).to_be_hidden()
    other.get_by_role("button", name="Start chat").click()
    expect(other.get_by_role("heading", name="Finding a volunteer for you")).to_be_visible()
    expect(other.locator("[data-bind=article-link]")).to_have_text("Firefox crashes at startup")
    first.reload()
    expect(first.get_by_role("heading", name="You left the line")).to_be_visible()
    other.get_by_role("button", name="Leave the line").click()
    other.get_by_role("dialog").get_by_role("button", name="Leave").click()


IN_VIEW = """(el) => {
  const box = el.getBoundingClientRect();
  const log = el.closest("[role=log]").getBoundingClientRect();
  return box.top >= log.top - 1 && box.bottom <= log.bottom + 1;
}"""


def test_canned_responses_do_not_hide_the_newest_messages(site, new_context):
    console = online_helper(site, new_context, "helper2")
    problem = "Scroll check: the address bar is gone."
    chat = start_chat(new_context(), site.data["article"]["id"], problem)
    panel = take_chat(console, problem)
    reply = chat.get_by_label("Your message")
    expect(reply).to_be_visible()
    for n in range(1, 16):
        reply.fill(f"Detail number {n}")
        reply.press("Enter")
    newest = messages(panel).filter(has_text="Detail number 15")
    expect(newest).to_be_visible()
    assert newest.evaluate(IN_VIEW)

    panel.get_by_role("button", name="Canned responses").click()
    expect(panel.get_by_label("Search canned responses")).to_be_focused()
    expect(panel.get_by_role("button", name=re.compile("Clear the cache"))).to_be_visible()
    console.wait_for_timeout(200)  # the resize is applied on the next frame
    assert newest.evaluate(IN_VIEW), "the newest message scrolled out of view"
    end_chat(chat)


IN_SCREEN = """(el) => {
  const box = el.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= window.innerHeight;
}"""


def test_phone_width_keeps_start_chat_and_the_composer_in_reach(site, new_context):
    console = online_helper(site, new_context, "helper2", phone=True)

    # The question form: Start chat is on the first screen, and the form is not three long.
    form = new_context().new_page()
    form.set_viewport_size(PHONE)
    form.goto(chat_url(site.data["article"]["id"]))
    start = form.get_by_role("button", name="Start chat")
    expect(start).to_be_visible()
    assert start.evaluate(IN_SCREEN)
    assert form.evaluate("document.documentElement.scrollHeight") < 2 * PHONE["height"]
    problem = "Phone check: pages load slowly."
    form.get_by_label("What's the problem?").fill(problem)
    assert start.evaluate(IN_SCREEN)
    form.get_by_label("Your name").focus()
    assert start.evaluate(IN_SCREEN)
    start.click()

    # The helper takes it on a phone: the conversation and its composer fill the screen.
    take_chat(console, problem)
    panel = console.get_by_role("tabpanel")
    composer = panel.get_by_label("Your message")
    expect(composer).to_be_focused()
    assert composer.evaluate(IN_SCREEN)
    assert panel.get_by_role("button", name="End chat").evaluate(IN_SCREEN)
    assert panel.get_by_role("log").evaluate("(el) => el.clientHeight") > 150
    reply = form.get_by_label("Your message")
    expect(reply).to_be_visible()
    assert reply.evaluate(IN_SCREEN)
    end_chat(form)


def test_screens_have_no_serious_accessibility_violations(site, new_context):
    article = site.data["article"]
    console = online_helper(site, new_context, "helper2")
    assert_accessible(console)

    reader = new_context().new_page()
    reader.goto(article["url"])
    expect(reader.get_by_role("link", name="Chat with a volunteer")).to_be_visible()
    assert_accessible(reader)
    reader.get_by_role("button", name="No", exact=True).click()
    expect(reader.get_by_role("heading", name="Let a volunteer help you")).to_be_visible()
    assert_accessible(reader)

    form = new_context().new_page()
    form.goto(chat_url(article["id"]))
    expect(form.get_by_role("button", name="Start chat")).to_be_visible()
    assert_accessible(form)
    problem = "Axe check: the font is too small."
    form.get_by_label("What's the problem?").fill(problem)
    form.get_by_role("button", name="Start chat").click()
    expect(form.get_by_role("heading", name="Finding a volunteer for you")).to_be_visible()
    assert_accessible(form)

    panel = take_chat(console, problem)
    panel.get_by_label("Your message").fill("Press Ctrl and + to zoom in.")
    panel.get_by_label("Your message").press("Enter")
    expect(messages(form).filter(has_text="Ctrl and +")).to_be_visible()
    # Screen readers hear new messages: each one is added to a polite live log (not while
    # the log is busy replaying after a connect), and read marks are not read out.
    for page in (form, console):
        log = page.get_by_role("log", name="Messages")
        expect(log).to_have_attribute("aria-live", "polite")
        expect(log).to_have_attribute("aria-relevant", "additions")
        expect(log).not_to_have_attribute("aria-busy", "true")
        expect(log.get_by_text("Press Ctrl and + to zoom in.")).to_be_visible()
    assert_accessible(form)
    assert_accessible(console)
    end_chat(form)
    assert_accessible(form)
    expect(panel.get_by_role("heading", name="How did the article do?")).to_be_visible()
    assert_accessible(console)
    # A second chat: the ended one is now a tab in the background.
    second = "Axe check: the cursor is invisible."
    other = start_chat(new_context(), article["id"], second)
    take_chat(console, second)
    expect(console.get_by_role("tab")).to_have_count(2)
    assert_accessible(console)
    end_chat(other)
    assert_accessible(console)

    grant_insights(site, "mentor")
    editor = new_context().new_page()
    sign_in(editor, site, "mentor", reverse("livechat:volunteer"))
    assert_accessible(editor)
    for name in ("livechat:leaderboard", "livechat:insights", "livechat:insights_stats"):
        editor.goto(reverse(name))
        expect(editor.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(editor)
    editor.goto(reverse("livechat:insights_article", args=[article["id"]]))
    assert_accessible(editor)


def grant_insights(site, username: str) -> None:
    site.python(
        "from django.contrib.auth.models import Permission, User\n"
        "perm = Permission.objects.get(codename='view_insights')\n"
        f"User.objects.get(username={username!r}).user_permissions.add(perm)\n"
        "result = True"
    )


def test_contributor_pages_read_like_the_site(site, new_context):
    grant_insights(site, "mentor")
    site.python(
        "from datetime import timedelta\n"
        "from tests.factories import EndedChatFactory, HelperFactory, QueueFactory, UserFactory\n"
        "queue = QueueFactory(slug='stats-check', name='Stats check')\n"
        # Named users: the factories' own names (helper0, helper1...) are the seeded helpers'.
        # The site's article: a factory-made one could reuse a slug earlier tests' factories took.
        "from wiki.models import Document\n"
        f"article = Document.objects.get(pk={site.data['article']['id']})\n"
        "chat = EndedChatFactory(queue=queue, helper=HelperFactory(username='stats-helper'),\n"
        "  visitor=UserFactory(username='stats-visitor'), article=article)\n"
        "chat.ended_at = chat.assigned_at + timedelta(seconds=842.6)\n"
        "chat.save()\n"
        "result = True"
    )
    mentor = new_context().new_page()
    sign_in(mentor, site, "mentor", reverse("livechat:volunteer"))

    # Durations for people, not raw seconds.
    mentor.goto(reverse("livechat:insights_stats") + "?queue=stats-check")
    figures = mentor.locator(".lci-figures")
    expect(figures.locator("div", has_text="Average duration")).to_contain_text("14 min 3 s")
    expect(figures.locator("div", has_text="Median wait")).to_contain_text("20 s")
    assert not re.search(r"\d\.\d+ s\b", mentor.locator("main").inner_text())
    expect(mentor.get_by_role("link", name="Back to the site")).to_have_attribute("href", "/")

    # The volunteer page and the leaderboard have the site bar and a way back.
    for name in ("livechat:volunteer", "livechat:leaderboard"):
        mentor.goto(reverse(name))
        bar = mentor.get_by_role("banner")
        expect(bar.get_by_role("link", name="Back to the site")).to_have_attribute("href", "/")
        expect(
            bar.get_by_role("navigation").get_by_role("link", name="Leaderboard")
        ).to_be_visible()

    # Graduate is not the main action while the trainee has done nothing yet.
    mentor.goto(reverse("livechat:volunteer"))
    trainee = mentor.locator("[data-trainee]", has_text="Tom Trainee")
    graduate = trainee.get_by_role("button", name="Graduate Tom Trainee")
    expect(graduate).to_be_visible()
    assert colours(graduate)["background"] == "rgb(255, 255, 255)"
    assert "lc-btn--primary" not in (graduate.get_attribute("class") or "")

    # Someone without the permission gets a page that says why and where to go.
    visitor = new_context().new_page()
    sign_in(visitor, site, "visitor", site.data["article"]["url"])
    response = visitor.goto(reverse("livechat:insights"))
    assert response.status == 403
    expect(visitor.get_by_role("heading", name="You can't open this page")).to_be_visible()
    expect(visitor.get_by_text("The insight pages are for knowledge base editors")).to_be_visible()
    expect(visitor.get_by_role("link", name="Sign in as someone else")).to_be_visible()
    expect(visitor.get_by_role("link", name="Back to the site").first).to_be_visible()
    response = visitor.goto(
        reverse("livechat:observe", args=["00000000-0000-0000-0000-000000000001"])
    )
    assert response.status == 403
    visitor.get_by_role("link", name="Become a live chat volunteer").click()
    expect(visitor.get_by_role("heading", name="Volunteer in live chat")).to_be_visible()
    assert_accessible(visitor)


def test_forum_follow_up_reads_well_links_absolutely_and_is_previewed(site, new_context):
    site.python(
        "from kitsune_livechat.models import CannedResponse\n"
        "CannedResponse.objects.get_or_create(key='steps', locale='en-US', defaults={\n"
        "  'title': 'Startup steps', 'body': 'The steps are in /en-US/kb/firefox-wont-start.'})\n"
        "result = True"
    )
    console = online_helper(site, new_context, "helper2")
    visitor = new_context()
    page = visitor.new_page()
    sign_in(page, site, "visitor", site.data["article"]["url"])
    page.goto(chat_url(site.data["article"]["id"]))
    problem = (
        "Forum check: the window stays white after the update. I restarted twice and it "
        "still happens every single time I open it from the dock."
    )
    page.get_by_label("What's the problem?").fill(problem)
    page.get_by_label("When did it start?").select_option("after_update")
    page.get_by_label("How often does it happen?").select_option("always")
    page.get_by_role("button", name="Start chat").click()
    panel = take_chat(console, problem)

    # A canned response with a site path reaches the visitor as a link that works.
    panel.get_by_role("button", name="Canned responses").click()
    panel.get_by_label("Search canned responses").fill("startup steps")
    panel.get_by_role("button", name=re.compile("Startup steps")).click()
    panel.get_by_label("Your message").press("Enter")
    link = page.get_by_role("link", name=site.url("/en-US/kb/firefox-wont-start"))
    expect(link).to_have_attribute("href", site.url("/en-US/kb/firefox-wont-start"))
    end_chat(page)

    # The follow-up is shown before it is published, readable and with a short title.
    page.get_by_role("button", name="Follow up in the forum").click()
    preview = page.get_by_role("dialog", name="Check your forum question")
    title = preview.get_by_label("Title")
    expect(title).to_have_value("Forum check: the window stays white after the update.")
    body = preview.get_by_role("region", name="Your question")
    expect(body).to_contain_text("When it started: After an update")
    expect(body).to_contain_text("How often it happens: Every time")
    expect(body).not_to_contain_text("after_update")
    article_link = body.get_by_role("link", name=site.url(site.data["article"]["url"]))
    expect(article_link.first).to_be_visible()
    expect(body).to_contain_text(site.url("/en-US/kb/firefox-wont-start"))
    assert_accessible(page)
    preview.get_by_role("button", name="Cancel").click()
    expect(preview).to_be_hidden()
    assert (
        site.python(
            "from questions.models import Question\n"
            "result = Question.objects.filter(title__startswith='Forum check').count()"
        )
        == 0
    )

    page.get_by_role("button", name="Follow up in the forum").click()
    title.fill("White window after the update")
    preview.get_by_role("button", name="Publish to the forum").click()
    expect(page.get_by_role("link", name="Open your forum question")).to_be_visible()
    question = site.python(
        "from questions.models import Question\n"
        "q = Question.objects.get(title='White window after the update')\n"
        "result = q.content"
    )
    assert site.url("/en-US/kb/firefox-wont-start") in question
    assert "How often it happens: Every time" in question

    # The transcript links absolutely too.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the transcript").click()
    transcript = open(download.value.path(), encoding="utf-8").read()
    assert site.url("/en-US/kb/firefox-wont-start") in transcript


def test_the_mentor_edits_and_rejects_drafts_and_the_trainee_sees_each_once(site, new_context):
    mentor = online_helper(site, new_context, "mentor")
    trainee = new_context().new_page()
    sign_in(trainee, site, "trainee", reverse("livechat:console"))
    problem = "Draft check: my saved logins are gone."
    chat = start_chat(new_context(), site.data["article"]["id"], problem)
    mentor_panel = take_chat(mentor, problem)
    mentor_panel.get_by_role("button", name="Hand to trainee").click()
    mentor.get_by_role("dialog", name="Hand the chat to your trainee").get_by_role(
        "button", name="Hand over"
    ).click()
    expect(chat.get_by_role("heading", name=re.compile("Tom Trainee"))).to_be_visible()
    trainee_panel = trainee.get_by_role("tabpanel")
    composer = trainee_panel.get_by_label("Your message")

    # Edit: the visitor gets the mentor's wording, the trainee's log shows it once.
    composer.fill("Open the menu, then Passwords.")
    composer.press("Enter")
    draft = messages(mentor_panel).filter(has_text="Open the menu, then Passwords.")
    draft.get_by_role("button", name="Edit").click()
    edit = draft.get_by_label("Edit before sending")
    expect(edit).to_have_value("Open the menu, then Passwords.")
    edit.fill("Open the menu, then Passwords and Logins.")
    draft.get_by_role("button", name="Send edited").click()
    expect(messages(chat).filter(has_text="Passwords and Logins")).to_be_visible()
    expect(messages(chat).filter(has_text="Open the menu, then Passwords.")).to_have_count(0)
    shown = trainee_panel.locator(".lc-msg:visible")
    expect(shown.filter(has_text="Passwords and Logins")).to_have_count(1)
    expect(shown.filter(has_text="Open the menu, then Passwords.")).to_have_count(0)

    # Reject: never sent; the trainee reads why, the visitor reads nothing.
    composer.fill("Reinstall your computer.")
    composer.press("Enter")
    second = messages(mentor_panel).filter(has_text="Reinstall your computer.")
    second.get_by_role("button", name="Reject").click()
    second.get_by_label("Why not send it?").fill("Too drastic: try a new profile first.")
    second.get_by_role("button", name="Reject draft").click()
    mine = messages(trainee_panel).filter(has_text="Reinstall your computer.")
    expect(mine).to_contain_text("Not sent: your mentor turned it down")
    reason = messages(trainee_panel).filter(has_text="Too drastic: try a new profile first.")
    expect(reason).to_contain_text("only helpers see this")
    expect(messages(chat).filter(has_text="Reinstall")).to_have_count(0)
    expect(messages(chat).filter(has_text="Too drastic")).to_have_count(0)

    # After a reload the trainee's log is the same: each text once.
    trainee.reload()
    trainee_panel = trainee.get_by_role("tabpanel")
    shown = trainee_panel.locator(".lc-msg:visible")
    expect(shown.filter(has_text="Passwords and Logins")).to_have_count(1)
    expect(shown.filter(has_text="Open the menu, then Passwords.")).to_have_count(0)
    expect(messages(trainee_panel).filter(has_text="Reinstall your computer.")).to_contain_text(
        "Not sent"
    )
    assert_accessible(mentor)
    end_chat(chat)


def test_article_feedback_is_hard_to_lose(site, new_context):
    console = online_helper(site, new_context, "helper3")
    problem = "Feedback check: tabs crash on one site."
    chat = start_chat(new_context(), site.data["article"]["id"], problem)
    panel = take_chat(console, problem)
    panel.get_by_label("Your message").fill("Which site is it?")
    panel.get_by_label("Your message").press("Enter")
    end_chat(chat)
    expect(panel.get_by_role("heading", name="How did the article do?")).to_be_visible()

    # Closing the tab with the form empty asks first; "Give feedback" keeps it.
    panel.get_by_role("button", name="Close tab").click()
    ask = console.get_by_role("dialog", name="Close without article feedback?")
    expect(ask).to_be_visible()
    ask.get_by_role("button", name="Give feedback").click()
    expect(console.get_by_role("tab")).to_have_count(1)

    # Leaving the console asks too.
    seen = []
    console.once("dialog", lambda dialog: (seen.append(dialog.type), dialog.dismiss()))
    console.close(run_before_unload=True)
    console.wait_for_timeout(1000)
    assert seen == ["beforeunload"]
    assert not console.is_closed()

    # Closed anyway: the chat waits in a list, also after a reload, until the feedback is in.
    panel.get_by_role("button", name="Close tab").click()
    ask.get_by_role("button", name="Close tab").click()
    expect(console.get_by_role("tab")).to_have_count(0)
    due = console.get_by_role("list", name=re.compile("Waiting for your feedback"))
    expect(due.get_by_role("listitem").filter(has_text=problem)).to_be_visible()
    console.reload()
    expect(due.get_by_role("listitem").filter(has_text=problem)).to_be_visible()
    assert_accessible(console)
    due.get_by_role("listitem").filter(has_text=problem).get_by_role(
        "button", name=re.compile("Give feedback")
    ).click()
    panel = console.get_by_role("tabpanel")
    expect(panel.get_by_role("heading", name="How did the article do?")).to_be_visible()
    panel.get_by_label("The article solved it").check()
    panel.get_by_role("button", name="Save feedback").click()
    expect(panel.get_by_text("Feedback saved. Thank you!")).to_be_visible()
    expect(due.get_by_role("listitem").filter(has_text=problem)).to_have_count(0)
