"""Operators and supervisors in the browser: tags on chats, focus campaigns."""

import re
import uuid

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in
from tests.browser.test_chat import go_online

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture(autouse=True)
def _helpers_go_offline(site):
    """Set up before the browser contexts, so this runs after they closed: the helpers these
    tests put online go offline, and the next tests find the floor as the seed left it."""
    yield
    site.python(
        "from kitsune_livechat.models import AgentStatus\n"
        "result = AgentStatus.objects.update(status='offline')\n"
    )


def make_chat(site, helper: str, problem: str, *, ended: bool = False) -> str:
    """A chat of ``helper`` (active, or ended) from the seeded article, with a visitor of its
    own; returns its id."""
    factory = "EndedChatFactory" if ended else "ActiveChatFactory"
    return site.python(
        "from django.contrib.auth import get_user_model\n"
        "from wiki.models import Document\n"
        f"from tests.factories import {factory} as Chat, UserFactory\n"
        f"helper = get_user_model().objects.get(username={helper!r})\n"
        f"visitor = UserFactory(username={'v' + uuid.uuid4().hex[:12]!r})\n"
        f"article = Document.objects.get(pk={site.data['article']['id']})\n"
        f"chat = Chat(helper=helper, visitor=visitor, article=article, problem={problem!r})\n"
        "result = str(chat.pk)\n"
    )


def end_chat(site, chat_id: str) -> None:
    site.python(
        "from kitsune_livechat.models import ChatSession\n"
        f"result = ChatSession.objects.filter(pk={chat_id!r}).update(status='ended')\n"
    )


def test_helper_tags_a_chat_and_a_supervisor_sees_it_live(site, new_context):
    chat_id = make_chat(site, "helper3", "Sync lost all my passwords.")
    # A tag already in use elsewhere is offered while typing.
    earlier = make_chat(site, "helper1", "Sync stopped.", ended=True)
    site.python(
        "from kitsune_livechat.models import ChatTag\n"
        f"result = ChatTag.objects.create(session_id={earlier!r}, name='sync-error').pk\n"
    )
    helper = new_context().new_page()
    sign_in(helper, site, "helper3", reverse("livechat:console"))
    # helper3 may hold chats from earlier tests: open this one's tab.
    helper.get_by_role("tab", name=re.compile("Sync lost all my passwords")).click()
    panel = helper.get_by_role("tabpanel")
    expect(panel.get_by_text("Sync lost all my passwords.").first).to_be_visible()
    tag_input = panel.get_by_label("Add a tag")
    expect(panel.get_by_text("No tags yet.")).to_be_visible()
    tag_input.fill("sy")
    expect(panel.locator("datalist option[value='sync-error']")).to_have_count(1)
    tag_input.fill("sync-error")
    tag_input.press("Enter")
    tags = panel.locator(".lc-chat-tags")
    expect(tags).to_contain_text("sync-error")
    expect(tag_input).to_have_value("")

    supervisor = new_context().new_page()
    sign_in(supervisor, site, "mentor", reverse("livechat:observe", args=[uuid.UUID(chat_id)]))
    watched = supervisor.get_by_role("tabpanel")
    expect(watched.locator(".lc-chat-tags")).to_contain_text("sync-error")

    # The helper adds a tag (spelt loosely): the supervisor's console shows it at once.
    tag_input.fill("Password Manager")
    panel.get_by_role("button", name="Add", exact=True).click()
    expect(watched.locator(".lc-chat-tags")).to_contain_text("password-manager")
    shoot(helper, "console-tags")

    # The supervisor removes one; the helper's console follows.
    watched.get_by_role("button", name="Remove the tag sync-error").click()
    expect(tags).not_to_contain_text("sync-error")
    expect(tags).to_contain_text("password-manager")
    end_chat(site, chat_id)


def make_article(site, title: str) -> dict:
    return site.python(
        "from tests.factories import DocumentFactory\n"
        f"doc = DocumentFactory(title={title!r}, slug={'a-' + uuid.uuid4().hex[:12]!r})\n"
        "result = {'id': doc.pk, 'url': doc.get_absolute_url()}\n"
    )


