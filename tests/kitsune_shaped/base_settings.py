"""Kitsune's settings shape without the live chat app: a tuple INSTALLED_APPS, lower-case
LANGUAGES keys, django-csp, its User manager; no Channels, no LIVECHAT_* settings."""

import os

import dj_database_url
from config.settings import *  # noqa: F401,F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = tuple(app for app in INSTALLED_APPS if app not in ("channels", "kitsune_livechat"))
for _name in [name for name in dict(globals()) if name.startswith("LIVECHAT_")]:
    del globals()[_name]
del globals()["CHANNEL_LAYERS"], globals()["ASGI_APPLICATION"]

DEBUG = False
SECRET_KEY = "kitsune-shaped"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {"default": dj_database_url.parse(os.environ["KITSUNE_SHAPED_DATABASE_URL"])}
ROOT_URLCONF = "kitsune_site.urls"
