"""Webhook pipeline: ingress-to-delivery latency and deliveries per second to a loopback receiver.

    python benchmarks/webhooks.py [--json] [--database-url URL] [--workers N] [--events N] [--bulk N]

Starts, on loopback:

1. a receiver (raw asyncio HTTP/1.1, keep-alive) in a child process, answering
   200 and timing every delivery;
2. a stand-in for GitHub's hooks API (the trigger's hook registration);
3. a real `valetkey serve` (SQLite in a temporary VALETKEY_HOME, or
   `--database-url`), plus `--workers` `valetkey worker` processes;

then a GitHub star trigger is created through the API and measured twice:

- latency: `--events` signed GitHub deliveries to the trigger's ingress URL, one
  every 20 ms; for each, the time from sending the ingress request to the
  receiver getting the signed webhook (p50, p99);
- throughput: `--bulk` events written to the outbox in one transaction; the
  deliveries per second from the first to the last one the receiver gets.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the receiver (child process) -------------------------------------------------------------


def serve_receiver(port: int) -> None:
    arrivals: dict[str, float] = {}
    sent: dict[str, float] = {}

    class Handler(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport, self.buffer = transport, b""

        def data_received(self, data):
            self.buffer += data
            while b"\r\n\r\n" in self.buffer:
                head, rest = self.buffer.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
                length = int(headers.get("content-length", "0"))
                if len(rest) < length:
                    return
                body, self.buffer = rest[:length], rest[length:]
                if lines[0].startswith("GET /stats"):
                    payload = json.dumps({"arrivals": arrivals, "sent": sent}).encode()
                else:
                    now = time.time()
                    webhook_id = headers.get("webhook-id", "")
                    arrivals.setdefault(webhook_id, now)
                    try:
                        data = json.loads(body)["data"]
                        if "starred_by" in data and data["starred_by"].startswith("t"):
                            sent[webhook_id] = float(data["starred_by"][1:])
                    except (ValueError, KeyError, TypeError):
                        pass
                    payload = b"ok"
                self.transport.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: "
                    + str(len(payload)).encode()
                    + b"\r\n\r\n"
                    + payload
                )

    async def main():
        server = await asyncio.get_running_loop().create_server(Handler, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# -- GitHub's hooks API, just what registration calls ----------------------------------------------


class Hooks:
    def __init__(self) -> None:
        self.url = ""
        self.secret = ""

    def start(self) -> int:
        import uvicorn
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def user(request: Request):
            return JSONResponse({"login": "bench"})

        async def create(request: Request):
            body = await request.json()
            self.url, self.secret = body["config"]["url"], body["config"]["secret"]
            return JSONResponse({"id": 1}, status_code=201)

        port = free_port()
        app = Starlette(
            routes=[Route("/user", user), Route("/repos/{o}/{r}/hooks", create, methods=["POST"])]
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        threading.Thread(target=uvicorn.Server(config).run, daemon=True).start()
        return port


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listening on {port} after {seconds}s")


def valetkey_command() -> list[str]:
    exe = shutil.which("valetkey", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "valetkey"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(args: argparse.Namespace) -> dict:
    home = Path(tempfile.mkdtemp(prefix="valetkey-bench-webhooks-"))
    processes: list[subprocess.Popen] = []
    try:
        receiver_port, server_port = free_port(), free_port()
        processes.append(subprocess.Popen([sys.executable, __file__, "--serve-receiver", str(receiver_port)]))
        hooks = Hooks()
        hooks_port = hooks.start()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("VALETKEY_")},
            "VALETKEY_HOME": str(home),
            "VALETKEY_PUBLIC_URL": f"http://127.0.0.1:{server_port}",
            "VALETKEY_RATE_LIMIT": "0",
            "VALETKEY_LOG_LEVEL": "WARNING",
            "VALETKEY_WEBHOOK_ALLOW_PRIVATE": "1",
            "VALETKEY_EGRESS_ALLOW": f"127.0.0.1:{hooks_port}",
        }
        if args.database_url:
            env["VALETKEY_DATABASE_URL"] = args.database_url
        created = subprocess.run(
            [*valetkey_command(), "projects", "create", "bench", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        api_key = json.loads(created.stdout)["api_key"]
        project_id = json.loads(created.stdout)["id"]
        processes.append(
            subprocess.Popen([*valetkey_command(), "serve", "--port", str(server_port)], env=env)
        )
        for _ in range(args.workers):
            processes.append(
                subprocess.Popen([*valetkey_command(), "worker"], env=env, stderr=subprocess.DEVNULL)
            )
        wait_for_port(receiver_port)
        wait_for_port(server_port)
        base = f"http://127.0.0.1:{server_port}/api/v3.1"
        with httpx.Client(base_url=base, headers={"x-api-key": api_key}, timeout=60) as api:
            api.post(
                "/webhook_subscriptions",
                json={
                    "webhook_url": f"http://127.0.0.1:{receiver_port}/hook",
                    "enabled_events": ["composio.trigger.message"],
                },
            ).raise_for_status()
            config = api.post(
                "/auth_configs",
                json={
                    "toolkit": {"slug": "github"},
                    "auth_config": {
                        "type": "use_custom_auth",
                        "auth_scheme": "BEARER_TOKEN",
                        "credentials": {"base_url": f"http://127.0.0.1:{hooks_port}"},
                    },
                },
            )
            config.raise_for_status()
            api.post(
                "/connected_accounts",
                json={
                    "auth_config": {"id": config.json()["auth_config"]["id"]},
                    "connection": {
                        "user_id": "bench",
                        "state": {"authScheme": "BEARER_TOKEN", "val": {"token": "ghp_bench123456"}},
                    },
                },
            ).raise_for_status()
            api.post(
                "/trigger_instances/GITHUB_STAR_ADDED_EVENT/upsert",
                json={"user_id": "bench", "trigger_config": {"owner": "o", "repo": "r"}},
            ).raise_for_status()
        measure_latency(hooks, args.events)
        throughput = measure_throughput(args, env, project_id, receiver_port)
        return {
            "throughput": throughput,
            "conditions": {
                "cpus": os.cpu_count(),
                "python": sys.version.split()[0],
                "database": "postgresql" if args.database_url else "sqlite",
                "processes": f"1 valetkey serve + {args.workers} valetkey worker",
                "loadavg_after": os.getloadavg(),
            },
        }
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(home, ignore_errors=True)


def stats(receiver_port: int) -> dict:
    return httpx.get(f"http://127.0.0.1:{receiver_port}/stats", timeout=30).json()


def measure_latency(hooks: Hooks, events: int) -> None:
    """Send `events` signed GitHub star deliveries, 20 ms apart; the receiver times their webhooks."""
    with httpx.Client(timeout=30) as client:
        for i in range(events):
            t0 = time.time()
            body = json.dumps(
                {
                    "action": "created",
                    "repository": {"id": 1, "full_name": "o/r"},
                    "sender": {"login": f"t{t0:.6f}"},
                }
            ).encode()
            signature = hmac.new(hooks.secret.encode(), body, hashlib.sha256).hexdigest()
            client.post(
                hooks.url,
                content=body,
                headers={
                    "content-type": "application/json",
                    "x-github-event": "star",
                    "x-github-delivery": f"bench-{i}",
                    "x-hub-signature-256": "sha256=" + signature,
                },
            ).raise_for_status()
            time.sleep(0.02)


def summarize_latency(receiver: dict) -> dict:
    samples = [(receiver["arrivals"][k] - sent) * 1000 for k, sent in receiver["sent"].items()]
    return {
        "events": len(samples),
        "p50": round(statistics.median(samples), 1),
        "p99": round(percentile(samples, 0.99), 1),
        "max": round(max(samples), 1),
    }


def measure_throughput(
    args: argparse.Namespace, env: dict[str, str], project_id: str, receiver_port: int
) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(stats(receiver_port)["sent"]) < args.events:
        time.sleep(0.2)
    latency = summarize_latency(stats(receiver_port))
    os.environ.update({k: v for k, v in env.items() if k.startswith("VALETKEY_")})
    from valetkey.core.settings import Settings
    from valetkey.migrations.models import import_all_models
    from valetkey.store.db import Database
    from valetkey.webhooks.outbox import publish

    import_all_models()  # the foreign keys name every feature's tables
    settings = Settings.from_env()
    db = Database(settings.database_url)
    meta = {
        "log_id": "log_bench",
        "trigger_slug": "GITHUB_STAR_ADDED_EVENT",
        "trigger_id": "ti_bench",
        "connected_account_id": "ca_bench",
        "auth_config_id": "ac_bench",
        "user_id": "bench",
    }
    already = len(stats(receiver_port)["arrivals"])
    with db.session() as s:
        ids = [
            publish(
                s, project_id=project_id, event_type="composio.trigger.message", data={"n": i}, metadata=meta
            )
            for i in range(args.bulk)
        ]
    committed = time.time()
    db.dispose()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        seen = stats(receiver_port)["arrivals"]
        if len(seen) - already >= args.bulk:
            break
        time.sleep(0.5)
    times = sorted(seen[i] for i in ids if i in seen)
    span = (times[-1] - times[0]) if len(times) > 1 else float("nan")
    return {
        "latency_ms": latency,
        "bulk_events": args.bulk,
        "delivered": len(times),
        "deliveries_per_second": round((len(times) - 1) / span, 1) if span and span > 0 else None,
        "commit_to_last_delivery_s": round(times[-1] - committed, 2) if times else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=0, help="extra `valetkey worker` processes")
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--bulk", type=int, default=5000)
    parser.add_argument("--serve-receiver", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_receiver:
        serve_receiver(args.serve_receiver)
        return
    result = run(args)
    result["latency_ms"] = result["throughput"].pop("latency_ms")
    if args.json:
        print(json.dumps(result, indent=2))
        return
    lat, thr = result["latency_ms"], result["throughput"]
    print(f"database: {result['conditions']['database']}, {result['conditions']['processes']}")
    print(
        f"ingress -> delivery latency over {lat['events']} events: p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms"
    )
    print(
        f"throughput: {thr['delivered']}/{thr['bulk_events']} delivered, {thr['deliveries_per_second']} deliveries/s "
        f"(commit to last delivery {thr['commit_to_last_delivery_s']} s)"
    )


if __name__ == "__main__":
    main()
