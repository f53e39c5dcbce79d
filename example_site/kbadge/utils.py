"""Yearly badges, as Kitsune builds them (e.g. "2026 KB Badge")."""

from .models import Badge


def get_or_create_badge(badge_template: dict[str, str], year: int | None = None) -> Badge:
    """Get the badge for `year` from a template such as
    {"slug": "{year}-live-chat-badge", "title": "{year} Live Chat Badge", "description": ...}.
    """
    values = {key: value.format(year=year) for key, value in badge_template.items()}
    slug = values.pop("slug")
    badge, _created = Badge.objects.get_or_create(slug=slug, defaults=values)
    return badge