def test_operator_runs_a_focus_campaign_from_a_form(site, new_context):
    article = make_article(site, "Firefox shows a grey window")
    helper = new_context().new_page()
    sign_in(helper, site, "helper1", reverse("livechat:console"))
    go_online(helper)

    operator = new_context().new_page()
    sign_in(operator, site, "mentor", reverse("livechat:focus_new"))
    operator.get_by_label("Title").fill("Grey window after the update")
    operator.get_by_label("Invitation").fill("We are collecting reports of grey windows.")
    operator.get_by_label("Articles (ids, separated by commas)").fill(str(article["id"]))
    operator.get_by_role("button", name="Add a question").click()
    question = operator.locator("[data-question]").last
    question.get_by_label("Key").fill("antivirus")
    question.get_by_label("Question", exact=True).fill("Which antivirus do you use?")
    question.get_by_label("Question in Deutsch").fill("Welches Antivirenprogramm nutzen Sie?")
    question.get_by_label("Kind").select_option("choice")
    question.get_by_label("Choices (one per line)").fill("Avast\nNone")
    question.get_by_label("Choices in Deutsch (one per line)").fill("Avast\nKeines")
    question.get_by_label("Required").check()
    shoot(operator, "focus-new", full_page=True)
    operator.get_by_role("button", name="Create campaign").click()
    expect(operator.get_by_text("The focus was created.")).to_be_visible()
    expect(operator.locator("[data-focus-state]")).to_have_text("Running")
    expect(operator.locator("[data-count=answered]")).to_have_text("0")

    # The preview shows the form in German as a German visitor will see it.
    with operator.context.expect_page() as opened:
        operator.get_by_role("link", name="Preview in Deutsch").click()
    preview = opened.value
    expect(
        preview.get_by_role("group", name="Welches Antivirenprogramm nutzen Sie?")
    ).to_be_visible()
    expect(preview.get_by_label("Keines")).to_be_visible()
    preview.close()

    # The article's chat button invites the visitor in the campaign's words.
    visitor = new_context()
    page = visitor.new_page()
    page.goto(article["url"])
    expect(page.get_by_text("We are collecting reports of grey windows.")).to_be_visible()
    with visitor.expect_page() as opened:
        page.get_by_role("link", name="Chat with a volunteer").click()
    chat = opened.value
    expect(chat.get_by_text("Grey window after the update")).to_be_visible()
    chat.get_by_label("What's the problem?").fill("Every window turns grey.")
    chat.get_by_role("group", name="Which antivirus do you use?").get_by_label("Avast").check()
    chat.get_by_role("button", name="Start chat").click()
    expect(chat.get_by_role("heading", name="Finding a volunteer for you")).to_be_visible()

    # The operator's count follows without a reload.
    expect(operator.locator("[data-count=answered]")).to_have_text("1", timeout=20_000)

    # The helper reads the answer by its question and the campaign by its title.
    helper.get_by_role("button", name=re.compile("Take this chat: Every window")).click()
    side = helper.get_by_role("tabpanel").locator(".lc-side")
    expect(side).to_contain_text("Which antivirus do you use?")
    expect(side).to_contain_text("Grey window after the update")
    expect(side).not_to_contain_text("antivirus:")

    operator.get_by_role("button", name="End now").click()
    expect(operator.locator("[data-focus-state]")).to_have_text("Ended")
    helper.get_by_role("tabpanel").get_by_role("button", name="End chat").click()
    helper.get_by_role("dialog").get_by_role("button", name="End chat").click()
    expect(helper.get_by_role("tabpanel").get_by_text("How did the article do?")).to_be_visible()


