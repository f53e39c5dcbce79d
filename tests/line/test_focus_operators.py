"""Focus campaigns run by operators: the API and pages to create, edit, schedule, pause and end
them, translated labels, the rule that protects collected answers, and what visitors and the
console see of a campaign."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kitsune_livechat.models import Focus
from kitsune_livechat.services.line.focus import match_focus, public_focus
from tests.factories import (
    ActiveChatFactory,
    DocumentFactory,
    HelperFactory,
    SupervisorFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {
        "key": "antivirus",
        "label": "Which antivirus do you use?",
        "labels": {"de": "Welches Antivirenprogramm nutzen Sie?"},
        "type": "choice",
        "choices": ["Avast", "None"],
        "choice_labels": {"de": ["Avast", "Keines"]},
        "required": True,
    },
    {"key": "grey", "label": "Is the window grey?", "type": "yesno"},
]


@pytest.fixture
def operator():
    user = UserFactory(username="olga")
    user.user_permissions.add(Permission.objects.get(codename="manage_focus"))
    return user


def create(api_client, user, **fields):
    body = {"title": "Grey window after update", "questions": QUESTIONS, **fields}
    return api_client(user).post("focuses", body)


def test_operator_with_manage_focus_creates_a_translated_campaign(api_client, operator):
    response = create(api_client, operator, locales=["en-US", "de"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["chats"], body["answered"]) == ("running", 0, 0)
    focus = Focus.objects.get(pk=body["id"])
    assert focus.questions[0]["labels"] == {"de": "Welches Antivirenprogramm nutzen Sie?"}
    german = public_focus(focus, "de")["questions"][0]
    assert german["label"] == "Welches Antivirenprogramm nutzen Sie?"
    assert (german["choices"], german["choice_labels"]) == (["Avast", "None"], ["Avast", "Keines"])
    english = public_focus(focus, "en-US")["questions"][0]
    assert english["choice_labels"] == ["Avast", "None"]


def test_choice_translations_must_name_every_choice(api_client, operator):
    bad = [{**QUESTIONS[0], "choice_labels": {"de": ["Avast"]}}]
    response = create(api_client, operator, questions=bad)
    assert (response.status_code, response.json()["code"]) == (400, "invalid_question")
    assert not Focus.objects.exists()


def test_pause_resume_and_end_change_what_visitors_match(api_client, operator):
    focus_id = create(api_client, operator).json()["id"]
    client = api_client(operator)
    assert match_focus(locale="en-US") is not None
    assert client.post(f"focuses/{focus_id}/pause").json()["state"] == "paused"
    assert match_focus(locale="en-US") is None
    assert client.post(f"focuses/{focus_id}/resume").json()["state"] == "running"
    assert match_focus(locale="en-US").pk == focus_id
    assert client.post(f"focuses/{focus_id}/end").json()["state"] == "ended"
    assert match_focus(locale="en-US") is None
    response = client.post(f"focuses/{focus_id}/resume")
    assert (response.status_code, response.json()["code"]) == (409, "focus_ended")
    response = client.post(f"focuses/{focus_id}/explode")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_action")


def test_a_scheduled_campaign_starts_later(api_client, operator):
    starts = timezone.now() + timedelta(days=1)
    body = create(api_client, operator, starts=starts.isoformat()).json()
    assert body["state"] == "scheduled"
    assert match_focus(locale="en-US") is None
    assert match_focus(locale="en-US", now=starts + timedelta(minutes=1)).pk == body["id"]


def test_edits_that_would_orphan_answers_are_refused(api_client, operator):
    focus_id = create(api_client, operator).json()["id"]
    client = api_client(operator)
    ActiveChatFactory(focus_id=focus_id, answers={"antivirus": "Avast"})
    base = {"title": "Grey window after update"}
    for questions in (
        QUESTIONS[1:],  # removing a question with answers
        [{**QUESTIONS[0], "type": "text"}, QUESTIONS[1]],  # changing its kind
        [{**QUESTIONS[0], "choices": ["None", "Norton"], "choice_labels": {}}, QUESTIONS[1]],
    ):
        response = client.put(f"focuses/{focus_id}", {**base, "questions": questions})
        assert (response.status_code, response.json()["code"]) == (409, "answers_collected")
    assert Focus.objects.get(pk=focus_id).questions[0]["choices"] == ["Avast", "None"]
    # Relabelling, adding a choice and adding a question are fine.
    grown = [
        {
            **QUESTIONS[0],
            "label": "Your antivirus?",
            "choices": ["Avast", "None", "Norton"],
            "choice_labels": {},
        },
        QUESTIONS[1],
        {"key": "since", "label": "Since when?", "type": "text"},
    ]
    response = client.put(f"focuses/{focus_id}", {**base, "questions": grown})
    assert response.status_code == 200, response.content
    assert response.json()["answered"] == 1
    assert [q["key"] for q in response.json()["questions"]] == ["antivirus", "grey", "since"]


def test_without_answers_any_edit_is_allowed(api_client, operator):
    focus_id = create(api_client, operator).json()["id"]
    response = api_client(operator).put(
        f"focuses/{focus_id}", {"title": "New title", "questions": QUESTIONS[1:]}
    )
    assert response.status_code == 200
    assert response.json()["title"] == "New title"


def test_helpers_and_visitors_cannot_run_campaigns(api_client, operator):
    focus_id = create(api_client, operator).json()["id"]
    for user in (HelperFactory(), UserFactory()):
        client = api_client(user)
        for response in (
            client.get(f"focuses/{focus_id}"),
            client.put(f"focuses/{focus_id}", {"title": "Mine now"}),
            client.post(f"focuses/{focus_id}/end"),
            client.post("focuses", {"title": "Mine"}),
        ):
            assert (response.status_code, response.json()["code"]) == (403, "not_operator")
    assert api_client().get(f"focuses/{focus_id}").status_code == 401
    assert Focus.objects.get().title == "Grey window after update"
    assert api_client(operator).get("focuses/999999").json()["code"] == "unknown_focus"


def test_version_ranges_match_major_versions(api_client, operator):
    create(api_client, operator, browser_versions=["Firefox 115-128"])
    assert match_focus(browser="Firefox", browser_version="120.0.1") is not None
    assert match_focus(browser="Firefox", browser_version="128.0") is not None
    assert match_focus(browser="Firefox", browser_version="129.0") is None
    assert match_focus(browser="Chrome", browser_version="120.0") is None


def test_console_gets_question_labels_and_the_campaign_title(api_client, operator):
    focus = Focus.objects.get(pk=create(api_client, operator).json()["id"])
    chat = ActiveChatFactory(focus=focus, answers={"antivirus": "None", "grey": True})
    staff = api_client(chat.helper).get(f"sessions/{chat.pk}").json()
    assert staff["focus"] == focus.slug
    assert staff["focus_title"] == "Grey window after update"
    assert staff["form"]["answers_shown"] == [
        {"key": "antivirus", "label": "Which antivirus do you use?", "value": "None"},
        {"key": "grey", "label": "Is the window grey?", "value": True},
    ]
    visitor = api_client(chat.visitor).get(f"sessions/{chat.pk}").json()
    assert visitor["form"].get("answers_shown") is None and visitor.get("focus_title") is None


# --- Pages ------------------------------------------------------------------------------------


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_create_and_edit_a_campaign_with_a_form(operator):
    article = DocumentFactory()
    client = page_client(operator)
    assert client.get(reverse("livechat:focus_new")).status_code == 200
    form = {
        "title": "Startup crash",
        "description": "Tell us about crashes at startup.",
        "articles": str(article.pk),
        "locales": ["de"],
        "browser_versions": "Firefox 115-128",
        "q-TOTAL_FORMS": "1",
        "q-INITIAL_FORMS": "0",
        "q-0-key": "safe_mode",
        "q-0-label": "Does Troubleshoot Mode help?",
        "q-0-label_de": "Hilft der Fehlerbehebungsmodus?",
        "q-0-type": "yesno",
        "q-0-required": "on",
    }
    response = client.post(reverse("livechat:focus_new"), form)
    focus = Focus.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("livechat:focus_edit", args=[focus.pk])
    assert [a.pk for a in focus.articles.all()] == [article.pk]
    assert focus.locales == ["de"] and focus.browser_versions == ["Firefox 115-128"]
    assert focus.questions == [
        {
            "key": "safe_mode",
            "label": "Does Troubleshoot Mode help?",
            "labels": {"de": "Hilft der Fehlerbehebungsmodus?"},
            "type": "yesno",
            "required": True,
        }
    ]
    page = client.get(reverse("livechat:focus_edit", args=[focus.pk])).content.decode()
    assert "Hilft der Fehlerbehebungsmodus?" in page and "Startup crash" in page

    # A bad edit comes back with the service's words, and changes nothing.
    response = client.post(
        reverse("livechat:focus_edit", args=[focus.pk]),
        {**form, "q-INITIAL_FORMS": "1", "articles": "999999"},
    )
    assert response.status_code == 200
    assert "Some target articles do not exist." in response.content.decode()
    assert [a.pk for a in Focus.objects.get().articles.all()] == [article.pk]

    preview = client.get(reverse("livechat:focus_preview", args=[focus.pk]), {"locale": "de"})
    text = preview.content.decode()
    assert "Hilft der Fehlerbehebungsmodus?" in text and ">Ja<" in text

    client.post(reverse("livechat:focus_action", args=[focus.pk, "pause"]))
    assert Focus.objects.get().is_active is False
    listing = client.get(reverse("livechat:focus_list")).content.decode()
    assert "Startup crash" in listing and "Paused" in listing


def test_pages_are_for_operators_only(operator):
    focus = Focus.objects.create(title="X", slug="x")
    for url in (
        reverse("livechat:focus_list"),
        reverse("livechat:focus_new"),
        reverse("livechat:focus_edit", args=[focus.pk]),
        reverse("livechat:focus_preview", args=[focus.pk]),
    ):
        assert page_client(HelperFactory()).get(url).status_code == 403
        assert Client().get(url).status_code == 302  # to the login page
        assert page_client(SupervisorFactory()).get(url).status_code == 200
    response = page_client(HelperFactory()).post(
        reverse("livechat:focus_action", args=[focus.pk, "end"])
    )
    assert response.status_code == 403
    assert Focus.objects.get().ends is None


def test_availability_speaks_the_visitors_language(api_client, operator):
    article = DocumentFactory(locale="de")
    create(api_client, operator, articles=[article.pk])
    focus = api_client().get("availability", article=article.pk).json()["focus"]
    question = focus["questions"][0]
    assert question["label"] == "Welches Antivirenprogramm nutzen Sie?"
    assert (question["choices"], question["choice_labels"]) == (
        ["Avast", "None"],
        ["Avast", "Keines"],
    )
