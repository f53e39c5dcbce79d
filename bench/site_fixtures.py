"""Data for the HTTP benches, made through the ORM in a subprocess against the bench database;
prints JSON on stdout.

    DATABASE_URL=postgres://.../livechat_bench_x python bench/site_fixtures.py availability
    DATABASE_URL=postgres://.../livechat_bench_x python bench/site_fixtures.py claims 20 2000

``availability``: one published article in the default queue and one helper online, so the
button's answer is "open" with a wait estimate (the full read). ``claims H N``: H helpers online
with seats for all N waiting chats of N visitors, and a login session per helper. Helpers are
marked seen far ahead so the heartbeat timeout cannot close the line during a run.
"""

import json
import sys
import uuid
from datetime import timedelta

from chat_fixtures import login_cookie  # sets up Django against DATABASE_URL
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from wiki.models import Document, Revision  # noqa: E402

from kitsune_livechat.models import AgentStatus, ChatSession, Queue  # noqa: E402

User = get_user_model()


def default_queue() -> Queue:
    queue, _created = Queue.objects.get_or_create(
        slug="general", defaults={"name": "General", "is_default": True}
    )
    return queue


def helpers_online(count: int, capacity: int) -> list:
    helpers = User.objects.bulk_create(
        [User(username=f"bench-helper-{n}", password="!") for n in range(count)]
    )
    answer = Permission.objects.get(codename="answer_chats", content_type__app_label="livechat")
    User.user_permissions.through.objects.bulk_create(
        [User.user_permissions.through(user_id=h.pk, permission_id=answer.pk) for h in helpers]
    )
    seen = timezone.now() + timedelta(days=1)
    AgentStatus.objects.bulk_create(
        [
            AgentStatus(user=h, status=AgentStatus.Status.ONLINE, capacity=capacity, last_seen=seen)
            for h in helpers
        ]
    )
    return helpers


def availability() -> dict:
    default_queue()
    (writer,) = helpers_online(1, 3)
    document = Document.objects.create(title="Firefox is slow", slug="firefox-slow", locale="en-US")
    revision = Revision.objects.create(
        document=document,
        content="Restart Firefox in troubleshoot mode.",
        creator=writer,
        is_approved=True,
        reviewed=timezone.now(),
    )
    document.current_revision = revision
    document.save(update_fields=["current_revision"])
    return {
        "article": document.pk,
        "page": f"/en-US/kb/{document.slug}",
        "cookie": login_cookie(writer),
    }


def claims(helper_count: int, chat_count: int) -> dict:
    queue = default_queue()
    Queue.objects.filter(pk=queue.pk).update(auto_assign=False)  # claims are the only way in
    helpers = helpers_online(helper_count, min(-(-chat_count // helper_count), 32767))
    visitors = User.objects.bulk_create(
        [User(username=f"bench-visitor-{n}", password="!") for n in range(chat_count)]
    )
    start = timezone.now() - timedelta(minutes=30)
    ChatSession.objects.bulk_create(
        [
            ChatSession(
                status=ChatSession.Status.WAITING,
                queue=queue,
                visitor=visitor,
                locale="en-US",
                problem="Firefox freezes when I open a new tab.",
                created=start + timedelta(milliseconds=n),
            )
            for n, visitor in enumerate(visitors)
        ]
    )
    return {
        "helpers": [
            {"id": h.pk, "cookie": login_cookie(h), "csrf": uuid.uuid4().hex} for h in helpers
        ],
        "table": ChatSession._meta.db_table,
        "waiting": ChatSession.Status.WAITING.value,
        "active": ChatSession.Status.ACTIVE.value,
        "vendor": connection.vendor,
    }


if __name__ == "__main__":
    if sys.argv[1] == "availability":
        json.dump(availability(), sys.stdout)
    else:
        json.dump(claims(int(sys.argv[2]), int(sys.argv[3])), sys.stdout)
