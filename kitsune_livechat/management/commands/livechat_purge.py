"""``manage.py livechat_purge``: removes what the retention period no longer keeps."""

from django.core.management.base import BaseCommand

from kitsune_livechat.conf import livechat_settings
from kitsune_livechat.services.conversation.retention import purge_expired


class Command(BaseCommand):
    help = "Remove messages and personal details of chats older than LIVECHAT_RETENTION_DAYS."

    def handle(self, *args, **options):
        count = purge_expired()
        days = livechat_settings.RETENTION_DAYS
        self.stdout.write(f"Redacted {count} chat(s) older than {days} days.")
