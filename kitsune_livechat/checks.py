"""System checks for a host's settings, with stable ids and hints."""

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError
from django.utils.module_loading import import_string

from .conf import livechat_settings
from .models import Queue

IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"


def _model_error(setting: str, value, check_id: str) -> Error | None:
    try:
        apps.get_model(value, require_ready=False)
    except (ValueError, LookupError, TypeError):
        return Error(
            f"LIVECHAT_{setting} = {value!r} names no installed model.",
            hint="Use 'app_label.ModelName' of an app in INSTALLED_APPS, e.g. 'wiki.Document'.",
            id=check_id,
        )
    return None


@register(Tags.models)
def check_host_models(app_configs=None, **kwargs):
    errors = [_model_error("ARTICLE_MODEL", settings.LIVECHAT_ARTICLE_MODEL, "livechat.E001")]
    product_model = livechat_settings.PRODUCT_MODEL
    if product_model:
        errors.append(_model_error("PRODUCT_MODEL", product_model, "livechat.E006"))
    return [error for error in errors if error]


@register()
def check_channels(app_configs=None, **kwargs):
    if not apps.is_installed("channels"):
        return [
            Error(
                "Live chat needs Django Channels, but 'channels' is not in INSTALLED_APPS.",
                hint="Add 'channels' to INSTALLED_APPS and serve the ASGI application.",
                id="livechat.E002",
            )
        ]
    layers = getattr(settings, "CHANNEL_LAYERS", None) or {}
    if "default" not in layers:
        return [
            Error(
                "CHANNEL_LAYERS has no 'default' layer; chats cannot reach other connections.",
                hint="Configure channels_redis.core.RedisChannelLayer (see the README).",
                id="livechat.E003",
            )
        ]
    if layers["default"].get("BACKEND") == IN_MEMORY_LAYER and not settings.DEBUG:
        return [
            Warning(
                "The in-memory channel layer is used with DEBUG=False: it works inside one "
                "process only and collapses under load.",
                hint="Use channels_redis in production; keep the in-memory layer for development.",
                id="livechat.W001",
            )
        ]
    return []


PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register()
def check_limits_cache(app_configs=None, **kwargs):
    """Rate limits and socket caps count in the default cache; per process, each ASGI and WSGI
    process grants a whole budget of its own."""
    backend = (getattr(settings, "CACHES", None) or {}).get("default", {}).get("BACKEND", "")
    if backend in PER_PROCESS_CACHES and not settings.DEBUG:
        return [
            Warning(
                "The default cache is kept per process with DEBUG=False: live chat's rate limits "
                "and socket caps are then counted by each process separately.",
                hint="Configure a shared cache (Redis, Memcached or the database) as 'default'.",
                id="livechat.W006",
            )
        ]
    return []


def _import_error(path: str, what: str, check_id: str) -> Error | None:
    try:
        import_string(path)
    except ImportError as exc:
        return Error(
            f"The {what} {path!r} cannot be imported: {exc}",
            hint="Give a dotted path to a class that can be imported.",
            id=check_id,
        )
    return None


@register()
def check_extension_points(app_configs=None, **kwargs):
    errors = [
        _import_error(path, "karma backend", "livechat.E004")
        for path in livechat_settings.KARMA_BACKENDS
    ]
    errors.extend(_karma_backend_apps())
    errors.append(_import_error(livechat_settings.HOST_ADAPTER, "host adapter", "livechat.E005"))
    return [error for error in errors if error]


def _karma_backend_apps() -> list[Error]:
    """A backend that feeds a host app (Kitsune's ``karma`` titles, ``kbadge`` badges) names
    its app labels in ``required_app_labels``; without them every award would log a failure."""
    errors = []
    for path in livechat_settings.KARMA_BACKENDS:
        try:
            backend = import_string(path)
        except ImportError:
            continue  # reported as livechat.E004
        for label in getattr(backend, "required_app_labels", ()):
            try:
                apps.get_app_config(label)
            except LookupError:
                errors.append(
                    Error(
                        f"The karma backend {path!r} needs the host app {label!r}, which is not "
                        "installed.",
                        hint="Remove the backend from LIVECHAT_KARMA_BACKENDS or install the app.",
                        id="livechat.E007",
                    )
                )
    return errors


@register(Tags.database)
def check_queues(app_configs=None, databases=None, **kwargs):
    """A fresh install has no queue, and chat shows "closed" (reason ``no_queue``) until one
    exists: say so where the installer looks, with the way out."""
    database = "default"
    if databases is not None and database not in databases:
        return []
    try:
        has_default = Queue.objects.using(database).filter(is_active=True, is_default=True)
        if has_default.exists():
            return []
    except DatabaseError:
        return []  # not migrated yet: migrate runs the checks before creating the tables
    return [
        Warning(
            "No active default live chat queue: chat shows as closed (reason 'no_queue') for "
            "every article that no product, locale or focus queue serves.",
            hint="Run 'manage.py livechat_default_queue', or add a queue with 'is default' "
            "ticked in the admin (Live chat › Queues).",
            id="livechat.W002",
        )
    ]
