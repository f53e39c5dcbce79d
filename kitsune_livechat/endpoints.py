"""Where the screens find the API: outside the locale prefix when the site mounts it there."""

from django.urls import NoReverseMatch, reverse


def api_url(name: str, **kwargs) -> str:
    """An API route's URL: through ``kitsune_livechat.api_urls`` when the site includes it
    (pages under a locale prefix, API outside), else inside ``kitsune_livechat.urls``."""
    try:
        return reverse(f"livechat-api:livechat_api:{name}", kwargs=kwargs or None)
    except NoReverseMatch:
        return reverse(f"livechat:livechat_api:{name}", kwargs=kwargs or None)


def api_root() -> str:
    """The API's root URL, wherever the site mounts it."""
    return api_url("api-root")
