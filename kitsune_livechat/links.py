"""Where the screens find the API: outside the locale prefix when the site mounts it there."""

from django.urls import NoReverseMatch, reverse


def api_root() -> str:
    """The API's root URL: ``kitsune_livechat.api_urls`` when the site includes it (pages under
    a locale prefix, API outside), else the API inside ``kitsune_livechat.urls``."""
    try:
        return reverse("livechat-api:livechat_api:api-root")
    except NoReverseMatch:
        return reverse("livechat:livechat_api:api-root")
