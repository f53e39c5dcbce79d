"""``manage.py livechat_default_queue``: makes the default queue a new site needs."""

from django.core.management.base import BaseCommand

from kitsune_livechat.services.line.setup import ensure_default_queue


class Command(BaseCommand):
    help = "Make the default live chat queue (always open, auto-assigning) if there is none."

    def add_arguments(self, parser):
        parser.add_argument("--name", default="General")
        parser.add_argument("--slug", default="general")

    def handle(self, *args, name: str, slug: str, **options):
        queue, created = ensure_default_queue(name=name, slug=slug)
        state = "Created" if created else "Kept"
        self.stdout.write(f"{state} the default queue “{queue.name}” ({queue.slug}).")
