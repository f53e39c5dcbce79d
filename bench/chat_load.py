"""Message latency through the whole chat stack: the app's consumers, PostgreSQL and Redis.

Where ``ws_load.py`` measures the channel layers alone, this sends real ``message.send`` frames
to ``/ws/livechat/session/<id>/`` on the example site, so every message is checked against the
access gate, stored with its seq in PostgreSQL and broadcast after commit. It makes a scratch
database (``livechat_bench_<random>``, dropped afterwards), migrates it, creates N active chats
with a logged-in visitor and helper each, then for each Redis layer starts one uvicorn process on
loopback and sends messages at a fixed rate from alternating sides. The latency is from sending
to the other side receiving. The same run measures the bare relay of ``ws_load.py`` (no layer:
the baseline every ratio is taken to; and, with ``--relays``, on the same Redis layer) and
reports ratios to it: latency, and server CPU per message. ``--processes 2`` serves the chats
from two uvicorn processes (a chat's visitor on one, its helper on the other, so every message
crosses the layer); their CPU is added up. After the run every sent message must be stored
once, and every delivered frame must carry its seq. Bounded: fixed duration, fixed number of
sockets, loopback only.

    python bench/chat_load.py --rooms 200 --rate 100 --seconds 10
    python bench/chat_load.py --rooms 1000 --rate 500 --layers pubsub --relays none,pubsub
    python bench/chat_load.py --rooms 2000 --rate 800 --layers pubsub --processes 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import connect

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from ws_load import (  # noqa: E402
    LABELS,
    Result,
    free_port,
    open_sockets,
    redis_answers,
    report,
    run_target,
    send_at_rate,
    shut_down,
    uvicorn_command,
    wait_listening,
)

LAYERS = {"redis": "core", "pubsub": "pubsub"}  # LIVECHAT_CHANNEL_LAYER of the site


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def add_service_options(parser: argparse.ArgumentParser) -> None:
    """``--database-url`` and ``--redis-url``, shared by the benches that run the site."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server where a scratch database may be created",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )


