"""The app's URLs: ``path("livechat/", include("kitsune_livechat.urls"))`` mounts them all.

A site with a locale prefix on its pages (Kitsune's ``i18n_patterns``) includes
``kitsune_livechat.page_urls`` inside the prefix, so the pages are localized like the rest of
the site, and ``kitsune_livechat.api_urls`` outside it, so the API stays at ``/livechat/api/``
whatever the language (see the README).
"""

from django.urls import path

from . import page_urls
from .api import api

app_name = "livechat"

# Built once: django-ninja refuses to hand out an API's URLs twice.
api_patterns = [path("api/", api.urls)]

urlpatterns = [*api_patterns, *page_urls.urlpatterns]
