"""Row locks on host models, against a ``User.objects`` that joins the profile as Kitsune's does.

PostgreSQL refuses ``FOR UPDATE`` on the nullable side of an outer join, so a lock taken through
that manager fails there: these run on both legs and matter most on the PostgreSQL one.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from users.models import Profile

from kitsune_livechat.models import ChatSession, KarmaAward, Message
from tests.factories import (
    ActiveChatFactory,
    DefaultQueueFactory,
    DocumentFactory,
    HelperFactory,
    MessageFactory,
    UserFactory,
    chat_form,
    online_helper,
)

pytestmark = pytest.mark.django_db


def test_the_example_user_manager_hides_system_accounts_through_the_profile():
    bot = UserFactory(username="sumo-bot")
    Profile._base_manager.filter(user=bot).update(account_type=Profile.AccountType.SYSTEM)
    person = UserFactory(username="person")
    User = get_user_model()

    assert list(User.objects.filter(pk__in=[bot.pk, person.pk])) == [person]
    assert "LEFT OUTER JOIN" in str(User.objects.all().query)
    assert User._default_manager.filter(pk=bot.pk).exists()


def test_a_logged_in_visitor_starts_a_chat(api_client):
    DefaultQueueFactory(auto_assign=False)
    online_helper()
    visitor = UserFactory(username="mia")

    response = api_client(visitor).post("sessions", chat_form(DocumentFactory()))

    assert response.status_code == 201, response.json()
    assert ChatSession.objects.get(visitor=visitor).status == ChatSession.Status.WAITING


def test_the_helper_ends_an_answered_chat_and_is_credited(api_client):
    helper = HelperFactory()
    session = ActiveChatFactory(helper=helper, assigned_at=timezone.now() - timedelta(minutes=10))
    MessageFactory(
        session=session,
        author=helper,
        author_name=helper.username,
        role="helper",
        kind=Message.Kind.TEXT,
        body="Let's fix that.",
    )

    response = api_client(helper).post(f"sessions/{session.pk}/end", {"reason": "resolved"})

    assert response.status_code == 200, response.json()
    assert set(KarmaAward.objects.filter(user=helper).values_list("action", flat=True)) == {
        "chat_answered",
        "first_chat",
    }
