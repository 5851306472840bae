"""Tool execution overhead: a direct upstream call vs the same call through Valetkey.

    python benchmarks/execute.py [--json] [--requests-c1 N] [--requests-c32 N]

Starts, on loopback and in this order:

1. a minimal upstream (raw asyncio HTTP/1.1, keep-alive) in a child process;
2. a real `valetkey serve` on SQLite in a temporary VALETKEY_HOME, with a
   one-tool benchmark toolkit (BENCH_GET_ITEM -> GET {upstream}/items/{id})
   loaded through VALETKEY_CATALOG_DIRS and a project from
   `valetkey projects create bench --json`;

then measures, at concurrency 1 and 32, `GET /items/7` straight to the
upstream, `POST /api/v3.1/tools/execute/BENCH_GET_ITEM` through Valetkey, and
the same tool through a session (`POST /api/v3.1/tool_router/session/{id}/execute`).
`--py-spy OUT` records the server with py-spy during the c=32 REST run
(`benchmarks/profile_summary.py OUT` summarizes it).
The load generator is a small raw keep-alive HTTP client (one connection per
worker), so the client's own cost stays small next to what it measures.
Everything stops by itself; request counts are bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

TOOLKIT_YAML = """\
slug: bench
name: Bench
description: Benchmark toolkit; its one tool calls the benchmark upstream.
logo: https://example.invalid/bench.svg
categories: [developer-tools]
base_url: {upstream}
versions: [20250101_00]
"""
TOOLS_YAML = """\
- slug: BENCH_GET_ITEM
  name: Get item
  description: Fetches one item from the benchmark upstream by id, as a GET with the id in the path.
  tags: [readOnlyHint]
  input:
    type: object
    properties:
      item_id: {type: string, description: Id of the item.}
      verbose: {type: boolean, description: Ask for more detail.}
    required: [item_id]
  output:
    type: object
    properties:
      id: {type: string}
  http:
    method: GET
    path: /items/{item_id}
"""
UPSTREAM_BODY = b'{"id":"7","name":"benchmark item","tags":["a","b"],"open":true}'


# --- the upstream -----------------------------------------------------------


class _UpstreamProtocol(asyncio.Protocol):
    """Answers every request with the same small JSON body; keep-alive; GET only."""

    response = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
        + str(len(UPSTREAM_BODY)).encode()
        + b"\r\n\r\n"
        + UPSTREAM_BODY
    )

    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            _, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            self.transport.write(self.response)


def serve_upstream(port: int) -> None:
    _use_uvloop()
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(_UpstreamProtocol, "127.0.0.1", port, backlog=1024))
    try:
        loop.run_forever()
    finally:
        server.close()


# --- the load generator -------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection sending a fixed request."""

    def __init__(self, port: int, request: bytes):
        self.port, self.request = port, request

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def call(self) -> int:
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


async def create_session(port: int, api_key: str) -> str:
    """A tool-router session for the benchmark user (`POST /api/v3.1/tool_router/session`)."""
    body = json.dumps({"user_id": "bench-user"}).encode()
    request = http_request(
        "POST",
        "/api/v3.1/tool_router/session",
        {"x-api-key": api_key, "content-type": "application/json"},
        body,
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line[15:]) for line in head.split(b"\r\n") if line[:15].lower() == b"content-length:")
    payload = json.loads(await reader.readexactly(length))
    writer.close()
    if int(head[9:12]) != 201:
        raise SystemExit(f"could not create the benchmark session: {payload}")
    return payload["session_id"]


def http_request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    if body:
        lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Run:
    target: str
    concurrency: int
    requests: int
    p50_ms: float
    p99_ms: float
    per_second: float
    errors: int
    # CPU time (user + system) the measured process spent per request: steadier than
    # latency on a busy machine, where the wall clock also counts other processes' time.
    cpu_ms_per_request: float | None = None


