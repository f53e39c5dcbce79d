"""Apply live chat timeouts: missed chats, silent helpers, long waits, pending routing.

Run it every minute from cron (or call ``kitsune_livechat.services.line.sweep.sweep`` from a Celery
beat task). Running it from two places at once is safe: each chat is missed, and each helper
set offline, exactly once. ``--every N`` keeps it running, sweeping every N seconds.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from kitsune_livechat.services.contributors import karma
from kitsune_livechat.services.line.sweep import sweep


class Command(BaseCommand):
    help = "Mark unanswered chats missed, set silent helpers offline and assign waiting chats."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            metavar="SECONDS",
            help="Keep sweeping, every SECONDS seconds, until interrupted.",
        )
        parser.add_argument(
            "--no-karma",
            action="store_true",
            help="Skip the periodic karma work (see livechat_karma).",
        )

    def handle(self, *args, every: float = 0, no_karma: bool = False, **options):
        if every < 0:
            raise CommandError("--every must be a positive number of seconds.")
        while True:
            self.sweep_once(karma_too=not no_karma)
            if not every:
                return
            time.sleep(every)

    def sweep_once(self, *, karma_too: bool) -> None:
        result = sweep()
        line = (
            f"Missed {result['missed']} chat(s); set {result['helpers_offline']} helper(s) "
            f"offline; put {result['requeued']} chat(s) back in line; assigned "
            f"{result['assigned']} chat(s); alerted {result['long_waits']} long wait(s)."
        )
        if karma_too:
            credited = karma.refresh()
            line += f" Credited {credited['feedback_credited']} feedback revision(s)."
        self.stdout.write(line)
