"""WSGI entry point, for serving the pages without WebSockets (as Kitsune itself runs)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
# The URL patterns (and the API's schemas with them) load now rather than on each worker's first
# request: a server that preloads the application (gunicorn --preload) forks workers that have them.
get_resolver().url_patterns  # noqa: B018
