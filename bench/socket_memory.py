"""Memory of one uvicorn process of the example site: RSS per idle socket, per active chat, and
its growth over a bounded soak at a steady message rate.

It makes a scratch database (``livechat_bench_<random>``, dropped afterwards) with N active
chats, starts one process (``RedisPubSubChannelLayer``), and reads the process's RSS from /proc:
after a warm-up chat (the baseline), with both sockets of every chat open and silent (per idle
socket), after ``--active-seconds`` of messages through every chat (per active chat), then every
``--sample`` seconds while the same load runs for ``--seconds`` (the soak; 600 for ten
minutes). Growth is the last sample against the first, and the slope of a least-squares line
through all samples. Bounded: fixed duration, fixed sockets, loopback only.

    python bench/socket_memory.py --rooms 500 --rate 250 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
import uuid
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from chat_load import (  # noqa: E402
    add_service_options,
    open_chat,
    prepare,
    scratch_database,
    start_site,
)
from ws_load import (  # noqa: E402
    Result,
    free_port,
    open_sockets,
    send_at_rate,
    shut_down,
    wait_listening,
)

MB = 1024 * 1024


def rss(pid: int) -> int:
    """Resident set size of a process in bytes (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def slope_per_minute(samples: list[tuple[float, int]]) -> float:
    """Least-squares growth of RSS in MB per minute."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_r = sum(r for _, r in samples) / n
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if not spread:
        return 0.0
    return sum((t - mean_t) * (r - mean_r) for t, r in samples) / spread * 60 / MB


async def drain(ws) -> None:
    """Read and drop what the server sends, as a client does."""
    with contextlib.suppress(Exception):
        async for _text in ws:
            pass


async def measure(args, chats: list[dict], bench_url: str) -> dict:
    port = free_port()
    server = start_site("pubsub", port, args, bench_url)
    sockets: list = []
    readers: list = []
    figures: dict = {}
    try:
        await wait_listening(port, server)
        warm = await open_chat(port, chats[0]["session"], chats[0]["visitor"])
        await warm.close()
        await asyncio.sleep(1)
        figures["base"] = rss(server.pid)

        result = Result("memory")
        openers = [
            partial(open_chat, port, chat["session"], chat[side])
            for chat in chats
            for side in ("visitor", "helper")
        ]
        sockets = await open_sockets(openers, result, batch=50)
        readers = [asyncio.create_task(drain(ws)) for ws in sockets if ws is not None]
        opened = sum(ws is not None for ws in sockets)
        await asyncio.sleep(2)
        figures["idle"] = rss(server.pid)
        figures["sockets"] = opened

        def message(_side: int, _sent_at: float) -> str:
            return json.dumps(
                {"type": "message.send", "body": "x" * 40, "client_msg_id": uuid.uuid4().hex}
            )

        active = argparse.Namespace(rate=args.rate, warmup=0, seconds=args.active_seconds)
        await send_at_rate(sockets, result, active, message, warm_until=0)
        figures["active"] = rss(server.pid)

        samples: list[tuple[float, int]] = []
        soak = argparse.Namespace(rate=args.rate, warmup=0, seconds=args.sample)
        started = time.perf_counter()
        while time.perf_counter() - started < args.seconds:
            await send_at_rate(sockets, result, soak, message, warm_until=0)
            samples.append((time.perf_counter() - started, rss(server.pid)))
        figures["samples"] = samples
        figures["sent"] = result.sent
        figures["connect_errors"] = result.connect_errors
    finally:
        for task in readers:
            task.cancel()
        await shut_down(sockets, server)
    return figures


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=200, help="chats (2 sockets each)")
    parser.add_argument("--rate", type=float, default=100, help="messages per second, in all")
    parser.add_argument("--active-seconds", type=float, default=10, help="load before 'active'")
    parser.add_argument("--seconds", type=float, default=60, help="soak (600: ten minutes)")
    parser.add_argument("--sample", type=float, default=5, help="seconds between RSS samples")
    add_service_options(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.rooms <= 2000 or not 0 < args.rate <= 2000:
        parser.error("keep it bounded: 1-2000 chats, up to 2000 msg/s")
    if not 0 < args.seconds <= 900 or not 1 <= args.sample <= args.seconds:
        parser.error("keep it bounded: a soak of up to 900 s, sampled at least once")
    return args


async def run(args) -> dict:
    async with scratch_database(args) as bench_url:
        chats = await asyncio.to_thread(prepare, args, bench_url)
        print("measuring...", file=sys.stderr, flush=True)
        return await measure(args, chats, bench_url)


def main(argv=None) -> int:
    args = parse_args(argv)
    figures = asyncio.run(run(args))
    base, idle, active = figures["base"], figures["idle"], figures["active"]
    sockets, samples = figures["sockets"], figures["samples"]
    print(
        f"{args.rooms} chats ({sockets} sockets), {args.rate:g} msg/s, one uvicorn process, "
        f"RedisPubSubChannelLayer, loopback"
    )
    print()
    first, last = samples[0][1], samples[-1][1]
    rows = [
        ("RSS after a warm-up chat (baseline)", base, ""),
        (
            "every socket open and idle",
            idle,
            f"{(idle - base) / max(sockets, 1) / 1024:.1f} KB per idle socket",
        ),
        (
            f"after {args.active_seconds:g} s of messages in every chat",
            active,
            f"{(active - base) / args.rooms / 1024:.1f} KB per active chat",
        ),
        (
            f"end of a {args.seconds:g} s soak ({len(samples)} samples)",
            last,
            f"{(last - first) / MB:+.1f} MB first to last sample, "
            f"{slope_per_minute(samples):+.2f} MB/min",
        ),
    ]
    for label, value, note in rows:
        print(f"{label:<44}{value / MB:>8.1f} MB   {note}")
    print(f"messages sent: {figures['sent']}; sockets that failed: {figures['connect_errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
