"""Periodic karma work: credit feedback that led to an article revision, refresh auto titles.

Run it from cron or Celery beat (``livechat_sweep`` runs it too), e.g. hourly.
"""

from django.core.management.base import BaseCommand

from kitsune_livechat.services.contributors import karma


class Command(BaseCommand):
    help = "Credit article feedback that led to a revision and refresh live chat auto titles."

    def handle(self, *args, **options):
        result = karma.refresh()
        self.stdout.write(
            f"Credited {result['feedback_credited']} feedback that led to a revision; "
            f"refreshed {result['backends_refreshed']} karma backend(s)."
        )
