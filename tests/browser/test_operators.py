"""Operators and supervisors in the browser: tags on chats."""

import uuid

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


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
