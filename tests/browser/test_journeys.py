"""The other ways through: chat closed (forum question or email), a suggestion that solves it
while waiting, and the people around a chat (a monitor who whispers, a trainee who knocks, a
transfer, and the opt-in alerts of the console)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in
from tests.browser.test_chat import go_online, messages

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

# Records desktop notifications and sounds instead of playing them.
ALERT_RECORDER = """
window.__notes = [];
window.__beeps = 0;
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__notes.push({ title, body: options && options.body }); }
  close() {}
};
const RealAudioContext = window.AudioContext;
window.AudioContext = class extends RealAudioContext {
  createOscillator() { window.__beeps += 1; return super.createOscillator(); }
};
"""


def open_chat_window(context, url: str, button: str):
    page = context.new_page()
    page.goto(url)
    with context.expect_page() as opened:
        page.get_by_role("link", name=button).click()
    chat = opened.value
    chat.set_viewport_size({"width": 1280, "height": 800})
    return page, chat


def test_closed_chat_offers_the_forum_and_an_email_follow_up(site, new_context):
    site.python(
        "from kitsune_livechat.models import AgentStatus\n"
        "result = AgentStatus.objects.update(status='offline')"
    )
    article_url = site.data["article"]["url"]

    # Signed in: the question goes to the forum, made from the same form.
    context = new_context()
    page = context.new_page()
    sign_in(page, site, "visitor", article_url)
    expect(page.get_by_text("No volunteers are online right now.")).to_be_visible()
    expect(page.get_by_role("link", name="Chat with a volunteer")).to_be_hidden()
    shoot(page, "article-chat-closed", full_page=True)
    with context.expect_page() as opened:
        page.get_by_role("link", name="Ask in the forum").click()
    chat = opened.value
    chat.set_viewport_size({"width": 1280, "height": 800})
    expect(chat.get_by_role("heading", name="Ask in the forum")).to_be_visible()
    expect(chat.get_by_role("button", name="Start chat")).to_be_hidden()
    chat.get_by_label("What's the problem?").fill("Pages load slowly since yesterday evening.")
    chat.get_by_label("How often does it happen?").select_option("sometimes")
    shoot(chat, "visitor-form-forum", full_page=True)
    chat.get_by_role("button", name="Post to the forum").click()
    expect(chat.get_by_role("heading", name="Your question is in the forum")).to_be_visible()
    shoot(chat, "visitor-forum-posted")
    with context.expect_page() as opened:
        chat.get_by_role("link", name="Open your question").click()
    question = opened.value
    question.wait_for_url(re.compile(r"/questions/\d+"))
    expect(question.get_by_role("heading", name="Pages load slowly")).to_be_visible()

    # Anonymous: an email address for a volunteer to follow up on.
    anonymous = new_context()
    _, chat = open_chat_window(anonymous, article_url, "Leave your email")
    expect(chat.get_by_role("heading", name="Leave your email")).to_be_visible()
    chat.get_by_label("What's the problem?").fill("Videos have no sound.")
    chat.get_by_role("button", name="Email me when a volunteer can help").click()
    expect(chat.get_by_role("alert")).to_have_text("Enter the email address to follow up on.")
    chat.get_by_role("textbox", name="Email").fill("sam@example.com")
    chat.get_by_role("button", name="Email me when a volunteer can help").click()
    expect(chat.get_by_role("heading", name="We'll get back to you")).to_be_visible()
    expect(chat.get_by_text("A volunteer will write to sam@example.com.")).to_be_visible()

    stored = site.python(
        "from kitsune_livechat.models import ChatSession\n"
        "result = sorted((s.status, bool(s.handoff_question_id), s.followup_email)\n"
        "  for s in ChatSession.objects.filter(status='missed'))"
    )
    assert ["missed", False, "sam@example.com"] in stored
    assert ["missed", True, ""] in stored


def test_a_suggested_article_solves_it_while_waiting(site, new_context):
    helper = new_context().new_page()
    sign_in(helper, site, "helper3", reverse("livechat:console"))
    go_online(helper)

    visitor = new_context()
    _, chat = open_chat_window(visitor, site.data["article"]["url"], "Chat with a volunteer")
    chat.get_by_label("What's the problem?").fill("Firefox crashes at startup after the update")
    chat.get_by_role("button", name="Start chat").click()
    expect(helper.locator(".lc-qitem", has_text="crashes at startup")).to_be_visible()
    suggestion = chat.get_by_role("button", name="“Firefox crashes at startup” solved my problem")
    suggestion.click()
    expect(chat.get_by_role("heading", name="Glad that article solved it!")).to_be_visible()
    shoot(chat, "visitor-solved-by-article")
    expect(helper.locator(".lc-qitem", has_text="crashes at startup")).to_have_count(0)
    solved = site.python(
        "from kitsune_livechat.models import ChatSession\n"
        "s = ChatSession.objects.filter(problem__contains='crashes at startup').get()\n"
        "result = [s.status, s.solved_by_suggestion.title]"
    )
    assert solved == ["ended", "Firefox crashes at startup"]


def test_monitor_whispers_trainee_knocks_and_the_chat_is_transferred(site, new_context):
    # Hans opted in to sound and desktop alerts and has the console in the background.
    hans_context = new_context()
    hans_context.add_init_script(ALERT_RECORDER)
    hans = hans_context.new_page()
    sign_in(hans, site, "helper2", reverse("livechat:console"))
    hans.get_by_label("Sound").check()
    hans.get_by_label("Desktop alerts").check()
    go_online(hans)
    hans.evaluate("document.hasFocus = () => false")

    priya = new_context().new_page()
    sign_in(priya, site, "helper1", reverse("livechat:console"))
    go_online(priya)

    visitor = new_context()
    _, chat = open_chat_window(visitor, site.data["article"]["url"], "Chat with a volunteer")
    chat.get_by_label("What's the problem?").fill("All my add-ons disappeared.")
    chat.get_by_role("button", name="Start chat").click()

    # The new chat rings Hans's console.
    hans.wait_for_function("() => window.__notes.some(n => n.title === 'New chat waiting')")
    assert hans.evaluate("window.__beeps") > 0

    priya.get_by_role("button", name=re.compile("Take this chat: All my add-ons")).click()
    priya_panel = priya.get_by_role("tabpanel")
    priya_panel.get_by_label("Your message").fill("Hello from Priya! Which add-ons?")
    priya_panel.get_by_label("Your message").press("Enter")
    expect(messages(chat).filter(has_text="Hello from Priya")).to_be_visible()

    # A supervisor finds the chat in progress, watches it unseen and whispers to Priya.
    mentor = new_context().new_page()
    sign_in(mentor, site, "mentor", reverse("livechat:console"))
    live = mentor.locator(".lc-qitem", has_text="All my add-ons disappeared.")
    expect(live).to_contain_text("Priya Helper")
    live.get_by_role("button", name="Observe").click()
    mentor_panel = mentor.get_by_role("tabpanel")
    expect(messages(mentor_panel).filter(has_text="Hello from Priya")).to_be_visible()
    expect(mentor_panel.get_by_text("observing")).to_be_visible()
    expect(mentor_panel.get_by_label("Whisper to helpers")).to_be_checked()
    mentor_panel.get_by_label("Your message").fill("Ask whether they use Sync.")
    mentor_panel.get_by_label("Your message").press("Enter")
    whisper = messages(priya_panel).filter(has_text="Ask whether they use Sync.")
    expect(whisper).to_contain_text("only helpers see this")
    expect(whisper).to_contain_text("Maya Mentor")
    shoot(mentor, "console-observing")

    # A trainee knocks; Priya turns them away, they knock again and she lets them in; they
    # may only whisper.
    trainee = new_context().new_page()
    sign_in(trainee, site, "trainee", reverse("livechat:console"))
    trainee.locator(".lc-qitem", has_text="Priya Helper").get_by_role(
        "button", name="Knock"
    ).click()
    trainee_panel = trainee.get_by_role("tabpanel")
    expect(trainee_panel.get_by_role("heading", name="You are not in this chat")).to_be_visible()
    knock_button = trainee_panel.get_by_role("button", name="Knock to join")
    knock_button.click()
    expect(trainee_panel.get_by_text("You knocked.")).to_be_visible()
    expect(knock_button).to_be_disabled()
    shoot(trainee, "console-trainee-knocking")
    people = priya_panel.locator("[data-bind=people]")
    expect(people).to_contain_text("Tom Trainee")
    expect(people).to_contain_text("knocking")
    people.get_by_role("button", name="Turn away").click()
    expect(trainee_panel.get_by_text("The helper did not let you in this time.")).to_be_visible()
    expect(knock_button).to_be_enabled()
    knock_button.click()
    expect(trainee_panel.get_by_text("You knocked.")).to_be_visible()
    expect(people).to_contain_text("knocking")
    shoot(priya, "console-knock-to-admit")
    people.get_by_role("button", name="Let in").click()
    expect(messages(trainee_panel).filter(has_text="Hello from Priya")).to_be_visible()
    expect(trainee_panel.get_by_label("Message to the visitor")).to_be_hidden()
    expect(trainee_panel.get_by_label("Whisper to helpers")).to_be_checked()

    # Priya invites Hans to help; he joins from the invitation and the visitor sees both.
    priya_panel.get_by_role("button", name="Invite").click()
    dialog = priya.get_by_role("dialog", name="Invite a helper")
    dialog.get_by_label("To whom").select_option("helper:helper2")
    dialog.get_by_role("button", name="Invite").click()
    expect(priya.get_by_text("Invitation sent.")).to_be_visible()
    hans.wait_for_function(
        "() => window.__notes.some(n => n.title === 'You are invited to a chat')"
    )
    invitation = hans.locator(".lc-toast", has_text="Priya Helper invites you to a chat")
    shoot(hans, "console-invitation")
    invitation.get_by_role("button", name="Join").click()
    invited_tab = hans.get_by_role("tab", name=re.compile("All my add-ons"))
    expect(invited_tab).to_have_attribute("aria-selected", "true")
    expect(
        messages(hans.get_by_role("tabpanel")).filter(has_text="Hello from Priya")
    ).to_be_visible()
    expect(chat.get_by_role("heading", name="Priya Helper, Hans Helfer")).to_be_visible()

    # Priya hands the chat over to Hans (with a note) and leaves it.
    priya_panel.get_by_role("button", name="Transfer").click()
    dialog = priya.get_by_role("dialog", name="Transfer the chat")
    dialog.get_by_label("To whom").select_option("helper:helper2")
    expect(dialog.get_by_label("To whom")).to_contain_text("Hans Helfer")
    dialog.get_by_label("Note for the next helper").fill("Add-ons vanished after an update.")
    shoot(priya, "console-transfer")
    dialog.get_by_role("button", name="Transfer").click()
    expect(priya_panel.get_by_text("You transferred this chat.")).to_be_visible()
    # Now his: red until he writes, and his console rang.
    expect(invited_tab).to_have_class(re.compile("is-unanswered"))
    hans_panel = hans.get_by_role("tabpanel")
    expect(hans_panel.get_by_role("button", name="Transfer")).to_be_visible()
    expect(hans_panel.locator("[data-bind=people]")).to_contain_text("Hans Helfer Helper in charge")
    expect(messages(hans_panel).filter(has_text="Hello from Priya")).to_be_visible()
    expect(
        messages(hans_panel).filter(has_text="Add-ons vanished after an update.")
    ).to_be_visible()
    hans.wait_for_function("() => window.__notes.some(n => n.title === 'A chat was given to you')")
    expect(chat.get_by_role("heading", name="Hans Helfer")).to_be_visible()
    hans_panel.get_by_label("Your message").fill("Hi, I'm Hans and I'll take it from here.")
    hans_panel.get_by_label("Your message").press("Enter")
    expect(messages(chat).filter(has_text="I'll take it from here")).to_be_visible()
    # Whispers never reached the visitor.
    expect(messages(chat).filter(has_text="Sync")).to_have_count(0)
    shoot(hans, "console-transferred-in")


def test_mentor_hands_a_chat_to_a_supervised_trainee(site, new_context):
    mentor = new_context().new_page()
    sign_in(mentor, site, "mentor", reverse("livechat:console"))
    go_online(mentor)
    trainee = new_context().new_page()
    sign_in(trainee, site, "trainee", reverse("livechat:console"))

    visitor = new_context()
    _, chat = open_chat_window(visitor, site.data["article"]["url"], "Chat with a volunteer")
    chat.get_by_label("What's the problem?").fill("I cannot find my saved passwords.")
    chat.get_by_role("button", name="Start chat").click()
    mentor.get_by_role("button", name=re.compile("Take this chat: I cannot find")).click()
    mentor_panel = mentor.get_by_role("tabpanel")
    mentor_panel.get_by_label("Your message").fill("Hi! A colleague in training will help you.")
    mentor_panel.get_by_label("Your message").press("Enter")

    # The mentor hands the chat to their trainee, supervised.
    mentor_panel.get_by_role("button", name="Hand to trainee").click()
    dialog = mentor.get_by_role("dialog", name="Hand the chat to your trainee")
    expect(dialog.get_by_label("To whom")).to_contain_text("Tom Trainee")
    expect(dialog.get_by_label("Supervised")).to_be_checked()
    shoot(mentor, "console-hand-over")
    dialog.get_by_role("button", name="Hand over").click()
    expect(chat.get_by_role("heading", name=re.compile("Tom Trainee"))).to_be_visible()

    # The trainee's text waits as a draft until the mentor approves it.
    trainee_panel = trainee.get_by_role("tabpanel")
    expect(trainee.get_by_role("tab", name=re.compile("I cannot find"))).to_have_class(
        re.compile("is-unanswered")
    )
    trainee_panel.get_by_label("Your message").fill("Open the menu, then Passwords.")
    trainee_panel.get_by_label("Your message").press("Enter")
    draft = messages(mentor_panel).filter(has_text="Open the menu, then Passwords.")
    expect(draft).to_contain_text("Draft awaiting approval")
    expect(messages(chat).filter(has_text="Open the menu")).to_have_count(0)
    shoot(mentor, "console-draft-to-approve")
    draft.get_by_role("button", name="Approve and send").click()
    expect(messages(chat).filter(has_text="Open the menu, then Passwords.")).to_be_visible()
    expect(
        messages(trainee_panel).filter(has_text="Open the menu, then Passwords.").first
    ).to_contain_text("Approved and sent")
    shoot(trainee, "console-trainee-supervised")


def test_a_missed_chat_can_still_get_an_email_reply(site, new_context):
    helper = new_context().new_page()
    sign_in(helper, site, "helper3", reverse("livechat:console"))
    go_online(helper)
    visitor = new_context()
    _, chat = open_chat_window(visitor, site.data["article"]["url"], "Chat with a volunteer")
    chat.get_by_label("What's the problem?").fill("Printing produces blank pages.")
    chat.get_by_role("button", name="Start chat").click()
    expect(chat.get_by_role("heading", name="Finding a volunteer for you")).to_be_visible()

    # Nobody answers in time: the sweep marks the chat missed.
    site.python(
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from kitsune_livechat.models import ChatSession\n"
        "from kitsune_livechat.services.line.sweep import mark_missed\n"
        "ChatSession.objects.filter(problem__startswith='Printing').update(\n"
        "    created=timezone.now() - timedelta(hours=1))\n"
        "result = mark_missed()"
    )
    chat.reload()
    expect(
        chat.get_by_role("heading", name="Sorry, no volunteer could take your chat")
    ).to_be_visible()
    chat.get_by_role("button", name="Email me").click()
    expect(chat.get_by_role("alert")).to_have_text("Enter the email address to follow up on.")
    chat.get_by_role("textbox", name="Email").fill("pat@example.com")
    shoot(chat, "visitor-missed")
    chat.get_by_role("button", name="Email me").click()
    expect(chat.get_by_text("A volunteer will write to pat@example.com.")).to_be_visible()


def test_a_lost_send_and_a_lost_echo_neither_lose_nor_double_a_message(site, new_context):
    """The network drops a visitor's send on the way in, then the echo of another on the way
    back, each time closing the socket: the outbox resends the first, the replay brings the
    second, and each arrives exactly once on both sides."""
    helper = new_context().new_page()
    sign_in(helper, site, "helper3", reverse("livechat:console"))
    go_online(helper)

    visitor = new_context()
    dropped = {"send": False, "echo": False}

    def flaky_network(ws):
        server = ws.connect_to_server()

        def to_server(message):
            if not dropped["send"] and '"Dropped on the way in"' in message:
                dropped["send"] = True
                ws.close(code=4000)  # the frame never reaches the server
                return
            server.send(message)

        def to_page(message):
            if not dropped["echo"] and '"body": "Echo lost on the way back"' in message:
                dropped["echo"] = True
                ws.close(code=4000)  # stored, but the visitor never hears it live
                return
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)

    visitor.route_web_socket(re.compile(r"/ws/livechat/session/"), flaky_network)
    _, chat = open_chat_window(visitor, site.data["article"]["url"], "Chat with a volunteer")
    chat.get_by_label("What's the problem?").fill("Tabs crash when I open PDFs.")
    chat.get_by_role("button", name="Start chat").click()
    helper.get_by_role("button", name=re.compile("Take this chat: Tabs crash")).click()
    panel = helper.get_by_role("tabpanel")
    expect(chat.get_by_role("heading", name="Ana Ayuda")).to_be_visible()

    for text in ("Dropped on the way in", "Echo lost on the way back", "And one more"):
        chat.get_by_label("Your message").fill(text)
        chat.get_by_label("Your message").press("Enter")
        expect(messages(panel).filter(has_text=text)).to_have_count(1)
        expect(chat.locator(".lc-msg:not(.is-pending)", has_text=text)).to_have_count(1)
    assert dropped == {"send": True, "echo": True}
    expect(chat.locator(".lc-msg.is-pending")).to_have_count(0)
    stored = site.python(
        "from kitsune_livechat.models import Message\n"
        "result = list(Message.objects.filter(session__problem__startswith='Tabs crash',\n"
        "    role='visitor').values_list('body', flat=True))"
    )
    assert stored == ["Dropped on the way in", "Echo lost on the way back", "And one more"]


def test_full_line_says_everyone_is_busy(site, new_context):
    helper = new_context().new_page()
    sign_in(helper, site, "helper3", reverse("livechat:console"))
    go_online(helper, capacity=1)
    site.python(
        "from kitsune_livechat.models import AgentStatus, Queue\n"
        "from django.db.models import Q\n"
        "AgentStatus.objects.filter(~Q(user__username='helper3')).update(status='offline')\n"
        "result = Queue.objects.update(full_multiplier=1)"
    )
    try:
        first = new_context()
        _, chat = open_chat_window(first, site.data["article"]["url"], "Chat with a volunteer")
        chat.get_by_label("What's the problem?").fill("Downloads stop halfway.")
        chat.get_by_role("button", name="Start chat").click()
        expect(chat.get_by_role("heading", name="Finding a volunteer for you")).to_be_visible()

        # One waiting chat fills the only seat: the next reader is told, and offered the forum.
        page = new_context().new_page()
        page.goto(site.data["article"]["url"])
        expect(page.get_by_text("All volunteers are busy.")).to_be_visible()
        expect(page.get_by_role("link", name="Chat with a volunteer")).to_be_hidden()
        expect(page.get_by_role("link", name="Ask in the forum")).to_be_visible()
        shoot(page, "article-chat-full", full_page=True)
    finally:
        site.python(
            "from kitsune_livechat.models import ChatSession, Queue\n"
            "ChatSession.objects.filter(status='waiting').update(status='abandoned')\n"
            "result = Queue.objects.update(full_multiplier=2)"
        )
