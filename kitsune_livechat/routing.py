"""WebSocket URLs for the host's ASGI application, served behind Channels' origin check and
session auth: ``AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))``
(see example_site/config/asgi.py).
"""

from django.urls import path, re_path

from .consumers.base import NoSuchSocket
from .consumers.chat import SessionConsumer
from .consumers.console import AgentConsumer
from .consumers.floor import FloorConsumer

websocket_urlpatterns = [
    # Any id is routed; the access gate answers 4404 for one that names no chat of the caller's.
    re_path(r"^ws/livechat/session/(?P<session_id>[^/]+)/$", SessionConsumer.as_asgi()),
    path("ws/livechat/agent/", AgentConsumer.as_asgi()),
    path("ws/livechat/floor/", FloorConsumer.as_asgi()),
    re_path(r"^ws/livechat/", NoSuchSocket.as_asgi()),
]
