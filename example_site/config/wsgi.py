"""WSGI entry point, for serving the pages without WebSockets (as Kitsune itself runs)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Set up Django (and the app registry) before anything imports models.
django_wsgi_app = get_wsgi_application()

from kitsune_livechat.api.replay import WSGIAvailabilityReplay  # noqa: E402

# A repeated anonymous availability question is answered with the response the whole stack
# gave it, while the line it was read from is unchanged (kitsune_livechat.api.replay).
application = WSGIAvailabilityReplay(django_wsgi_app)

# The URL patterns (and the API's schemas with them) load now rather than on each worker's first
# request: a server that preloads the application (gunicorn --preload) forks workers that have them.
get_resolver().url_patterns  # noqa: B018
