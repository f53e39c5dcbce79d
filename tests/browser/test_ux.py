"""What visitors and helpers see in the corners of the product: readable buttons, honest waits,
a kept conversation, modes that reset, layouts that fit a phone and pages a screen reader can use.

Each test drives the screens as a user would and asserts what is on the screen.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

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
