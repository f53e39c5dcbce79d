"""Chats for ``chat_load.py``: N active chats, each with its own visitor and helper, and a login
session per user. Run in a subprocess against the bench database; prints JSON on stdout.

    DATABASE_URL=postgres://.../livechat_bench_x python bench/chat_fixtures.py 100
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,  # noqa: E402
)
from django.contrib.auth.models import Permission  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.utils import timezone  # noqa: E402

from kitsune_livechat.models import ChatSession, Queue  # noqa: E402

BACKEND = "django.contrib.auth.backends.ModelBackend"


def login_cookie(user) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def main(rooms: int) -> None:
    User = get_user_model()
    queue, _created = Queue.objects.get_or_create(
        slug="general", defaults={"name": "General", "is_default": True}
    )
    visitors = User.objects.bulk_create(
        [User(username=f"bench-visitor-{n}", password="!") for n in range(rooms)]
    )
    helpers = User.objects.bulk_create(
        [User(username=f"bench-helper-{n}", password="!") for n in range(rooms)]
    )
    answer = Permission.objects.get(codename="answer_chats", content_type__app_label="livechat")
    User.user_permissions.through.objects.bulk_create(
        [User.user_permissions.through(user_id=h.pk, permission_id=answer.pk) for h in helpers]
    )
    now = timezone.now()
    chats = ChatSession.objects.bulk_create(
        [
            ChatSession(
                status=ChatSession.Status.ACTIVE,
                queue=queue,
                visitor=visitor,
                helper=helper,
                locale="en-US",
                problem="Firefox freezes when I open a new tab.",
                assigned_at=now,
            )
            for visitor, helper in zip(visitors, helpers, strict=True)
        ]
    )
    rows = [
        {"session": str(chat.pk), "visitor": login_cookie(v), "helper": login_cookie(h)}
        for chat, v, h in zip(chats, visitors, helpers, strict=True)
    ]
    json.dump(rows, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]))
