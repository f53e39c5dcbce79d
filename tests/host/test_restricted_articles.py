"""Articles restricted to groups (Kitsune's ``restrict_to_groups`` with ``visible(user)``) look
missing to everyone outside those groups, through every door that reads articles."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wiki.models import Document

from kitsune_livechat.models import ChatSession
from tests.factories import (
    ChatSessionFactory,
    DefaultQueueFactory,
    DocumentFactory,
    HelperFactory,
    UserFactory,
    chat_form,
)

pytestmark = pytest.mark.django_db

CANNED = 70


@pytest.fixture
def staff_group():
    return Group.objects.create(name="Mozilla Staff")


@pytest.fixture
def restricted(staff_group):
    doc = DocumentFactory(title="Firefox internal rollout notes", slug="internal-rollout")
    doc.restrict_to_groups.add(staff_group)
    return doc


def member_of(group, factory=UserFactory):
    user = factory()
    user.groups.add(group)
    return user


def test_the_example_site_hides_restricted_documents_like_kitsune(client, restricted, staff_group):
    translation = DocumentFactory(locale="de", parent=restricted, title="Interne Notizen")
    outsider, member = UserFactory(), member_of(staff_group)
    visible = Document.objects.visible
    assert not visible(None, pk__in=[restricted.pk, translation.pk]).exists()
    assert not visible(outsider, pk__in=[restricted.pk, translation.pk]).exists()
    assert set(visible(member, pk__in=[restricted.pk, translation.pk])) == {restricted, translation}
    assert client.get(restricted.get_absolute_url()).status_code == 404
    client.force_login(member)
    assert client.get(restricted.get_absolute_url()).status_code == 200


def test_a_chat_from_a_restricted_article_is_refused_like_a_missing_one(
    api_client, open_queue, restricted, staff_group
):
    outsider = api_client(UserFactory()).post("sessions", chat_form(restricted))
    missing = api_client(UserFactory()).post("sessions", chat_form(987654))
    assert (outsider.status_code, outsider.json()) == (missing.status_code, missing.json())
    assert outsider.json()["code"] == "unknown_article"
    assert "rollout" not in outsider.content.decode()
    assert not ChatSession.objects.exists()

    member = api_client(member_of(staff_group)).post("sessions", chat_form(restricted))
    assert member.status_code == 201, member.json()


def test_availability_and_the_chat_page_treat_restricted_as_missing(
    api_client, client, open_queue, restricted
):
    restricted_answer = api_client().get("availability", article=restricted.pk)
    missing_answer = api_client().get("availability", article=987654)
    assert (restricted_answer.status_code, restricted_answer.json()) == (
        missing_answer.status_code,
        missing_answer.json(),
    )
    page = client.get(reverse("livechat:chat"), {"article": restricted.pk})
    assert "rollout" not in page.content.decode()


def test_suggestions_and_console_search_skip_restricted_articles(
    api_client, open_queue, restricted, staff_group
):
    DocumentFactory(title="Firefox rollout of new features", slug="public-rollout")
    visitor = UserFactory()
    session = ChatSessionFactory(
        visitor=visitor, problem="Where are the Firefox rollout notes?", article=DocumentFactory()
    )

    suggested = api_client(visitor).get(f"sessions/{session.pk}/suggestions").json()
    assert [a["title"] for a in suggested] == ["Firefox rollout of new features"]

    helper = api_client(HelperFactory()).get("kb/search", q="rollout", locale="en-US").json()
    assert [a["title"] for a in helper] == ["Firefox rollout of new features"]
    staff_helper = api_client(member_of(staff_group, HelperFactory))
    found = staff_helper.get("kb/search", q="rollout", locale="en-US").json()
    assert {a["title"] for a in found} == {
        "Firefox rollout of new features",
        "Firefox internal rollout notes",
    }


def test_restricted_canned_responses_and_solutions_stay_hidden(api_client, restricted, staff_group):
    secret = DocumentFactory(title="Escalate to staff", slug="canned-escalate", category=CANNED)
    secret.restrict_to_groups.add(staff_group)
    DocumentFactory(title="Say hello", slug="canned-hello", category=CANNED)
    helper = HelperFactory()
    titles = [c["title"] for c in api_client(helper).get("canned", locale="en-US").json()]
    assert titles == ["Say hello"]

    visitor = UserFactory()
    session = ChatSessionFactory(visitor=visitor, queue=DefaultQueueFactory())
    solved = api_client(visitor).post(f"sessions/{session.pk}/solved", {"article": restricted.pk})
    assert (solved.status_code, solved.json()["code"]) == (400, "unknown_article")
