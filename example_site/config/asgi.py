"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Kitsune itself is WSGI-only; a deployment runs this beside it for the chat sockets.
"""

import gc
import os

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Set up Django (and the app registry) before anything imports models.
django_asgi_app = get_asgi_application()
if settings.DEBUG:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    # uvicorn does not serve static files; in development Django does.
    django_asgi_app = ASGIStaticFilesHandler(django_asgi_app)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from kitsune_livechat.api.replay import AvailabilityReplay  # noqa: E402
from kitsune_livechat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # A repeated anonymous availability question is answered with the response the whole
        # stack gave it, while the line it was read from is unchanged (kitsune_livechat.api.replay).
        "http": AvailabilityReplay(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# The URL patterns (and the API's schemas with them) load now, not on the first request.
get_resolver().url_patterns  # noqa: B018

if os.environ.get("ASGI_GC_TUNING", "1") == "1":
    # A chat process holds every open socket's objects for as long as it is open, and each
    # full pass of the cycle collector walks them all: with a few thousand sockets that is
    # hundreds of milliseconds in which no frame moves. Reference counting frees nearly all
    # of a chat's garbage anyway, so the collector runs far less often, and what was loaded at
    # start (modules, settings, URL patterns) is set aside from its walks.
    gc.freeze()
    gc.set_threshold(20_000, 50, 50)
