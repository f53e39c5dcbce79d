"""The app's own django-ninja API; the host only includes ``kitsune_livechat.urls``."""

from .errors import install_error_handlers
from .openapi import LivechatAPI, LivechatDocs
from .parser import CheckedParser

api = LivechatAPI(
    title="Live chat",
    version="1",
    description="Queues, sessions, messages and insight for live chat (see the README).",
    # Nested inside the app's "livechat" URL namespace, so ninja reverses its own URLs through it.
    urls_namespace="livechat:livechat_api",
    docs=LivechatDocs(),
    parser=CheckedParser(),
)
install_error_handlers(api)
api.add_router("", "kitsune_livechat.api.messages.router")
api.add_router("", "kitsune_livechat.api.contributors.router")
api.add_router("", "kitsune_livechat.api.feedback.router")
api.add_router("", "kitsune_livechat.api.insights.router")
api.add_router("", "kitsune_livechat.api.console.router")
api.add_router("", "kitsune_livechat.api.sessions.router")
api.add_router("", "kitsune_livechat.api.agent.router")
api.add_router("", "kitsune_livechat.api.transcripts.router")
api.add_router("", "kitsune_livechat.api.attachments.router")
api.add_router("", "kitsune_livechat.api.history.router")
api.add_router("", "kitsune_livechat.api.tags.router")
api.add_router("", "kitsune_livechat.api.moderation.router")