def test_supervisor_watches_the_floor_live_and_acts_from_it(site, new_context):
    hans = new_context().new_page()
    sign_in(hans, site, "helper2", reverse("livechat:console"))
    go_online(hans, capacity=5)
    long_id = site.python(
        "from datetime import timedelta\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.utils import timezone\n"
        "from tests.factories import ActiveChatFactory, UserFactory\n"
        "helper = get_user_model().objects.get(username='helper3')\n"
        f"visitor = UserFactory(username={'v' + uuid.uuid4().hex[:12]!r})\n"
        "start = timezone.now() - timedelta(minutes=40)\n"
        "chat = ActiveChatFactory(helper=helper, visitor=visitor, created=start,\n"
        "    assigned_at=start, problem='Floor: a long chat')\n"
        "result = str(chat.pk)\n"
    )
    unanswered_id = make_chat(site, "helper1", "Floor: nobody answers me")
    site.python(
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from kitsune_livechat.models import ChatSession, Message\n"
        f"chat = ChatSession.objects.get(pk={unanswered_id!r})\n"
        "chat.last_seq = 1\n"
        "chat.save()\n"
        "result = Message.objects.create(session=chat, seq=1, role='visitor', body='Hello?',\n"
        "    created=timezone.now() - timedelta(minutes=5)).pk\n"
    )

    supervisor = new_context().new_page()
    sign_in(supervisor, site, "mentor", reverse("livechat:floor"))
    expect(supervisor.locator("[data-bind=connection]")).to_have_text("Live")
    helpers = supervisor.locator("[data-bind=helpers]")
    expect(helpers).to_contain_text("Hans Helfer")
    attention = supervisor.locator("[data-bind=attention] li")
    long_item = attention.filter(has_text="Floor: a long chat")
    expect(long_item).to_contain_text("running long")
    quiet_item = attention.filter(has_text="Floor: nobody answers me")
    expect(quiet_item).to_contain_text("waiting for a reply")
    shoot(supervisor, "floor", full_page=True)

    # A visitor asks for a chat: the floor shows them waiting without a reload.
    visitor = new_context()
    article = visitor.new_page()
    article.goto(site.data["article"]["url"])
    with visitor.expect_page() as opened:
        article.get_by_role("link", name="Chat with a volunteer").click()
    chat = opened.value
    chat.get_by_label("What's the problem?").fill("Floor: I am waiting")
    chat.get_by_role("button", name="Start chat").click()
    waiting = supervisor.locator("[data-bind=waiting-chats] li", has_text="Floor: I am waiting")
    expect(waiting).to_be_visible()

    # Reassign the long chat to Hans: his console gets it.
    long_item.get_by_label("Reassign to").select_option(label="Hans Helfer")
    long_item.get_by_role("button", name="Reassign").click()
    expect(hans.get_by_role("tab").filter(has_text="Floor: a long chat")).to_be_visible()

    # Join the chat nobody answers as monitor: it opens in the console, watching.
    with supervisor.context.expect_page() as opened:
        quiet_item.get_by_role("button", name="Join as monitor").click()
    watching = opened.value
    expect(watching.get_by_role("tabpanel").get_by_text("observing")).to_be_visible()
    expect(watching.get_by_role("tabpanel").get_by_text("Hello?")).to_be_visible()

    # Then end it: it leaves the list.
    quiet_item.get_by_role("button", name="End chat").click()
    expect(quiet_item).to_have_count(0)

    # The waiting visitor gave up long ago: the supervisor ends their chat.
    waiting.get_by_role("button", name="End chat").click()
    expect(waiting).to_have_count(0)
    expect(chat.get_by_text("The chat has ended.")).to_be_visible()
    end_chat(site, long_id)


