"""Each system check fires with its stable id for a bad setting, and stays quiet otherwise."""

import pytest
from django.core.checks import run_checks
from django.test import override_settings


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
