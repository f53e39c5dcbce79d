"""Settings for the example host site: a small Kitsune look-alike that runs the live chat app.

Runs self-contained (SQLite, in-memory channel layer) unless DATABASE_URL / REDIS_URL are set,
in which case it uses PostgreSQL and Redis like a production Kitsune deployment would.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django_jinja.builtins import DEFAULT_EXTENSIONS

BASE_DIR = Path(__file__).resolve().parent.parent

# A fixed key is fine for a local demo; a real deployment sets DJANGO_SECRET_KEY.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-site-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

# A tuple, as in Kitsune: add apps with `INSTALLED_APPS += (...)`.
INSTALLED_APPS = (
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_jinja",
    "channels",
    # Stand-ins for Kitsune's apps, with Kitsune's app labels.
    "products",
    "wiki",
    "questions",
    "users",
    "karma",
    "kbadge",
    "kitsune_livechat",
    "demo",
)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above everything that renders templates using request.csp_nonce, as in Kitsune.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Kitsune puts the locale first in the path (/de/kb/...); this honours it.
    "demo.middleware.PathLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    # Kitsune renders its pages with Jinja2 from <app>/jinja2/<app>/*.html.
    {
        "BACKEND": "django_jinja.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {
            "app_dirname": "jinja2",
            "match_extension": ".html",
            "extensions": DEFAULT_EXTENSIONS,  # includes jinja2.ext.i18n
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "demo.context_processors.site",
            ],
            "globals": {
                "livechat_button": "kitsune_livechat.jinja2.livechat_button",
                "livechat_karma": "kitsune_livechat.jinja2.livechat_karma",
            },
        },
    },
    # The admin and the live chat app's own pages use Django templates.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
    )
}
# Under ASGI every request runs in a thread of its own, so persistent connections
# (DJANGO_CONN_MAX_AGE) pile up, one per thread; DJANGO_DB_POOL=N instead lends each request one
# of at most N connections per process from psycopg's pool (PostgreSQL, psycopg[pool]).
if os.environ.get("DJANGO_DB_POOL") and "postgresql" in DATABASES["default"]["ENGINE"]:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ["DJANGO_DB_POOL"]),
    }
# Prepared statements stay off, as Django leaves them, unless DJANGO_DB_PREPARE_THRESHOLD=N (a
# statement is prepared on its Nth run; 0 at once). Turn them on where no transaction pooler
# older than PgBouncer 1.21 sits between the site and PostgreSQL: the chat socket's hot
# statements then run prepared (kitsune_livechat.services.shared.loop_db).
if os.environ.get("DJANGO_DB_PREPARE_THRESHOLD") and "postgresql" in DATABASES["default"]["ENGINE"]:
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = int(
        os.environ["DJANGO_DB_PREPARE_THRESHOLD"]
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL")
# RedisPubSubChannelLayer is the default: in bench/ (ws_load.py, chat_load.py) it kept latency
# near the no-layer baseline where RedisChannelLayer fell behind at a few hundred sockets per
# process. LIVECHAT_CHANNEL_LAYER=core picks RedisChannelLayer instead.
CHANNEL_LAYER = os.environ.get("LIVECHAT_CHANNEL_LAYER", "pubsub")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": (
                "channels_redis.core.RedisChannelLayer"
                if CHANNEL_LAYER == "core"
                else "channels_redis.pubsub.RedisPubSubChannelLayer"
            ),
            # redis-py's asyncio pool caps at 100 connections by default; a burst of
            # WebSocket connects needs more (see docs/deployment.md).
            # Processes that share a prefix (LIVECHAT_CHANNEL_PREFIX) hear each other.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": 1000}],
                "prefix": os.environ.get("LIVECHAT_CHANNEL_PREFIX", "asgi"),
                # RedisChannelLayer keeps all of one process's sockets in one Redis list of
                # this length and drops what does not fit (its default, 100, loses messages
                # under a burst: bench/ws_load.py --capacity shows it).
                **({"capacity": 2000} if CHANNEL_LAYER == "core" else {}),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The availability answer, rate limits and socket caps live in the cache: with a Redis URL
# (CACHE_URL, else REDIS_URL) every process shares them; else one in-memory cache per process.
CACHE_URL = os.environ.get("CACHE_URL") or REDIS_URL
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("LIVECHAT_CACHE_PREFIX", "livechat-site"),
            "OPTIONS": {"pool_class": "config.cache.SharedConnectionPool"},
        }
    }
LIVECHAT_AVAILABILITY_CACHE_SECONDS = float(
    os.environ.get("LIVECHAT_AVAILABILITY_CACHE_SECONDS", "5")
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/users/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Kitsune spells locales like en-US in its rows and URLs and puts them first in the path, while
# the keys of its LANGUAGES are lower case (LANGUAGES_DICT); LANGUAGE_URL_MAP maps them back.
LANGUAGE_CODE = "en-US"
SUMO_LANGUAGES = ("en-US", "de", "pt-BR")
LANGUAGE_NAMES = {"en-US": "English", "de": "Deutsch", "pt-BR": "Português (do Brasil)"}
LANGUAGES_DICT = {code.lower(): LANGUAGE_NAMES[code] for code in SUMO_LANGUAGES}
LANGUAGES = list(LANGUAGES_DICT.items())
LANGUAGE_URL_MAP = {code.lower(): code for code in SUMO_LANGUAGES}
# The example pages' own German strings (the app brings its catalogue itself).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_root"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

# The live chat app reaches the host's models through these (docs/architecture.md).
LIVECHAT_ARTICLE_MODEL = "wiki.Document"
LIVECHAT_PRODUCT_MODEL = "products.Product"
LIVECHAT_HOST_ADAPTER = "kitsune_livechat.host.KitsuneHostAdapter"

# Kitsune's Content-Security-Policy shape (django-csp 4): scripts only from an allow-listed CDN
# or with the page's nonce (no 'self': a site-origin script needs the nonce), styles from the
# site or with the nonce (no 'unsafe-inline': style="" attributes are ignored), connections to
# the site only ('self' covers its own ws:/wss: sockets). The admin keeps Django's own pages.
STATIC_CDN = "https://static.example-cdn.invalid"
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [STATIC_CDN, NONCE],
        "style-src": [SELF, STATIC_CDN, NONCE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, STATIC_CDN],
        "media-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"kitsune_livechat": {"handlers": ["console"], "level": "INFO"}},
}

# Follow-up emails print to the console in the demo; a real site configures its mail server.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = "Mozilla Support <support@example.org>"
LIVECHAT_FOLLOWUP_EMAIL = "support-team@example.org"
