"""WebSocket message latency for N chat rooms, per channel layer, against a same-run baseline.

For each target (see relay_app.py) it starts one uvicorn process on loopback, opens two sockets
per room (a visitor and a helper), and sends messages at a fixed total rate, round-robin over the
rooms, from alternating sides. The latency of a message is the time from sending it to the
*other* socket of the room receiving it, both clocks being this process's. Numbers are
reported absolute and as ratios to the baseline (no channel layer) measured in the same run,
so runs on different machines compare. Bounded: a fixed duration per target, a fixed count of
sockets, loopback only.

    python bench/ws_load.py --rooms 200 --rate 200 --seconds 10
    python bench/ws_load.py --targets none,pubsub --rooms 1000 --rate 500

Needs Redis for the ``redis`` and ``pubsub`` targets (``--redis-url``); they are skipped, with a
note, when Redis does not answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from websockets.asyncio.client import connect

HERE = Path(__file__).resolve().parent
TARGETS = ("none", "inmemory", "redis", "pubsub")
LABELS = {
    "none": "baseline (no layer)",
    "inmemory": "InMemoryChannelLayer",
    "redis": "RedisChannelLayer",
    "pubsub": "RedisPubSubChannelLayer",
}
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class Result:
    target: str
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    connect_errors: int = 0
    cpu_seconds: float = 0.0
    seconds: float = 0.0
    note: str = ""
    # What else ran meanwhile: this load generator's CPU seconds, and the share of the whole
    # machine's CPU in use (servers, generator, PostgreSQL, Redis and the rest together).
    generator_seconds: float = 0.0
    machine_busy: float = 0.0

    def start_usage(self, pids: list[int]) -> None:
        """Begin the measured window for the servers ``pids``."""
        self._pids = pids
        self._usage = (self.server_cpu(), time.process_time(), machine_cpu())

    def stop_usage(self) -> None:
        """End the window: the servers' CPU, the generator's and the machine's busy share."""
        server, generator, (busy, total) = self._usage
        now_busy, now_total = machine_cpu()
        self.cpu_seconds = self.server_cpu() - server
        self.generator_seconds = time.process_time() - generator
        self.machine_busy = (now_busy - busy) / max(now_total - total, 1e-9)

    def server_cpu(self) -> float:
        return sum(process_cpu(pid) for pid in self._pids)

    @property
    def received(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * p), len(ordered) - 1)]


def machine_cpu() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine so far, all cores, from Linux
    /proc/stat; (0, 0) where unavailable."""
    try:
        ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks) - idle) / CLK_TCK, sum(ticks) / CLK_TCK


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its live children (a WSGI server's workers),
    from Linux /proc; 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            children += (task / "children").read_text().split()
    own = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return own + sum(process_cpu(int(child)) for child in children)


def uvicorn_command(app: str, port: int, *options: str) -> list[str]:
    """One quiet uvicorn process serving ``app`` on loopback ``port``."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--lifespan",
        "off",
        "--log-level",
        "warning",
        *options,
    ]


def start_server(target: str, port: int, redis_url: str, capacity: int = 0) -> subprocess.Popen:
    env = {
        **os.environ,
        "BENCH_LAYER": target,
        "BENCH_REDIS_URL": redis_url,
        "BENCH_PREFIX": f"livechat-bench-{uuid.uuid4().hex[:8]}",
    }
    if capacity:
        env["BENCH_CAPACITY"] = str(capacity)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = uvicorn_command(
        "relay_app:application", port, "--app-dir", str(HERE), "--ws-max-queue", "1024"
    )
    return subprocess.Popen(command, env=env)


