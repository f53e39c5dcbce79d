"""What the chat button costs a help site: ``GET /livechat/api/availability?article=ID`` and the
article page that carries the button, under HTTP load on loopback.

It makes a scratch PostgreSQL database (``livechat_bench_<random>``, dropped afterwards) with one
published article and one helper online, then starts one uvicorn process of the example site
with the availability cache on (Redis, a key prefix of its own, removed afterwards) and one with
it off (``LIVECHAT_AVAILABILITY_CACHE_SECONDS=0``), and holds ``--connections`` requests in
flight against each URL for ``--seconds`` with ``wrk`` (or a Python generator without it). The
baseline, measured in the same process, is the same route refused before any query
(``?article=``, a 400): Django, django-ninja and the ASGI server with no work at all.
``--wsgi-workers N`` serves the site from gunicorn's sync workers instead, as Kitsune serves
its pages (the replay door is then the WSGI one). Bounded: fixed duration, fixed connections,
loopback only.

    python bench/availability_load.py --connections 20 --seconds 10
    python bench/availability_load.py --connections 20 --seconds 10 --wsgi-workers 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from chat_load import add_service_options, scratch_database, start_site  # noqa: E402
from http_load import Load, measure, table  # noqa: E402
from ws_load import free_port, shut_down, wait_listening  # noqa: E402

ROOT = HERE.parent

# The documented deployment's uvicorn options (docs/deployment.md), read by uvicorn from its
# environment: uvloop, httptools and no access log.
UVICORN_TUNED = {"UVICORN_LOOP": "uvloop", "UVICORN_HTTP": "httptools", "UVICORN_ACCESS_LOG": "0"}


def fixtures(bench_url: str, kind: str, *counts: int) -> dict:
    """Migrate the bench database and make ``site_fixtures.py KIND`` data; its JSON."""
    env = {**os.environ, "DATABASE_URL": bench_url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "example_site" / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    out = subprocess.run(
        [sys.executable, str(HERE / "site_fixtures.py"), kind, *map(str, counts)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def drop_cache(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


async def measure_site(args, bench_url: str, data: dict, *, cache_seconds: float) -> list[Load]:
    port = free_port()
    prefix = f"livechat-bench-{uuid.uuid4().hex[:8]}"
    layer_args = SimpleNamespace(redis_url=args.redis_url)
    server = start_site(
        "pubsub",
        port,
        layer_args,
        bench_url,
        args.wsgi_workers,
        # A WSGI worker serves one request at a time and keeps its connection.
        DJANGO_CONN_MAX_AGE="600" if args.wsgi_workers else "0",
        **({"DJANGO_DB_POOL": str(args.pool)} if args.pool and not args.wsgi_workers else {}),
        CACHE_URL=args.redis_url,
        LIVECHAT_CACHE_PREFIX=prefix,
        LIVECHAT_AVAILABILITY_CACHE_SECONDS=str(cache_seconds),
        **UVICORN_TUNED,
    )
    state = "on" if cache_seconds else "off"
    loads = []
    try:
        await wait_listening(port, server)
        options = {"connections": args.connections, "seconds": args.seconds}
        targets = [
            ("baseline: availability?article= (400)", "/livechat/api/availability?article=", {}),
            (
                f"availability, cache {state}",
                f"/livechat/api/availability?article={data['article']}",
                {},
            ),
            (
                f"article page with the button, cache {state}",
                data["page"],
                {"Cookie": f"sessionid={data['cookie']}"},
            ),
        ]
        for label, path, headers in targets:
            if not cache_seconds and label.startswith("baseline"):
                continue  # one baseline per run, from the first process
            print(f"measuring {label}...", file=sys.stderr, flush=True)
            # A short unmeasured warm-up fills caches and connection pools.
            await measure(label, port, path, connections=2, seconds=1, headers=headers)
            loads.append(await measure(label, port, path, headers=headers, **options))
    finally:
        await shut_down([], server)
        drop_cache(args.redis_url, prefix)
    return loads


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=20, help="requests in flight")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per URL")
    parser.add_argument("--cache-seconds", type=float, default=5, help="the cached process's")
    parser.add_argument(
        "--pool",
        type=int,
        default=0,
        help="the site's database pool (DJANGO_DB_POOL; 0, the example site's default: a "
        "connection per request)",
    )
    parser.add_argument(
        "--wsgi-workers",
        type=int,
        default=0,
        help="serve from gunicorn with this many sync workers (the example site's WSGI entry, "
        "as Kitsune serves its pages) instead of one uvicorn process",
    )
    add_service_options(parser)
    args = parser.parse_args(argv)
    if not 0 <= args.wsgi_workers <= 16:
        parser.error("keep it bounded: up to 16 WSGI workers")
    if not 1 <= args.connections <= 200 or not 0 < args.seconds <= 120 or not 0 <= args.pool <= 20:
        parser.error("keep it bounded: 1-200 connections, up to 120 s, a pool of up to 20")
    if args.cache_seconds <= 0:
        parser.error("--cache-seconds must be positive (the other process runs without)")
    return args


async def run(args) -> list[Load]:
    async with scratch_database(args) as bench_url:
        data = await asyncio.to_thread(fixtures, bench_url, "availability")
        cached = await measure_site(args, bench_url, data, cache_seconds=args.cache_seconds)
        uncached = await measure_site(args, bench_url, data, cache_seconds=0)
    return cached + uncached


def main(argv=None) -> int:
    args = parse_args(argv)
    loads = asyncio.run(run(args))
    tool = loads[0].tool
    server = (
        f"gunicorn with {args.wsgi_workers} sync workers, a persistent connection each"
        if args.wsgi_workers
        else f"one uvicorn process, database pool {args.pool or 'off'}"
    )
    print(f"{args.connections} connections, {args.seconds:g} s per URL, {server}, loopback, {tool}")
    print()
    print(table(loads, loads[0]))
    by_label = {load.label: load for load in loads}
    on, off = by_label["availability, cache on"], by_label["availability, cache off"]
    if off.rate:
        print(f"\navailability with the cache: {on.rate / off.rate:.1f}x the requests/s without")
    print("x base: requests/s as a ratio to the baseline measured in this run.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
