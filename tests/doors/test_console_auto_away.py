"""The console learns the automatic away delay from the settings (the browser tests drive it)."""

import pytest
from django.urls import reverse

from tests.factories import HelperFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("setting, shown", [(None, "600"), (90, "90"), (0, "0")])
def test_console_carries_the_auto_away_delay(client, settings, setting, shown):
    if setting is not None:
        settings.LIVECHAT_AUTO_AWAY_SECONDS = setting
    client.force_login(HelperFactory())

    page = client.get(reverse("livechat:console")).content.decode()

    assert f'data-auto-away="{shown}"' in page
    assert 'data-dialog="offline"' in page
