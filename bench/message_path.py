"""The CPU a chat socket spends storing one message, against the bare statement round trip.

``chat_load.py`` measures the whole stack, where the load generator, PostgreSQL and Redis share
the machine with the server and a run's figures drift by a fifth. This measures one piece of it
in one process, repeatably: the socket's message path (``messaging.apost``: the checks, the one
statement with its seq and access condition, on the event loop's own connections) against the
same connections running ``SELECT 1`` as often, with as many in flight. The ratio is what the
message path adds to a round trip the event loop pays anyway. Scratch database, loopback,
bounded by ``--messages`` and ``--rounds``. The site's settings apply: with
``DJANGO_DB_PREPARE_THRESHOLD=0`` both run prepared.

    python bench/message_path.py --chats 200 --messages 2000 --rounds 5 --concurrency 8
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT), str(ROOT / "example_site")]

from chat_load import add_service_options, prepare, scratch_database  # noqa: E402


def senders(chats: list[dict]) -> list:
    """Each chat's visitor and helper as their sockets know them once admitted."""
    from django.contrib.auth import SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from kitsune_livechat.services.conversation import messaging
    from kitsune_livechat.services.shared.access import Caller, get_session_for

    users = get_user_model().objects
    found = []
    for chat in chats:
        for side in ("visitor", "helper"):
            key = chat[side]
            caller = Caller(user=users.get(pk=SessionStore(key)[SESSION_KEY]))
            access = get_session_for(caller, chat["session"])
            found.append(messaging.sender_for(caller, access, key))
    return found


async def measure(work, count: int, concurrency: int) -> tuple[float, float]:
    """CPU and wall seconds for ``count`` calls of ``work(n)``, ``concurrency`` at a time."""
    queue = iter(range(count))

    async def worker():
        for n in queue:
            await work(n)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.process_time() - cpu, time.perf_counter() - wall


async def run(args, all_senders: list) -> list[tuple[str, float, float]]:
    from kitsune_livechat.services.conversation import messaging
    from kitsune_livechat.services.shared import loop_db

    async def bare(n):
        await loop_db.fetch_one("SELECT %s", [n])

    async def message(n):
        sender = all_senders[n % len(all_senders)]
        stored = await messaging.apost(
            sender, body=f"message {n} " + "x" * 40, client_msg_id=uuid.uuid4().hex
        )
        assert stored is not None and stored.seq > 0

    await measure(message, args.messages // 4, args.concurrency)  # warm-up
    # Rounds take turns, so a drift of the machine's speed touches both alike; the median
    # round of each is reported.
    rounds: dict[str, list[tuple[float, float]]] = {"SELECT 1": [], "message": []}
    for _round in range(args.rounds):
        for label, work in (("SELECT 1", bare), ("message", message)):
            cpu, wall = await measure(work, args.messages, args.concurrency)
            rounds[label].append((cpu * 1e6 / args.messages, wall * 1e6 / args.messages))
    loop_db.close_all()
    return [(label, *statistics.median_low(runs)) for label, runs in rounds.items()]


def report(rows, args) -> str:
    base = rows[0][1]
    lines = [
        f"{args.rounds} rounds of {args.messages} each (the median round), {args.concurrency}"
        " in flight, one process, loopback",
        "",
        f"{'':<12}{'cpu us':>10}{'wall us':>10}{'cpu x':>8}",
    ]
    for label, cpu, wall in rows:
        lines.append(f"{label:<12}{cpu:>10.1f}{wall:>10.1f}{cpu / base:>8.2f}")
    lines.append("cpu x: ratio to SELECT 1 on the same connections, measured in this run.")
    return "\n".join(lines)


async def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=200, help="chats, two senders each")
    parser.add_argument("--messages", type=int, default=2000, help="messages a round")
    parser.add_argument("--concurrency", type=int, default=8, help="messages in flight")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each, taking turns")
    add_service_options(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.chats <= 2000 or not 1 <= args.messages * args.rounds <= 100_000:
        parser.error("keep it bounded: 1-2000 chats, up to 100,000 messages in all")
    if not 1 <= args.concurrency <= 64:
        parser.error("keep it bounded: 1-64 in flight")
    args.rooms = args.chats
    async with scratch_database(args) as bench_url:
        chats = prepare(args, bench_url)
        os.environ.update(
            DATABASE_URL=bench_url, DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="0"
        )
        os.environ.pop("REDIS_URL", None)
        import django

        django.setup()
        from django.db import connections

        all_senders = await asyncio.to_thread(senders, chats)
        await asyncio.to_thread(connections.close_all)
        rows = await run(args, all_senders)
    print(report(rows, args))
    print(json.dumps({label: round(cpu, 1) for label, cpu, _wall in rows}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
