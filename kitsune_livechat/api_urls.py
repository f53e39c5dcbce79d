"""The HTTP API alone, for a site whose pages carry a locale prefix:
``path("livechat/", include("kitsune_livechat.api_urls"))`` outside Kitsune's ``i18n_patterns``
and ``kitsune_livechat.urls`` inside it. The screens then call the API here, unprefixed.
"""

from .urls import api_patterns

app_name = "livechat-api"

urlpatterns = api_patterns