def test_visitor_reports_a_helper_and_a_helper_bans_a_visitor(site, new_context):
    username = "v" + uuid.uuid4().hex[:10]
    site.python(
        "from tests.factories import UserFactory\n"
        f"user = UserFactory(username={username!r})\n"
        "user.set_password('secret')\n"
        "user.save()\n"
        "result = user.pk\n"
    )
    helper = new_context().new_page()
    sign_in(helper, site, "helper3", reverse("livechat:console"))
    go_online(helper)
    supervisor = new_context().new_page()
    sign_in(supervisor, site, "mentor", reverse("livechat:floor"))
    expect(supervisor.locator("[data-bind=connection]")).to_have_text("Live")

    visitor = new_context()
    page = visitor.new_page()
    sign_in(page, site, username, site.data["article"]["url"])

    def start_chat(problem: str):
        with visitor.expect_page() as opened:
            page.get_by_role("link", name="Chat with a volunteer").click()
        chat = opened.value
        chat.get_by_label("What's the problem?").fill(problem)
        chat.get_by_role("button", name="Start chat").click()
        helper.get_by_role("button", name=re.compile(f"Take this chat: {problem}")).click()
        helper.get_by_role("tab").filter(has_text=problem).click()
        panel = helper.get_by_role("tabpanel")
        panel.get_by_label("Your message").fill("Hello, how can I help?")
        panel.get_by_label("Your message").press("Enter")
        expect(chat.get_by_text("Hello, how can I help?")).to_be_visible()
        return chat, panel

    # The visitor ends the chat and reports the helper; the floor shows it at once.
    chat, panel = start_chat("Moderation: first question")
    chat.get_by_role("button", name="End chat").first.click()
    chat.get_by_role("dialog").get_by_role("button", name="End chat").click()
    chat.get_by_text("Report this helper").click()
    chat.get_by_label("What happened?").fill("The helper mocked me.")
    chat.get_by_role("button", name="Send report").click()
    expect(chat.get_by_text("Thank you. Supervisors will look into it.")).to_be_visible()
    report = supervisor.locator("[data-bind=reports] li", has_text="The helper mocked me.")
    expect(report).to_contain_text("helper3")
    expect(supervisor.locator("[data-bind=connection]")).to_have_text(
        "A visitor reported a helper."
    )
    expect(supervisor).to_have_title(re.compile(r"^\(1\) "))
    expect(supervisor.locator("[data-bind=reports-count]")).not_to_have_text("0")
    report.get_by_role("button", name="Mark as dealt with").click()
    expect(report).to_have_count(0)
    chat.close()

    # A second chat turns abusive: the helper bans the visitor from the console.
    chat, panel = start_chat("Moderation: second question")
    panel.get_by_text("Ban this visitor").click()
    panel.get_by_label("Reason").fill("Repeated insults")
    panel.get_by_label("For how long").select_option(label="30 days")
    panel.get_by_role("button", name="Ban and end the chat").click()
    expect(chat.get_by_text("The chat has ended.")).to_be_visible()
    # The reason is in the conversation (shown above the end screen where it is kept).
    expect(chat.locator(".lc-msg", has_text="closed live chat to you")).to_have_count(1)
    ban = supervisor.locator("[data-bind=bans] li", has_text="Repeated insults")
    expect(ban).to_contain_text(username)
    chat.close()

    # Back on the article, chat is closed to them, with the forum still open.
    page.reload()
    with visitor.expect_page() as opened:
        page.get_by_role("link", name="Ask in the forum").click()
    closed = opened.value
    expect(
        closed.get_by_text("Live chat is closed to you. You can still ask in the support forum.")
    ).to_be_visible()
    expect(closed.get_by_role("button", name="Leave your email")).to_be_hidden()
    closed.get_by_label("What's the problem?").fill("Moderation: still need help")
    closed.get_by_role("button", name="Post to the forum").click()
    expect(closed.get_by_text("Your question is in the forum")).to_be_visible()

    # The supervisor lifts the ban; chat opens again for them.
    ban.get_by_role("button", name="Lift the ban").click()
    expect(ban).to_have_count(0)
    page.reload()
    expect(page.get_by_role("link", name="Chat with a volunteer")).to_be_visible()


def test_supervisor_drills_down_from_a_bar_to_its_chats(site, new_context):
    tag = "drill-" + uuid.uuid4().hex[:6]
    for problem in ("Drill: first tagged chat", "Drill: second tagged chat"):
        chat_id = make_chat(site, "helper1", problem, ended=True)
        site.python(
            "from kitsune_livechat.models import ChatTag\n"
            f"result = ChatTag.objects.create(session_id={chat_id!r}, name={tag!r}).pk\n"
        )
    page = new_context().new_page()
    sign_in(page, site, "mentor", reverse("livechat:insights_breakdown") + "?by=tag")
    expect(page.get_by_role("heading", name="Outcomes and ratings by tag")).to_be_visible()
    shoot(page, "insights-by-tag", full_page=True)
    page.locator(f"svg a[href*='tag={tag}']").click()
    page.wait_for_url(f"**tag={tag}**")
    rows = page.locator("table.lci-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Drill: second tagged chat")
    expect(rows.first).to_contain_text(tag)
    page.get_by_role("link", name="By tag, campaign, helper").click()
    page.get_by_role("link", name="Outcomes and ratings by helper").click()
    expect(page.get_by_role("row", name=re.compile("Priya Helper"))).to_be_visible()