def cpu_seconds(pid: int | None) -> float | None:
    """User plus system CPU time of process `pid`, from /proc (None where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    target: str, port: int, request: bytes, concurrency: int, total: int, warmup: int, pid: int | None = None
) -> Run:
    connections = [Connection(port, request) for _ in range(concurrency)]
    await asyncio.gather(*(c.open() for c in connections))
    latencies: list[float] = []
    errors = 0

    async def worker(conn: Connection, count: int, record: bool) -> None:
        nonlocal errors
        for _ in range(count):
            started = time.perf_counter()
            status = await conn.call()
            if record:
                latencies.append((time.perf_counter() - started) * 1000)
                errors += status != 200

    await asyncio.gather(*(worker(c, max(1, warmup // concurrency), False) for c in connections))
    started, cpu_before = time.perf_counter(), cpu_seconds(pid)
    await asyncio.gather(*(worker(c, total // concurrency, True) for c in connections))
    elapsed, cpu_after = time.perf_counter() - started, cpu_seconds(pid)
    for c in connections:
        c.close()
    latencies.sort()
    return Run(
        target,
        concurrency,
        len(latencies),
        round(statistics.median(latencies), 3),
        round(latencies[int(len(latencies) * 0.99) - 1], 3),
        round(len(latencies) / elapsed, 1),
        errors,
        round((cpu_after - cpu_before) * 1000 / len(latencies), 3) if cpu_before is not None else None,
    )


# --- orchestration --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"process exited early with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listening on {port} after {seconds}s")


def valetkey_command() -> list[str]:
    exe = shutil.which("valetkey", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "valetkey"]


def run_benchmark(args: argparse.Namespace) -> dict:
    home = Path(tempfile.mkdtemp(prefix="valetkey-bench-"))
    processes: list[subprocess.Popen] = []
    try:
        upstream_port, server_port = free_port(), free_port()
        upstream = subprocess.Popen([sys.executable, __file__, "--serve-upstream", str(upstream_port)])
        processes.append(upstream)
        toolkit_dir = home / "toolkits" / "bench"
        toolkit_dir.mkdir(parents=True)
        (toolkit_dir / "toolkit.yaml").write_text(
            TOOLKIT_YAML.format(upstream=f"http://127.0.0.1:{upstream_port}")
        )
        (toolkit_dir / "tools.yaml").write_text(TOOLS_YAML)
        env = {
            **os.environ,
            "VALETKEY_HOME": str(home),
            "VALETKEY_CATALOG_DIRS": str(home / "toolkits"),
            "VALETKEY_RATE_LIMIT": "0",  # measure execution, not the limiter's 429s
            "VALETKEY_LOG_LEVEL": "WARNING",  # no per-request access log line
            "VALETKEY_EGRESS_ALLOW": f"127.0.0.1:{upstream_port}",  # the loopback upstream (docs/egress.md)
        }
        env.pop("VALETKEY_DATABASE_URL", None)
        created = subprocess.run(
            [*valetkey_command(), "projects", "create", "bench", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        api_key = json.loads(created.stdout)["api_key"]
        server = subprocess.Popen(
            [*valetkey_command(), "serve", "--port", str(server_port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=None if args.verbose else subprocess.DEVNULL,
        )
        processes.append(server)
        wait_for_port(upstream_port, upstream)
        wait_for_port(server_port, server)
        return asyncio.run(_measure_all(args, upstream_port, server_port, api_key, server.pid))
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(home, ignore_errors=True)


async def _measure_all(args, upstream_port: int, server_port: int, api_key: str, server_pid: int) -> dict:
    direct = http_request("GET", "/items/7", {"accept": "application/json"})
    body = json.dumps(
        {"arguments": {"item_id": "7", "verbose": True}, "user_id": "bench-user", "version": "20250101_00"}
    ).encode()
    via = http_request(
        "POST",
        "/api/v3.1/tools/execute/BENCH_GET_ITEM",
        {"x-api-key": api_key, "content-type": "application/json"},
        body,
    )
    session_id = await create_session(server_port, api_key)
    in_session = http_request(
        "POST",
        f"/api/v3.1/tool_router/session/{session_id}/execute",
        {"x-api-key": api_key, "content-type": "application/json"},
        json.dumps({"tool_slug": "BENCH_GET_ITEM", "arguments": {"item_id": "7", "verbose": True}}).encode(),
    )
    runs: list[Run] = []
    for concurrency, total in ((1, args.requests_c1), (32, args.requests_c32)):
        warmup = max(200, total // 10)
        runs.append(await measure("direct", upstream_port, direct, concurrency, total, warmup))
        profiler = start_profiler(args.py_spy, server_pid) if concurrency == 32 and args.py_spy else None
        runs.append(await measure("valetkey", server_port, via, concurrency, total, warmup, server_pid))
        if profiler:
            stop_profiler(profiler)
        runs.append(await measure("session", server_port, in_session, concurrency, total, warmup, server_pid))
    summary = []
    for concurrency in (1, 32):
        d, v, sv = (
            next(r for r in runs if r.target == t and r.concurrency == concurrency)
            for t in ("direct", "valetkey", "session")
        )
        summary.append(
            {
                "concurrency": concurrency,
                "overhead_p50_ms": round(v.p50_ms - d.p50_ms, 3),
                "p50_ratio": round(v.p50_ms / d.p50_ms, 2),
                "p99_ratio": round(v.p99_ms / d.p99_ms, 2),
                "throughput_ratio": round(v.per_second / d.per_second, 3),
                # Issue 15's goal: a session execute costs at most 1.2x the REST execute's overhead.
                "session_cpu_ratio": round(sv.cpu_ms_per_request / v.cpu_ms_per_request, 2)
                if sv.cpu_ms_per_request and v.cpu_ms_per_request
                else None,
                "session_overhead_ratio": round((sv.p50_ms - d.p50_ms) / max(v.p50_ms - d.p50_ms, 1e-6), 2),
            }
        )
    return {"runs": [asdict(r) for r in runs], "summary": summary, "conditions": _conditions()}


def start_profiler(out: str, pid: int) -> subprocess.Popen:
    """py-spy (a bench-only tool: `pip install py-spy`) sampling the server, collapsed stacks to `out`."""
    exe = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
    proc = subprocess.Popen(
        [exe, "record", "--pid", str(pid), "--format", "raw", "--rate", "250", "--nonblocking", "-o", out],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # py-spy attaches
    return proc


def stop_profiler(proc: subprocess.Popen) -> None:
    import signal

    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def _conditions() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "loadavg_after": load,
        "database": "sqlite",
        "server": "valetkey serve (1 worker, uvicorn)",
    }


def print_table(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Tool execution: direct upstream vs through Valetkey")
    for column in (
        "target",
        "concurrency",
        "requests",
        "p50 ms",
        "p99 ms",
        "req/s",
        "errors",
        "server CPU ms/req",
    ):
        table.add_column(column, justify="right" if column != "target" else "left")
    for r in result["runs"]:
        table.add_row(
            r["target"],
            str(r["concurrency"]),
            str(r["requests"]),
            f"{r['p50_ms']:.3f}",
            f"{r['p99_ms']:.3f}",
            f"{r['per_second']:.0f}",
            str(r["errors"]),
            "" if r.get("cpu_ms_per_request") is None else f"{r['cpu_ms_per_request']:.3f}",
        )
    summary = Table(title="Overhead")
    for column in (
        "concurrency",
        "p50 overhead ms",
        "p50 ratio",
        "p99 ratio",
        "throughput ratio",
        "session/REST CPU",
        "session/REST p50 overhead",
    ):
        summary.add_column(column, justify="right")
    for s in result["summary"]:
        summary.add_row(
            str(s["concurrency"]),
            f"{s['overhead_p50_ms']:.3f}",
            f"{s['p50_ratio']:.2f}x",
            f"{s['p99_ratio']:.2f}x",
            f"{s['throughput_ratio']:.3f}",
            "" if s["session_cpu_ratio"] is None else f"{s['session_cpu_ratio']:.2f}x",
            f"{s['session_overhead_ratio']:.2f}x",
        )
    console = Console()
    console.print(table)
    console.print(summary)
    console.print(f"conditions: {result['conditions']}")


def _use_uvloop() -> None:
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--requests-c1", type=int, default=2000, help="measured requests at concurrency 1")
    parser.add_argument("--requests-c32", type=int, default=10000, help="measured requests at concurrency 32")
    parser.add_argument("--verbose", action="store_true", help="show the server's stderr")
    parser.add_argument(
        "--py-spy", metavar="OUT", help="record the server with py-spy during the c=32 run (collapsed stacks)"
    )
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_upstream:
        serve_upstream(args.serve_upstream)
        return
    _use_uvloop()
    result = run_benchmark(args)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
