"""The volunteer page (``livechat:volunteer``), used as people use it: a newcomer applies and
follows their progress, a mentor pairs, proposes and graduates, everyone else is refused."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from kitsune_livechat.models import Trainee
from kitsune_livechat.services.contributors import mentoring
from kitsune_livechat.services.conversation import feedback, participants
from kitsune_livechat.services.line import lifecycle
from kitsune_livechat.services.shared.access import Caller
from tests.factories import ActiveChatFactory, HelperFactory, SupervisorFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("livechat:volunteer")
PATH = {
    "LIVECHAT_GRADUATION_OBSERVED_CHATS": 1,
    "LIVECHAT_GRADUATION_SUPERVISED_CHATS": 1,
    "LIVECHAT_GRADUATION_MIN_RATING": 4,
    "LIVECHAT_KARMA_MIN_CHAT_SECONDS": 0,
    "LIVECHAT_KARMA_BACKENDS": [],
}


def step(trainee, action: str) -> str:
    return reverse("livechat:volunteer_action", args=[trainee.pk, action])


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def page_of(user) -> str:
    response = browser(user).get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def walk_the_path(newbie, mentor) -> None:
    """One chat observed to its end and one supervised chat the visitor rated 5, through the
    same services the console and the chat window use."""
    as_newbie, as_mentor = Caller(user=newbie), Caller(user=mentor)
    ago = timezone.now() - timedelta(minutes=5)
    observed = ActiveChatFactory(helper=mentor, assigned_at=ago)
    participants.knock(caller=as_newbie, session_id=observed.pk)
    participants.admit(caller=as_mentor, session_id=observed.pk, username="newbie")
    lifecycle.end_chat(caller=as_mentor, session_id=observed.pk)

    supervised = ActiveChatFactory(helper=mentor, assigned_at=ago)
    trainee = Trainee.objects.get(user=newbie)
    mentoring.hand_over(caller=as_mentor, session_id=supervised.pk, trainee_id=trainee.pk)
    lifecycle.end_chat(caller=as_newbie, session_id=supervised.pk)
    feedback.rate_chat(caller=Caller(user=supervised.visitor), session_id=supervised.pk, score=5)


# --- Who sees what ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/users/login/?next={reverse('livechat:volunteer')}")
    posted = Client().post(PAGE, {"motivation": "Hi"})
    assert posted.status_code == 302
    assert posted["Location"].startswith("/users/login/")
    assert not Trainee.objects.exists()


def test_someone_without_a_role_sees_what_it_means_the_guide_and_the_form(newbie):
    html = page_of(newbie)
    assert "What volunteering in live chat means" in html
    assert "Welcome to live chat! Here is how the path works." in html
    assert f'action="{reverse("livechat:volunteer")}"' in html
    assert '<label for="lc-motivation">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert reverse("livechat:console") not in html  # no console for them yet


def test_a_helper_gets_a_note_and_the_console():
    html = page_of(HelperFactory())
    assert "You already help in live chat" in html
    assert f'href="{reverse("livechat:console")}"' in html
    assert 'name="motivation"' not in html
    assert "Applicants waiting for a mentor" not in html


def test_an_applicant_sees_their_stage_and_the_guide_but_no_console(applied, newbie):
    html = page_of(newbie)
    assert "Applied" in html and "Not paired yet" in html
    assert "Welcome to live chat!" in html
    assert f'href="{reverse("livechat:console")}"' not in html
    assert 'name="motivation"' not in html


def test_a_trainee_sees_their_mentor_progress_and_the_console(paired, newbie):
    html = page_of(newbie)
    assert "In training" in html
    assert "<dd>mentor</dd>" in html
    assert "0 of 3" in html  # observed and supervised, against the default path
    assert f'href="{reverse("livechat:console")}"' in html
    assert "You can ask for graduation once you have done the chats above." in html
    assert step(paired, "propose") not in html


def test_a_mentor_sees_applicants_and_their_trainees(applied, mentor):
    other = mentoring.apply(caller=Caller(user=UserFactory(username="later")))[0]
    theirs = mentoring.apply(caller=Caller(user=UserFactory(username="someone_elses")))[0]
    mentoring.pair(caller=Caller(user=SupervisorFactory()), trainee_id=theirs.pk)
    mentoring.pair(caller=Caller(user=mentor), trainee_id=other.pk)

    html = page_of(mentor)
    waiting, mine = html.split("Your trainees", 1)
    assert "Applicants waiting for a mentor" in waiting
    assert "newbie" in waiting and "I like people." in waiting
    assert f'action="{step(applied, "pair")}"' in waiting
    assert "later" in mine and f'action="{step(other, "graduate")}"' in mine
    assert f'action="{step(other, "propose")}"' in mine
    assert "someone_elses" not in html  # another mentor's trainee


# --- Applying -----------------------------------------------------------------------------------


def test_applying_creates_one_application_and_shows_the_guide(newbie):
    client = browser(newbie)
    response = client.post(PAGE, {"motivation": "  I answer forum questions already.  "})
    assert response.status_code == 302 and response["Location"] == PAGE
    html = client.get(PAGE).content.decode()
    assert "Thanks for applying! A mentor will pair with you." in html
    assert "Welcome to live chat! Here is how the path works." in html
    trainee = Trainee.objects.get(user=newbie)
    assert (trainee.stage, trainee.motivation) == ("applied", "I answer forum questions already.")

    again = client.post(PAGE, {"motivation": "Once more"}, follow=True)
    assert "You have already applied." in again.content.decode()
    assert Trainee.objects.filter(user=newbie).count() == 1
    assert Trainee.objects.get(user=newbie).motivation == "I answer forum questions already."


def test_refused_applications_show_a_message_and_change_nothing(newbie):
    too_long = browser(newbie).post(PAGE, {"motivation": "x" * 5000}, follow=True)
    assert too_long.status_code == 200
    assert "That is too long." in too_long.content.decode()
    helper = browser(HelperFactory()).post(PAGE, {"motivation": "Me too"}, follow=True)
    assert "You already answer chats." in helper.content.decode()
    assert not Trainee.objects.exists()


def test_posting_without_the_csrf_token_is_refused(newbie):
    client = Client(enforce_csrf_checks=True)
    client.force_login(newbie)
    assert client.post(PAGE, {"motivation": "Hi"}).status_code == 403
    assert not Trainee.objects.exists()


# --- Pairing, proposing, graduating -------------------------------------------------------------


def test_a_mentor_pairs_with_an_applicant_and_follows_their_progress(applied, newbie, mentor):
    client = browser(mentor)
    response = client.post(step(applied, "pair"), follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [(PAGE, 302)]
    assert "You are now newbie&#x27;s mentor." in html
    applied.refresh_from_db()
    assert (applied.stage, applied.mentor) == ("training", mentor)
    _waiting, mine = html.split("Your trainees", 1)
    assert "newbie" in mine and "0 of 3" in mine
    assert "Nobody is waiting for a mentor." in html

    taken = browser(SupervisorFactory()).post(step(applied, "pair"), follow=True)
    assert "This trainee already has a mentor." in taken.content.decode()
    applied.refresh_from_db()
    assert applied.mentor == mentor


@override_settings(**PATH)
def test_proposing_too_early_is_refused_with_a_message(paired, newbie, mentor):
    for user in (newbie, mentor):
        response = browser(user).post(step(paired, "propose"), follow=True)
        assert response.status_code == 200
        assert "Not enough good chats yet." in response.content.decode()
    graduate = browser(mentor).post(step(paired, "graduate"), follow=True)
    assert "This trainee is not ready to graduate." in graduate.content.decode()
    paired.refresh_from_db()
    assert (paired.stage, paired.proposed) == ("training", None)
    assert not newbie.groups.exists()


@override_settings(**PATH)
def test_the_whole_path_ends_with_graduation_into_the_helpers(paired, newbie, mentor):
    walk_the_path(newbie, mentor)
    paired.refresh_from_db()
    assert paired.stage == "proposed"  # the good rating completed the path
    assert "your mentor will confirm it" in page_of(newbie)
    assert "Ready for graduation" in page_of(mentor)

    graduated = browser(mentor).post(step(paired, "graduate"), follow=True)
    assert "newbie has graduated and joined the helpers." in graduated.content.decode()
    paired.refresh_from_db()
    assert (paired.stage, paired.graduated_by) == ("graduated", mentor)
    assert newbie.groups.filter(name="Live Chat Helpers").exists()
    assert type(newbie).objects.get(pk=newbie.pk).has_perm("livechat.answer_chats")
    assert "You already help in live chat" in page_of(newbie)


def test_a_ready_trainee_asks_for_graduation(paired, newbie, mentor):
    with override_settings(**{**PATH, "LIVECHAT_GRADUATION_SUPERVISED_CHATS": 2}):
        walk_the_path(newbie, mentor)
        assert "1 of 2" in page_of(newbie)
    paired.refresh_from_db()
    assert paired.stage == "training"
    # The site then asks for one supervised chat only: the trainee is ready and asks.
    with override_settings(**PATH):
        html = page_of(newbie)
        assert "1 of 1" in html and "Ready for graduation" in html
        assert f'action="{step(paired, "propose")}"' in html
        asked = browser(newbie).post(step(paired, "propose"), follow=True)
    assert "newbie is proposed for graduation." in asked.content.decode()
    paired.refresh_from_db()
    assert paired.stage == "proposed" and paired.proposed is not None


@override_settings(**PATH)
def test_people_who_are_not_mentors_cannot_pair_or_graduate(paired, newbie, mentor):
    walk_the_path(newbie, mentor)
    paired.refresh_from_db()
    before = (paired.stage, paired.mentor_id, paired.graduated)
    for user in (HelperFactory(), UserFactory(), newbie):
        client = browser(user)
        for action in ("pair", "graduate"):
            response = client.post(step(paired, action), follow=True)
            assert response.status_code == 200
            assert "Only mentors can do that." in response.content.decode()
    paired.refresh_from_db()
    assert (paired.stage, paired.mentor_id, paired.graduated) == before
    assert not newbie.groups.exists()


def test_unknown_steps_and_trainees(paired, mentor):
    client = browser(mentor)
    assert client.post(step(paired, "promote")).status_code == 404
    assert client.get(step(paired, "pair")).status_code == 405
    missing = client.post(reverse("livechat:volunteer_action", args=[999999, "pair"]), follow=True)
    assert "No such trainee." in missing.content.decode()


# --- Language and the host site's header --------------------------------------------------------


def test_the_page_speaks_german(paired, newbie):
    with translation.override("de"):
        page, propose = reverse("livechat:volunteer"), step(paired, "propose")
    html = browser(newbie).get(page).content.decode()
    assert "Im Live-Chat mithelfen" in html
    assert "Ihr Stand in der Ausbildung" in html
    assert "0 von 3" in html
    refused = browser(newbie).post(propose, follow=True)
    assert "Noch nicht genug gute Chats." in refused.content.decode()


def test_the_site_header_links_newcomers_and_mentors_to_the_page(newbie, mentor):
    link = f'href="{reverse("livechat:volunteer")}"'
    assert link not in Client().get("/en-US/").content.decode()
    newcomer = browser(newbie).get("/en-US/").content.decode()
    assert f"{link}>Volunteer</a>" in newcomer
    assert f'href="{reverse("livechat:console")}"' not in newcomer
    assert link not in browser(HelperFactory()).get("/en-US/").content.decode()
    assert f"{link}>Mentoring</a>" in browser(mentor).get("/en-US/").content.decode()
    german = browser(newbie).get("/de/").content.decode()
    with translation.override("de"):
        assert f'href="{reverse("livechat:volunteer")}">Mithelfen</a>' in german