@contextlib.asynccontextmanager
async def scratch_database(args):
    """A new ``livechat_bench_<random>`` database on ``args.database_url`` (its URL), dropped
    afterwards whatever happens; Redis must answer first."""
    if not redis_answers(args.redis_url):
        raise SystemExit(f"no Redis at {args.redis_url}")
    name = f"livechat_bench_{uuid.uuid4().hex[:8]}"
    admin(args.database_url, f'CREATE DATABASE "{name}"')
    try:
        print(f"preparing {name}...", file=sys.stderr, flush=True)
        yield with_database(args.database_url, name)
    finally:
        admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(args, bench_url: str) -> list[dict]:
    env = {**os.environ, "DATABASE_URL": bench_url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, str(ROOT / "example_site" / "manage.py"), "migrate", "--noinput", "-v0"],
        env=env,
        check=True,
    )
    out = subprocess.run(
        [sys.executable, str(HERE / "chat_fixtures.py"), str(args.rooms)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def start_site(
    layer: str, port: int, args, bench_url: str, wsgi_workers: int = 0, **extra_env: str
) -> subprocess.Popen:
    """One uvicorn process of the example site on loopback (or, with ``wsgi_workers``, a
    gunicorn of that many sync workers serving its WSGI entry, as Kitsune serves its pages);
    ``extra_env`` adds to its settings."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_CONN_MAX_AGE": "600",
        "DATABASE_URL": bench_url,
        "REDIS_URL": args.redis_url,
        "LIVECHAT_CHANNEL_LAYER": LAYERS[layer],
        "LIVECHAT_CHANNEL_PREFIX": f"livechat-bench-{uuid.uuid4().hex[:8]}",
        "LIVECHAT_CACHE_PREFIX": f"livechat-bench-{uuid.uuid4().hex[:8]}",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
        **extra_env,
    }
    command = uvicorn_command("config.asgi:application", port)
    if wsgi_workers:
        command = [
            *(sys.executable, "-m", "gunicorn", "config.wsgi:application", "--preload"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(wsgi_workers)),
            *("--log-level", "warning"),
        ]
    return subprocess.Popen(command, env=env, cwd=ROOT)


async def open_chat(port: int, session: str, cookie: str):
    ws = await connect(
        f"ws://127.0.0.1:{port}/ws/livechat/session/{session}/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=60,
        max_queue=None,
        compression=None,
    )
    while json.loads(await ws.recv())["type"] != "status":
        pass
    return ws


def profile(pid: int, folder: str, seconds: float | None = None) -> subprocess.Popen:
    """py-spy sampling server ``pid`` into ``folder`` as collapsed stacks (one line a stack
    and its count), for finding where the time goes: for ``seconds``, or until interrupted
    (``stop_profile``)."""
    out = Path(folder) / f"server-{pid}.txt"
    # --gil: only the thread holding the GIL, so the samples show where CPU goes.
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [py_spy, "record", "--pid", str(pid), "--subprocesses", "--gil", "--rate", "200"]
    if seconds is not None:
        command += ["--duration", str(int(seconds))]
    command += ["--format", "raw", "--nonblocking", "-o", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)


def stop_profile(profiler: subprocess.Popen) -> None:
    """Stop an open-ended ``profile``; py-spy writes its samples as it exits."""
    profiler.send_signal(signal.SIGINT)
    profiler.wait(60)


async def run_layer(layer: str, chats: list[dict], args, bench_url: str) -> Result:
    result = Result(layer)
    ports = [free_port() for _ in range(args.processes)]
    prefix = f"livechat-bench-{uuid.uuid4().hex[:8]}"
    servers = [
        start_site(layer, port, args, bench_url, LIVECHAT_CHANNEL_PREFIX=prefix) for port in ports
    ]
    sockets: list = []
    try:
        for port, server in zip(ports, servers, strict=True):
            await wait_listening(port, server)
        openers = [
            partial(open_chat, ports[(index + side) % len(ports)], chat["session"], chat[name])
            for index, chat in enumerate(chats)
            for side, name in enumerate(("visitor", "helper"))
        ]
        sockets = await open_sockets(openers, result, batch=50)
        print(f"{len(sockets)} sockets open, sending...", file=sys.stderr, flush=True)

        pending: dict[str, tuple[float, int]] = {}
        errors = unnumbered = 0
        warm_until = time.perf_counter() + args.warmup

        async def reader(ws, side: int) -> None:
            nonlocal errors, unnumbered
            with contextlib.suppress(Exception):
                async for text in ws:
                    frame = json.loads(text)
                    if frame["type"] == "error":
                        errors += 1
                    if frame["type"] != "message" or not frame.get("client_msg_id"):
                        continue
                    if not isinstance(frame.get("seq"), int):
                        unnumbered += 1
                    sent = pending.get(frame["client_msg_id"])
                    if sent is None or sent[1] == side:
                        continue  # one's own echo
                    del pending[frame["client_msg_id"]]
                    if sent[0] >= warm_until:
                        result.latencies.append(time.perf_counter() - sent[0])

        sent_ids: list[str] = []

        def message(side: int, sent_at: float) -> str:
            client_msg_id = uuid.uuid4().hex
            pending[client_msg_id] = (sent_at, side)
            sent_ids.append(client_msg_id)
            return json.dumps(
                {"type": "message.send", "body": "x" * 40, "client_msg_id": client_msg_id}
            )

        readers = [
            asyncio.create_task(reader(ws, index % 2))
            for index, ws in enumerate(sockets)
            if ws is not None
        ]
        profilers = [
            profile(server.pid, args.profile, args.warmup + args.seconds)
            for server in servers
            if args.profile
        ]
        result.start_usage([server.pid for server in servers])
        started = await send_at_rate(sockets, result, args, message, warm_until=warm_until)
        await asyncio.sleep(min(3.0, args.seconds))
        result.seconds = time.perf_counter() - started
        result.stop_usage()
        for profiler in profilers:
            profiler.wait()
        notes = [result.note] if result.note else []
        if errors:
            notes.append(f"{errors} error frames")
        if unnumbered:
            notes.append(f"{unnumbered} message frames without a seq")
        stored = await asyncio.to_thread(count_stored, bench_url, sent_ids)
        notes.append(f"stored {stored['messages']}/{len(sent_ids)} sent (all of them, warm-up too)")
        if stored["duplicates"] or stored["gaps"]:
            notes.append(f"{stored['duplicates']} stored twice, {stored['gaps']} chats with gaps")
        result.note = "; ".join(notes)
        for task in readers:
            task.cancel()
    finally:
        await shut_down(sockets, servers[0])
        for server in servers[1:]:
            await shut_down([], server)
    return result


def count_stored(bench_url: str, sent_ids: list[str]) -> dict[str, int]:
    """How many sent messages are stored, any stored twice, and chats whose seqs have gaps."""
    import psycopg

    with psycopg.connect(bench_url) as conn:
        messages, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT client_msg_id) FROM livechat_message"
            " WHERE client_msg_id = ANY(%s)",
            (sent_ids,),
        ).fetchone()
        gaps = conn.execute(
            "SELECT count(*) FROM (SELECT session_id FROM livechat_message GROUP BY session_id"
            " HAVING max(seq) <> count(*)) AS g"
        ).fetchone()[0]
    return {"messages": distinct, "duplicates": messages - distinct, "gaps": gaps}


def cpu_report(results: list[Result]) -> str:
    """Server CPU per delivered message, and its ratio to the no-layer relay's; beside it the
    load generator's CPU seconds and how busy the whole machine was, which tell a server short
    of CPU from a machine with none left."""
    base = next((r for r in results if r.target == "none" and r.received), None)
    lines = [
        "",
        f"{'':<26}{'delivered':>10}{'cpu ms/msg':>12}{'cpu x':>8}{'p99 x':>8}"
        f"{'generator s':>13}{'machine busy':>14}",
    ]
    for r in results:
        if not r.sent:
            continue
        per = r.cpu_seconds * 1000 / max(r.received, 1)
        base_per = base.cpu_seconds * 1000 / base.received if base else float("nan")
        x99 = r.percentile(0.99) / base.percentile(0.99) if base else float("nan")
        lines.append(
            f"{LABELS[r.target]:<26}{100 * r.received / r.sent:>9.1f}%{per:>12.3f}"
            f"{per / base_per:>8.2f}{x99:>8.2f}{r.generator_seconds:>13.1f}"
            f"{100 * r.machine_busy:>13.0f}%"
        )
    lines.append("cpu x / p99 x: ratio to the relay without a layer, measured in this run.")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=100, help="chats (2 sockets each)")
    parser.add_argument("--rate", type=float, default=100, help="messages per second, in all")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per layer")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds first")
    parser.add_argument("--layers", default="redis,pubsub", help="redis, pubsub")
    parser.add_argument(
        "--relays",
        default="none",
        help="relay baselines to measure first: none (always), inmemory, redis, pubsub",
    )
    parser.add_argument(
        "--profile", default="", help="a folder for py-spy's sampled stacks of each server"
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="uvicorn processes serving the chat stack"
    )
    add_service_options(parser)
    args = parser.parse_args(argv)
    args.capacity = 0  # the site's own settings decide
    args.layers = [layer.strip() for layer in args.layers.split(",") if layer.strip()]
    if set(args.layers) - set(LAYERS):
        parser.error("layers are redis and pubsub")
    args.relays = ["none"] + [
        relay.strip() for relay in args.relays.split(",") if relay.strip() not in ("", "none")
    ]
    if set(args.relays) - set(LABELS):
        parser.error("relays are none, inmemory, redis and pubsub")
    if not 1 <= args.processes <= 4:
        parser.error("keep it bounded: 1-4 processes")
    if not 1 <= args.rooms <= 2000 or not 0 < args.rate <= 2000 or not 0 < args.seconds <= 120:
        parser.error("keep it bounded: 1-2000 chats, up to 2000 msg/s, up to 120 s")
    return args


async def run(args) -> list[Result]:
    async with scratch_database(args) as bench_url:
        chats = await asyncio.to_thread(prepare, args, bench_url)
        results = []
        for relay in args.relays:
            print(f"measuring the relay, {LABELS[relay]}...", file=sys.stderr, flush=True)
            results.append(await run_target(relay, args))
        for layer in args.layers:
            print(f"measuring the chat stack on {LABELS[layer]}...", file=sys.stderr, flush=True)
            results.append(await run_layer(layer, chats, args, bench_url))
    return results


def main(argv=None) -> int:
    args = parse_args(argv)
    results = asyncio.run(run(args))
    relays = len(args.relays)
    for result in results[:relays]:
        if result.target != "none":
            result.target = f"relay-{result.target}"
            LABELS[result.target] = (
                f"relay, {LABELS[result.target[6:]].replace('ChannelLayer', '')}"
            )
    for result in results[relays:]:
        LABELS[result.target] = f"chat stack, {LABELS[result.target].replace('ChannelLayer', '')}"
    print(report(results, args))
    print(cpu_report(results))
    print(
        f"Chat stack ({args.processes} uvicorn process{'es' if args.processes > 1 else ''}):"
        " SessionConsumer, access gate, PostgreSQL insert, broadcast after commit."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
