"""Claims per second through the HTTP API: H helpers taking "the next chat" as fast as they can
from a line of N waiting chats on PostgreSQL, with 0 double assignments required.

It makes a scratch database (``livechat_bench_<random>``, dropped afterwards) with N waiting
chats and H helpers online with seats for all of them. The baseline, measured in the same run
on the same rows, is the raw ceiling: H database connections looping over
``SELECT ... FOR UPDATE SKIP LOCKED`` and a conditional UPDATE, nothing else. Then the rows go
back to waiting and one uvicorn process of the example site serves ``POST agent/claim`` to H
keep-alive connections, one per helper, each logged in with its own session and CSRF token,
until the line is empty. Afterwards every chat is checked: taken once, by the helper whose
claim returned it, and no helper over capacity. ``--processes 2`` serves the claims from two
uvicorn processes (helpers split across them; server CPU is their sum); ``--wsgi-workers N``
from gunicorn's sync workers instead, as a Kitsune site serves its own pages and API.
Bounded: the line's length, loopback only.

    python bench/claims_load.py --helpers 20 --chats 2000
    python bench/claims_load.py --helpers 20 --chats 2000 --processes 2
    python bench/claims_load.py --helpers 20 --chats 2000 --wsgi-workers 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from availability_load import UVICORN_TUNED, drop_cache, fixtures  # noqa: E402
from chat_load import (  # noqa: E402
    add_service_options,
    profile,
    scratch_database,
    start_site,
    stop_profile,
)
from http_load import Connection  # noqa: E402
from ws_load import free_port, process_cpu, shut_down, wait_listening  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)] if ordered else float("nan")


async def raw_ceiling(bench_url: str, data: dict) -> dict:
    """Claims/s of bare SKIP LOCKED transactions, one connection per helper."""
    import psycopg

    table, waiting, active = data["table"], data["waiting"], data["active"]
    pick = (
        f'SELECT id FROM "{table}" WHERE status = %s ORDER BY created, id LIMIT 1 '
        "FOR UPDATE SKIP LOCKED"
    )
    take = (
        f'UPDATE "{table}" SET status = %s, helper_id = %s, assigned_at = now() '
        "WHERE id = %s AND status = %s"
    )
    taken: list = []

    async def helper(helper_id: int) -> None:
        async with await psycopg.AsyncConnection.connect(bench_url) as conn:
            while True:
                async with conn.transaction():
                    row = await (await conn.execute(pick, (waiting,))).fetchone()
                    if row is None:
                        return
                    await conn.execute(take, (active, helper_id, row[0], waiting))
                taken.append(row[0])

    started = time.perf_counter()
    await asyncio.gather(*(helper(h["id"]) for h in data["helpers"]))
    seconds = time.perf_counter() - started
    async with await psycopg.AsyncConnection.connect(bench_url, autocommit=True) as conn:
        await conn.execute(
            f'UPDATE "{table}" SET status = %s, helper_id = NULL, assigned_at = NULL',
            (waiting,),
        )
    return {"claims": len(taken), "seconds": seconds, "doubles": len(taken) - len(set(taken))}


async def http_claims(args, bench_url: str, data: dict) -> dict:
    ports = [free_port() for _ in range(args.processes)]
    prefix = f"livechat-bench-{uuid.uuid4().hex[:8]}"
    channels = f"livechat-bench-{uuid.uuid4().hex[:8]}"
    servers = [
        start_site(
            "pubsub",
            port,
            SimpleNamespace(redis_url=args.redis_url),
            bench_url,
            args.wsgi_workers,
            # A WSGI worker serves one request at a time and keeps its connection; under ASGI
            # every request has a thread of its own, so connections come from the pool.
            DJANGO_CONN_MAX_AGE="600" if args.wsgi_workers else "0",
            **({"DJANGO_DB_POOL": str(args.pool)} if args.pool and not args.wsgi_workers else {}),
            CACHE_URL=args.redis_url,
            LIVECHAT_CACHE_PREFIX=prefix,
            LIVECHAT_CHANNEL_PREFIX=channels,
            **UVICORN_TUNED,
        )
        for port in ports
    ]
    claimed: list[tuple[str, int]] = []
    latencies: list[float] = []
    refusals: Counter = Counter()
    try:
        for port, server in zip(ports, servers, strict=True):
            await wait_listening(port, server)

        async def helper(index: int, row: dict) -> None:
            conn = Connection(ports[index % len(ports)])  # helpers split across the processes
            headers = {
                "Cookie": f"sessionid={row['cookie']}; csrftoken={row['csrf']}",
                "X-CSRFToken": row["csrf"],
                "Content-Type": "application/json",
            }
            try:
                while True:
                    sent = time.perf_counter()
                    status, body = await conn.request(
                        "POST", "/livechat/api/agent/claim", headers=headers, body=b"{}"
                    )
                    latencies.append(time.perf_counter() - sent)
                    if status == 200:
                        claimed.append((json.loads(body)["id"], row["id"]))
                        continue
                    try:
                        code = json.loads(body).get("code", str(status))
                    except ValueError:
                        code = f"{status} {body[:80]!r}"
                    refusals[code] += 1
                    if code in ("queue_empty", "at_capacity") or refusals[code] > 1000:
                        return
            finally:
                conn.close()

        profilers = [profile(server.pid, args.profile) for server in servers if args.profile]
        cpu_before = sum(process_cpu(server.pid) for server in servers)
        started = time.perf_counter()
        await asyncio.gather(*(helper(i, row) for i, row in enumerate(data["helpers"])))
        seconds = time.perf_counter() - started
        cpu = sum(process_cpu(server.pid) for server in servers) - cpu_before
        for profiler in profilers:
            stop_profile(profiler)
    finally:
        for server in servers:
            await shut_down([], server)
        drop_cache(args.redis_url, prefix)
    return {
        "claims": len(claimed),
        "seconds": seconds,
        "cpu": cpu,
        "p50": percentile(latencies, 0.5) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "refusals": dict(refusals),
        "claimed": claimed,
    }


async def check(bench_url: str, data: dict, claimed: list[tuple[str, int]]) -> list[str]:
    """Every claimed chat once, held by the helper whose claim returned it; seats respected."""
    import psycopg

    problems = []
    ids = Counter(session for session, _helper in claimed)
    doubles = [session for session, n in ids.items() if n > 1]
    if doubles:
        problems.append(f"{len(doubles)} chats returned to two claims")
    table = data["table"]
    async with await psycopg.AsyncConnection.connect(bench_url) as conn:
        rows = await (
            await conn.execute(
                f'SELECT id::text, helper_id FROM "{table}" WHERE status = %s', (data["active"],)
            )
        ).fetchall()
        over = await (
            await conn.execute(
                f'SELECT count(*) FROM "{table}" c JOIN livechat_agentstatus a '
                "ON a.user_id = c.helper_id WHERE c.status = %s "
                "GROUP BY c.helper_id, a.capacity HAVING count(*) > a.capacity",
                (data["active"],),
            )
        ).fetchall()
    holder = {str(session).replace("-", ""): helper for session, helper in rows}
    wrong = [
        session for session, helper in claimed if holder.get(session.replace("-", "")) != helper
    ]
    if wrong:
        problems.append(f"{len(wrong)} chats held by another helper than the one that claimed")
    if len(rows) != len(ids):
        problems.append(f"{len(rows)} chats active, {len(ids)} claims answered")
    if over:
        problems.append(f"{len(over)} helpers over capacity")
    return problems


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--helpers", type=int, default=20)
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument(
        "--pool",
        type=int,
        default=10,
        help="the site's database pool (DJANGO_DB_POOL; 0: a connection per request)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="uvicorn processes serving the claims (helpers split across them)",
    )
    parser.add_argument(
        "--wsgi-workers",
        type=int,
        default=0,
        help="serve the claims from gunicorn with this many sync workers per process (the "
        "example site's WSGI entry, as Kitsune serves its pages) instead of uvicorn",
    )
    parser.add_argument(
        "--profile", default="", help="a folder for py-spy's sampled stacks of each server"
    )
    add_service_options(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.helpers <= 100 or not 1 <= args.chats <= 20000 or not 0 <= args.pool <= 20:
        parser.error("keep it bounded: 1-100 helpers, 1-20000 chats, a pool of up to 20")
    if not 1 <= args.processes <= 4 or not 0 <= args.wsgi_workers <= 16:
        parser.error("keep it bounded: 1-4 processes, up to 16 WSGI workers")
    return args


async def run(args) -> tuple[dict, dict, list[str]]:
    async with scratch_database(args) as bench_url:
        data = await asyncio.to_thread(fixtures, bench_url, "claims", args.helpers, args.chats)
        print("measuring the raw SKIP LOCKED ceiling...", file=sys.stderr, flush=True)
        raw = await raw_ceiling(bench_url, data)
        print("measuring claims through the HTTP API...", file=sys.stderr, flush=True)
        http = await http_claims(args, bench_url, data)
        problems = await check(bench_url, data, http["claimed"])
    return raw, http, problems


def main(argv=None) -> int:
    args = parse_args(argv)
    raw, http, problems = asyncio.run(run(args))
    raw_rate = raw["claims"] / raw["seconds"]
    http_rate = http["claims"] / http["seconds"]
    processes = (
        "one uvicorn process" if args.processes == 1 else f"{args.processes} uvicorn processes"
    )
    connections = f"database pool {args.pool or 'off'}{' each' if args.processes > 1 else ''}"
    if args.wsgi_workers:
        processes = f"gunicorn with {args.wsgi_workers} sync workers" + (
            f" (x{args.processes})" if args.processes > 1 else ""
        )
        connections = "a persistent connection per worker"
    print(
        f"{args.helpers} helpers, {args.chats} waiting chats, PostgreSQL, {processes}, "
        f"loopback, {connections}"
    )
    print()
    print(f"{'':<34}{'claims':>8}{'claims/s':>10}{'x raw':>8}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'raw SELECT ... SKIP LOCKED':<34}{raw['claims']:>8}{raw_rate:>10.0f}{1:>8.2f}")
    print(
        f"{'POST agent/claim':<34}{http['claims']:>8}{http_rate:>10.0f}"
        f"{http_rate / raw_rate:>8.2f}{http['p50']:>9.1f}{http['p99']:>9.1f}"
    )
    print()
    print(
        f"server CPU {http['cpu']:.1f} s ({http['cpu'] * 1000 / max(http['claims'], 1):.1f} ms "
        f"a claim); refusals: {http['refusals'] or 'none'}"
    )
    if raw["doubles"]:
        problems.append(f"raw baseline: {raw['doubles']} double assignments")
    print("double assignments: " + ("; ".join(problems) if problems else "0 (checked)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
