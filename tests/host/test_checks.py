"""Each system check fires with its stable id for a bad setting, and stays quiet otherwise."""

from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import override_settings

from kitsune_livechat.models import Queue
from tests.factories import DefaultQueueFactory, DocumentFactory, UserFactory, online_helper

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_queue_installed(request):
    """Every check but the queue check looks at settings only; give it the queue it wants."""
    if "fresh_install" not in request.fixturenames:
        DefaultQueueFactory()


@pytest.fixture
def fresh_install():
    assert not Queue.objects.exists()


def ids(**kwargs) -> set[str]:
    return {message.id for message in run_checks(**kwargs) if message.id.startswith("livechat.")}


@override_settings(DEBUG=True)
def test_default_settings_pass():
    assert ids() == set()


@override_settings(LIVECHAT_ARTICLE_MODEL="nowiki.Document")
def test_article_model_not_installed():
    messages = [m for m in run_checks() if m.id == "livechat.E001"]
    assert len(messages) == 1
    assert "nowiki.Document" in messages[0].msg
    assert "app_label.ModelName" in messages[0].hint


@override_settings(LIVECHAT_ARTICLE_MODEL="not-a-label")
def test_article_model_malformed():
    assert "livechat.E001" in ids()


@override_settings(LIVECHAT_PRODUCT_MODEL="shop.Thing")
def test_product_model_not_installed():
    assert "livechat.E006" in ids()


@override_settings(LIVECHAT_PRODUCT_MODEL=None)
def test_product_model_is_optional():
    assert "livechat.E006" not in ids()


def test_channels_not_installed(settings):
    with override_settings(
        INSTALLED_APPS=[app for app in settings.INSTALLED_APPS if app != "channels"]
    ):
        assert "livechat.E002" in ids()


@override_settings(CHANNEL_LAYERS={})
def test_no_channel_layer():
    assert "livechat.E003" in ids()


@pytest.mark.parametrize("debug, expected", [(False, True), (True, False)])
def test_in_memory_layer_outside_debug(debug, expected):
    layers = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    with override_settings(DEBUG=debug, CHANNEL_LAYERS=layers):
        assert ("livechat.W001" in ids()) is expected


@pytest.mark.parametrize(
    ("debug", "backend", "expected"),
    [
        (False, "django.core.cache.backends.locmem.LocMemCache", True),
        (True, "django.core.cache.backends.locmem.LocMemCache", False),
        (False, "django.core.cache.backends.redis.RedisCache", False),
    ],
)
def test_per_process_cache_outside_debug(debug, backend, expected):
    caches = {"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(DEBUG=debug, CACHES=caches):
        assert ("livechat.W006" in ids()) is expected


@override_settings(LIVECHAT_KARMA_BACKENDS=["kitsune_livechat.nowhere.Backend"])
def test_karma_backend_not_importable():
    messages = [m for m in run_checks() if m.id == "livechat.E004"]
    assert len(messages) == 1 and "kitsune_livechat.nowhere.Backend" in messages[0].msg


@override_settings(LIVECHAT_HOST_ADAPTER="kitsune_livechat.host.NoSuchAdapter")
def test_host_adapter_not_importable():
    assert "livechat.E005" in ids()


def test_a_fresh_install_warns_that_chat_stays_closed_until_a_default_queue_exists(
    fresh_install, api_client
):
    messages = [m for m in run_checks() if m.id == "livechat.W002"]
    assert len(messages) == 1
    assert "no_queue" in messages[0].msg
    assert "livechat_default_queue" in messages[0].hint
    online_helper()
    article = DocumentFactory()
    closed = api_client().get("availability", article=article.pk).json()
    assert (closed["state"], closed["reason"]) == ("closed", "no_queue")

    call_command("livechat_default_queue", stdout=StringIO())
    call_command("livechat_default_queue", stdout=StringIO())

    assert "livechat.W002" not in ids()
    queue = Queue.objects.get()
    assert (queue.slug, queue.is_default, queue.is_active) == ("general", True, True)
    opened = api_client(UserFactory()).get("availability", article=article.pk).json()
    assert (opened["state"], opened["queue"]) == ("open", "general")


def test_an_inactive_default_queue_still_warns(fresh_install):
    DefaultQueueFactory(is_active=False)
    assert "livechat.W002" in ids()
    call_command("livechat_default_queue", stdout=StringIO())
    assert "livechat.W002" not in ids()
    assert Queue.objects.get().is_active
