"""Test settings: the example site, on embedded defaults or on PostgreSQL + Redis.

Set LIVECHAT_TEST_DATABASE_URL and LIVECHAT_TEST_REDIS_URL to run the suite on the production
parts; CI does both legs.
"""

import os

import dj_database_url
from config.settings import *  # noqa: F401,F403
from config.settings import INSTALLED_APPS

DEBUG = False
SECRET_KEY = "tests-only"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
INSTALLED_APPS = [*INSTALLED_APPS, "tests.altkb"]

# Each run gets its own test database name, so runs side by side do not collide.
RUN_ID = os.environ.get("LIVECHAT_TEST_RUN_ID", str(os.getpid()))

DATABASE_URL = os.environ.get("LIVECHAT_TEST_DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    DATABASES["default"]["TEST"] = {"NAME": f"test_livechat_{RUN_ID}"}
    # As docs/deployment.md recommends where no old transaction pooler is in between: the chat
    # socket's statements on the event loop run prepared.
    DATABASES["default"]["OPTIONS"] = {"prepare_threshold": 0}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

REDIS_URL = os.environ.get("LIVECHAT_TEST_REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": 1000}],
                "prefix": f"livechat-test-{RUN_ID}",
            },
        }
    }
    # Shared Redis: clear() removes this run's keys only (Django's would FLUSHDB).
    CACHES = {
        "default": {
            "BACKEND": "tests.caches.RunRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"livechat-test-{RUN_ID}",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests change queues and helpers through the ORM between requests, which the availability cache
# only notices after its time; its own tests (test_availability_cache.py) turn it on.
LIVECHAT_AVAILABILITY_CACHE_SECONDS = 0
