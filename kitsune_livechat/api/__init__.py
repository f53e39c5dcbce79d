"""The app's own django-ninja API; the host only includes ``kitsune_livechat.urls``."""

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from ..links import api_root
from .errors import install_error_handlers


class LivechatAPI(NinjaAPI):
    """Finds its own root wherever the site mounts it: inside ``kitsune_livechat.urls`` or, on a
    site with locale-prefixed pages, through ``kitsune_livechat.api_urls``."""

    def get_root_path(self, path_params: dict[str, Any]) -> str:
        return api_root()


class LivechatDocs(Swagger):
    def get_openapi_url(self, api: NinjaAPI, path_params: dict[str, Any]) -> str:
        return api_root() + "openapi.json"


api = LivechatAPI(
    title="Live chat",
    version="1",
    description="Queues, sessions, messages and insight for live chat (see the README).",
    # Nested inside the app's "livechat" URL namespace, so ninja reverses its own URLs through it.
    urls_namespace="livechat:livechat_api",
    docs=LivechatDocs(),
)
install_error_handlers(api)
api.add_router("", "kitsune_livechat.api.messages.router")
api.add_router("", "kitsune_livechat.api.contributors.router")
api.add_router("", "kitsune_livechat.api.feedback.router")
api.add_router("", "kitsune_livechat.api.insights.router")
api.add_router("", "kitsune_livechat.api.console.router")
api.add_router("", "kitsune_livechat.api.sessions.router")
api.add_router("", "kitsune_livechat.api.agent.router")
