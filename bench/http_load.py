"""HTTP load on loopback for the benches: ``wrk`` when it is installed (``apt-get install wrk``),
else a small asyncio generator with keep-alive connections. Both hold ``connections`` requests
in flight for a fixed time and report requests per second and latency percentiles.

The Python generator competes with the server for CPU on a small machine, so its figures are
lower than wrk's; the ratio to the baseline measured the same way in the same run still holds.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass
class Load:
    label: str
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    tool: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()
    return float(number) * UNITS[unit]


def run_wrk(label: str, url: str, *, connections: int, seconds: float, headers: dict) -> Load:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(int(seconds), 1)}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    load = Load(label, tool="wrk")
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    load.requests = int(total.group(1))
    load.seconds = _ms(total.group(2) + total.group(3)) / 1000
    percent = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    load.p50_ms, load.p99_ms = _ms(percent["50"]), _ms(percent["99"])
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    load.errors = (int(bad.group(1)) if bad else 0) + (
        sum(int(n) for n in errors.groups()) if errors else 0
    )
    return load


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1, enough for the bench's requests."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, *, headers: dict | None = None, body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method != "GET":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed by the server")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _sep, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        if chunked:
            content = b""
            while size := int((await self.reader.readline()).strip() or b"0", 16):
                content += await self.reader.readexactly(size + 2)
            await self.reader.readline()
        else:
            content = await self.reader.readexactly(length)
        if close:
            self.close()
        return status, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def run_python(
    label: str, port: int, path: str, *, connections: int, seconds: float, headers: dict
) -> Load:
    load = Load(label, tool="python")
    end = time.perf_counter() + seconds

    async def worker() -> None:
        conn = Connection(port)
        while time.perf_counter() < end:
            started = time.perf_counter()
            try:
                status, _content = await conn.request("GET", path, headers=headers)
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                conn.close()
                load.errors += 1
                continue
            load.latencies_ms.append((time.perf_counter() - started) * 1000)
            if status >= 400:
                load.errors += 1
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _n in range(connections)))
    load.seconds = time.perf_counter() - started
    load.requests = len(load.latencies_ms)
    ordered = sorted(load.latencies_ms)
    if ordered:
        load.p50_ms = ordered[len(ordered) // 2]
        load.p99_ms = ordered[min(int(len(ordered) * 0.99), len(ordered) - 1)]
    return load


async def measure(
    label: str, port: int, path: str, *, connections: int, seconds: float, headers: dict
) -> Load:
    """``connections`` requests in flight against ``path`` for ``seconds``; wrk if present."""
    if shutil.which("wrk"):
        url = f"http://127.0.0.1:{port}{path}"
        return await asyncio.to_thread(
            run_wrk, label, url, connections=connections, seconds=seconds, headers=headers
        )
    return await run_python(
        label, port, path, connections=connections, seconds=seconds, headers=headers
    )


def table(loads: list[Load], baseline: Load) -> str:
    """The figures, each with its ratio of requests/s to the baseline of the same run."""
    lines = [
        f"{'request':<44}{'req/s':>9}{'x base':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}",
    ]
    for load in loads:
        ratio = load.rate / baseline.rate if baseline.rate else float("nan")
        lines.append(
            f"{load.label:<44}{load.rate:>9.0f}{ratio:>8.2f}{load.p50_ms:>9.2f}"
            f"{load.p99_ms:>9.2f}{load.errors:>8}"
        )
    return "\n".join(lines)
