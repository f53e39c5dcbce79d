"""Claims racing on PostgreSQL with real connections: never twice, never over capacity.

Twenty helpers, each with two consoles open (two threads, each with its own database
connection), take chats from a line of two hundred at once: half of them with "take next",
half with "take this one" on chats picked from a shuffled list (so they collide on purpose).
"""

import random
import threading
from collections import Counter

import pytest
from django.db import connection

from kitsune_livechat.exceptions import Conflict, NotFound
from kitsune_livechat.models import ChatSession, Message
from kitsune_livechat.services.line import assignment
from tests.factories import (
    AgentStatusFactory,
    ChatSessionFactory,
    DefaultQueueFactory,
    DocumentFactory,
    UserFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HELPERS = 20
CONSOLES = 2
CHATS = 200
CAPACITY = 9  # 20 x 9 = 180 seats for 200 chats: every helper fills up, 20 chats stay waiting


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("Real concurrent claims need PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED).")


def claim_until_full(helper, mode, chat_ids, start, claims, outcomes, failures):
    """One console of one helper, taking chats as fast as it can until it is told to stop."""
    try:
        start.wait()
        picks = iter(chat_ids)
        while True:
            try:
                if mode == "next":
                    session = assignment.claim_chat(user=helper)
                else:
                    chat_id = next(picks, None)
                    if chat_id is None:
                        outcomes.append("out_of_picks")
                        return
                    session = assignment.claim_chat(user=helper, session_id=chat_id)
            except Conflict as error:
                outcomes.append(error.code)
                if error.code == "at_capacity":
                    return
                continue
            except NotFound as error:
                outcomes.append(error.code)
                return
            claims.append((session.pk, helper.pk))
    except Exception as error:  # anything else is a bug the test must show
        failures.append(repr(error))
    finally:
        connection.close()


def test_twenty_helpers_claiming_from_two_hundred_chats_at_once():
    queue = DefaultQueueFactory(auto_assign=False)
    article = DocumentFactory()
    visitor_ids = [UserFactory().pk for _ in range(CHATS)]
    chats = [
        ChatSessionFactory(queue=queue, article=article, visitor_id=visitor_id)
        for visitor_id in visitor_ids
    ]
    helpers = [AgentStatusFactory(capacity=CAPACITY).user for _ in range(HELPERS)]
    chat_ids = [chat.pk for chat in chats]

    claims: list = []
    outcomes: list = []
    failures: list = []
    start = threading.Barrier(HELPERS * CONSOLES)
    threads = []
    for index, helper in enumerate(helpers):
        for console in range(CONSOLES):
            mode = "next" if (index + console) % 2 == 0 else "this"
            picks = random.Random(index * CONSOLES + console).sample(chat_ids, len(chat_ids))
            threads.append(
                threading.Thread(
                    target=claim_until_full,
                    args=(helper, mode, picks, start, claims, outcomes, failures),
                )
            )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []

    # No chat was given twice: every successful claim names a different chat.
    claimed = [chat_id for chat_id, _helper in claims]
    assert len(claimed) == len(set(claimed)) == HELPERS * CAPACITY

    # The database agrees with what each claim returned, and nobody went over capacity.
    active = dict(
        ChatSession.objects.filter(status=ChatSession.Status.ACTIVE).values_list("pk", "helper_id")
    )
    assert active == dict(claims)
    assert Counter(active.values()) == {helper.pk: CAPACITY for helper in helpers}
    assert ChatSession.objects.filter(status=ChatSession.Status.WAITING).count() == CHATS - len(
        claimed
    )

    # Each chat announced exactly one helper joining, and its seqs have no gaps or repeats.
    joined = Counter(
        Message.objects.filter(session_id__in=claimed, kind=Message.Kind.SYSTEM).values_list(
            "session_id", flat=True
        )
    )
    assert set(joined.values()) == {1}
    assert set(Message.objects.filter(session_id__in=claimed).values_list("seq", flat=True)) == {1}

    # The races really happened: take-this consoles lost chats to others, and consoles stopped
    # because their helper was full.
    assert "already_taken" in outcomes
    assert outcomes.count("at_capacity") >= HELPERS