async def wait_listening(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server process exited")
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise RuntimeError(f"nothing listens on port {port}")


async def open_sockets(openers: list, result: Result, batch: int) -> list:
    """Open the sockets ``batch`` at a time, as real visitors arrive, not all in one instant;
    a socket that fails counts in ``result.connect_errors`` and stands as None."""
    sockets = []
    for start in range(0, len(openers), batch):
        opened = await asyncio.gather(
            *(open_one() for open_one in openers[start : start + batch]), return_exceptions=True
        )
        for item in opened:
            if isinstance(item, BaseException):
                result.connect_errors += 1
                sockets.append(None)
            else:
                sockets.append(item)
    if result.connect_errors:
        result.note = f"{result.connect_errors} sockets failed to connect"
    return sockets


async def send_at_rate(sockets: list, result: Result, args, frame, *, warm_until: float) -> float:
    """Send ``args.rate`` messages a second for the warm-up and measured time, round-robin over
    the rooms (sockets in pairs) from alternating sides; ``frame(side, sent_at)`` makes each.
    Counts what is sent after ``warm_until``; returns when sending started."""
    rooms = len(sockets) // 2
    started = time.perf_counter()
    interval, n, next_at = 1.0 / args.rate, 0, started
    end = started + args.warmup + args.seconds
    while (now := time.perf_counter()) < end:
        if now < next_at:
            await asyncio.sleep(next_at - now)
        next_at += interval
        room, side = n % rooms, (n // rooms) % 2
        n += 1
        ws = sockets[room * 2 + side]
        if ws is None:
            continue
        sent_at = time.perf_counter()
        text = frame(side, sent_at)
        if sent_at >= warm_until:
            result.sent += 1
        with contextlib.suppress(Exception):
            await ws.send(text)
    return started


async def shut_down(sockets: list, server: subprocess.Popen) -> None:
    await asyncio.gather(*(ws.close() for ws in sockets if ws is not None), return_exceptions=True)
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


async def run_target(target: str, args) -> Result:
    result = Result(target)
    port = free_port()
    server = start_server(target, port, args.redis_url, args.capacity)
    sockets: list = []
    try:
        await wait_listening(port, server)
        openers = [
            partial(
                connect,
                f"ws://127.0.0.1:{port}/room/{room}/",
                open_timeout=30,
                max_queue=None,
                compression=None,
            )
            for room in range(args.rooms)
            for _side in range(2)  # a visitor and a helper
        ]
        sockets = await open_sockets(openers, result, batch=100)

        pending: dict[str, float] = {}
        warm_until = time.perf_counter() + args.warmup

        async def reader(ws, side: int) -> None:
            with contextlib.suppress(Exception):
                async for text in ws:
                    frame = json.loads(text)
                    if frame["from"] == side:
                        continue  # one's own echo
                    sent_at = pending.pop(frame["id"], None)
                    if sent_at is not None and sent_at >= warm_until:
                        result.latencies.append(time.perf_counter() - sent_at)

        ids = itertools.count()

        def message(side: int, sent_at: float) -> str:
            message_id = str(next(ids))
            pending[message_id] = sent_at
            return json.dumps({"id": message_id, "from": side, "body": "x" * 40})

        readers = [
            asyncio.create_task(reader(ws, index % 2))
            for index, ws in enumerate(sockets)
            if ws is not None
        ]
        result.start_usage([server.pid])
        started = await send_at_rate(sockets, result, args, message, warm_until=warm_until)
        # Let the last messages arrive.
        await asyncio.sleep(min(2.0, args.seconds))
        result.seconds = time.perf_counter() - started
        result.stop_usage()
        for task in readers:
            task.cancel()
    finally:
        await shut_down(sockets, server)
    return result


def report(results: list[Result], args) -> str:
    base = next((r for r in results if r.target == "none" and r.latencies), None)
    lines = [
        f"{args.rooms} rooms ({args.rooms * 2} sockets), {args.rate} msg/s for {args.seconds:g} s "
        f"after {args.warmup:g} s warm-up, one uvicorn process, loopback"
        + (f", RedisChannelLayer capacity {args.capacity}" if args.capacity else ""),
        "",
        f"{'layer':<26}{'recv/sent':>12}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'p50 x':>8}{'p99 x':>8}{'cpu s':>8}",
    ]
    for r in results:
        if r.note and not r.latencies:
            lines.append(f"{LABELS[r.target]:<26}  {r.note}")
            continue
        p50, p99 = r.percentile(0.50) * 1000, r.percentile(0.99) * 1000
        top = max(r.latencies) * 1000 if r.latencies else float("nan")
        if base is not None:
            x50 = f"{p50 / (base.percentile(0.5) * 1000):.2f}"
            x99 = f"{p99 / (base.percentile(0.99) * 1000):.2f}"
        else:
            x50 = x99 = "-"
        lines.append(
            f"{LABELS[r.target]:<26}{f'{r.received}/{r.sent}':>12}{p50:>9.2f}{p99:>9.2f}"
            f"{top:>9.1f}{x50:>8}{x99:>8}{r.cpu_seconds:>8.1f}"
        )
        if r.note:
            lines.append(f"{'':<26}  {r.note}")
    lines.append("")
    lines.append("p50 x / p99 x: ratio to the baseline measured in this run.")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=200, help="chat rooms (2 sockets each)")
    parser.add_argument("--rate", type=float, default=200, help="messages per second, in all")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per target")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds first")
    parser.add_argument("--targets", default=",".join(TARGETS), help=", ".join(TARGETS))
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument(
        "--capacity",
        type=int,
        default=0,
        help="RedisChannelLayer capacity (0: its default, 100, shared by all of a process's "
        "sockets; past it messages are dropped)",
    )
    args = parser.parse_args(argv)
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    if not 1 <= args.rooms <= 5000 or not 0 < args.rate <= 5000 or not 0 < args.seconds <= 120:
        parser.error("keep it bounded: 1-5000 rooms, up to 5000 msg/s, up to 120 s")
    return args


async def run(args) -> list[Result]:
    results = []
    redis_ok = redis_answers(args.redis_url)
    for target in args.targets:
        if target in ("redis", "pubsub") and not redis_ok:
            results.append(Result(target, note=f"skipped: no Redis at {args.redis_url}"))
            continue
        print(f"measuring {LABELS[target]}...", file=sys.stderr, flush=True)
        results.append(await run_target(target, args))
    return results


def main(argv=None) -> int:
    args = parse_args(argv)
    results = asyncio.run(run(args))
    print(report(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
