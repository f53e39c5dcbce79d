"""Karma backends: where each new award goes besides the ledger.

The ledger (``KarmaAward`` rows written by ``services.contributors.karma.award``) is always kept:
totals, leaderboards and the anti-gaming rules read it. A backend is a class with
``award(self, karma: KarmaAward) -> None``, listed by dotted path in
``LIVECHAT_KARMA_BACKENDS``; it runs in its own savepoint and a failure is only logged.
The two shipped here feed what Kitsune already shows on profiles: titles and badges. They reach
the host's ``karma`` and ``kbadge`` apps through ``apps.get_model``, never by import.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .conf import livechat_settings
from .models import KarmaAward
from .services.contributors import karma as karma_service


class KitsuneTitlesBackend:
    """Keeps the automatic title (``LIVECHAT_TOP_HELPERS_TITLE``, e.g. "Top 10 Chat Helper")
    on exactly the top ``LIVECHAT_TOP_HELPERS_COUNT`` helpers of the last 90 days.

    Every award may reorder the top, so it is recomputed on each one; the 90-day window also
    slides with time alone, so ``livechat_karma`` (and ``livechat_sweep``) call ``refresh()``.
    """

    required_app_labels = ("karma",)

    def award(self, karma: KarmaAward) -> None:
        self.refresh()

    def refresh(self) -> list[int]:
        """Give the title to the current top helpers (and take it from everyone else)."""
        title_model = apps.get_model("karma", "Title")
        count = livechat_settings.TOP_HELPERS_COUNT
        top = [
            row["user_id"]
            for row in karma_service.leaderboard(period="90d", limit=count)
            if row["points"] > 0
        ]
        name = livechat_settings.TOP_HELPERS_TITLE
        current = title_model.objects.filter(name=name).values_list("users__id", flat=True)
        if set(current) - {None} != set(top) or not title_model.objects.filter(name=name).exists():
            title_model.objects.set_auto_title(name, get_user_model().objects.filter(pk__in=top))
        return top


class BadgesBackend:
    """Awards the yearly Live Chat badge once a helper's points in a calendar year reach
    ``LIVECHAT_BADGE_THRESHOLD``; once per person and year (a unique ``kbadge`` badge per year).
    """

    required_app_labels = ("kbadge",)

    def award(self, karma: KarmaAward) -> None:
        if karma.points <= 0:
            return
        year = karma.created.year
        user = karma.user
        if karma_service.points_in_year(user, year) < livechat_settings.BADGE_THRESHOLD:
            return
        badge = self.badge_for(year)
        if not badge.is_awarded_to(user):
            badge.award_to(
                awardee=user,
                description=_("Earned %(points)s live chat points in %(year)s.")
                % {"points": livechat_settings.BADGE_THRESHOLD, "year": year},
            )

    def badge_for(self, year: int):
        """The badge for ``year``, made from ``LIVECHAT_BADGE_TITLE_TEMPLATE`` like Kitsune's
        yearly badges ("2026 Live Chat Badge")."""
        badge_model = apps.get_model("kbadge", "Badge")
        title = livechat_settings.BADGE_TITLE_TEMPLATE.format(year=year)
        badge, _created = badge_model.objects.get_or_create(
            slug=slugify(title),
            defaults={
                "title": title,
                "description": _(
                    "This badge is awarded to contributors who helped people in live chat "
                    "in %(year)s."
                )
                % {"year": year},
            },
        )
        return badge
