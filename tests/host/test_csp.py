"""Pages under a Content-Security-Policy shaped like Kitsune's (django-csp 4 with nonces): every
script and stylesheet tag carries the page's nonce, and nothing inline is left for the policy to
block (no style="" attribute, no on...= handler)."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from kitsune_livechat.models import Trainee
from tests.factories import (
    ActiveChatFactory,
    DocumentFactory,
    HelperFactory,
    SupervisorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TAGS = re.compile(r"<(script|link|style)\b[^>]*>", re.IGNORECASE)
INLINE = re.compile(r"<[a-z][^>]*\s(style|on[a-z]+)\s*=", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_everything_carries_the_nonce(response) -> None:
    directives = policy(response)
    assert "'self'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]
    nonces = {v for v in directives["script-src"] if v.startswith("'nonce-")}
    assert len(nonces) == 1, directives
    nonce = nonces.pop()[len("'nonce-") : -1]
    page = response.content.decode()
    tags = [m.group(0) for m in TAGS.finditer(page)]
    # Links other than stylesheets and JSON data blocks are not what the policy checks.
    needing = [
        t
        for t in tags
        if ("stylesheet" in t or not t.lower().startswith("<link"))
        and 'type="application/json"' not in t
    ]
    assert needing, "the page renders no script or stylesheet"
    missing = [t for t in needing if f'nonce="{nonce}"' not in t]
    assert not missing, (
        f"tags without the page's nonce on {response.request['PATH_INFO']}: {missing}"
    )
    inline = [m.group(0)[:80] for m in INLINE.finditer(page)]
    assert not inline, f"inline styles or handlers: {inline}"


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_article_page_with_the_chat_button():
    article = DocumentFactory()
    response = client_for().get(article.get_absolute_url())
    assert response.status_code == 200
    assert "data-livechat-button" in response.content.decode()
    assert_everything_carries_the_nonce(response)


def test_the_visitors_chat_window():
    article = DocumentFactory()
    response = client_for(UserFactory()).get(reverse("livechat:chat"), {"article": article.pk})
    assert_everything_carries_the_nonce(response)


def test_the_console_and_observing():
    supervisor = SupervisorFactory()
    assert_everything_carries_the_nonce(client_for(supervisor).get(reverse("livechat:console")))
    chat = ActiveChatFactory()
    observe = reverse("livechat:observe", kwargs={"session_id": chat.pk})
    assert_everything_carries_the_nonce(client_for(supervisor).get(observe))


def test_contributor_pages_and_the_profile_panel():
    helper = HelperFactory()
    Trainee.objects.create(user=UserFactory(), mentor=helper)
    client = client_for(helper)
    assert_everything_carries_the_nonce(client.get(reverse("livechat:leaderboard")))
    assert_everything_carries_the_nonce(client.get(reverse("livechat:volunteer")))


def test_insight_pages():
    editor = UserFactory()
    group = Group.objects.create(name="KB editors")
    group.permissions.add(Permission.objects.get(codename="view_insights"))
    editor.groups.add(group)
    response = client_for(editor).get(reverse("livechat:insights"))
    assert response.status_code == 200
    directives = policy(response)
    assert "'unsafe-inline'" not in directives["style-src"]
    inline = [m.group(0)[:80] for m in INLINE.finditer(response.content.decode())]
    assert not inline
    stylesheets = [m.group(0) for m in TAGS.finditer(response.content.decode())]
    assert stylesheets and all("nonce=" in t for t in stylesheets)


def test_without_django_csp_no_nonce_attribute_is_written(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("csp.")]
    page = client_for(UserFactory()).get(reverse("livechat:chat")).content.decode()
    assert "nonce=" not in page
