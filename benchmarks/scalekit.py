"""The Scalekit origin's cost: the token call, and a gRPC call through the ALPN front vs. straight to grpcio.

    python benchmarks/scalekit.py [--json] [--rounds N]

Starts `valetkey serve` (one process, SQLite in a temporary home) with
VALETKEY_SCALEKIT_LISTEN on loopback and a certificate authority made here, issues
client credentials with the CLI, then measures from this process:

- `token_ms`: POST /oauth/token as the SDK sends it (`requests`, a new TLS connection
  each time, as the SDK's client does), median;
- `grpc_front_ms`: one unary call (`ToolService.ListScopedTools` for a user with no
  accounts: authentication, one query) on a kept-open TLS channel through the front;
- `grpc_direct_ms`: the same call on a plaintext channel straight to the gRPC server's
  Unix socket (what the front costs is the difference; the socket is the server's own,
  found under the temporary folder it made);
- `execute_ms`: `ToolService.ExecuteTool` of a no-auth tool is not measured: every tool
  reaches an upstream, whose latency would dominate (benchmarks/execute.py measures that).

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _median_ms(fn, rounds: int) -> float:
    for _ in range(3):  # warm up
        fn()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    # This file is named like the SDK's package: its folder must not shadow it.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.path.insert(0, str(REPO))
    import grpc
    import httpx
    import requests
    from scalekit.v1.tools import tools_pb2, tools_pb2_grpc

    from tests.support.tls import make_local_tls

    home = Path(tempfile.mkdtemp(prefix="valetkey-bench-scalekit-"))
    tls = make_local_tls(home / "tls")
    port, origin = _free_port(), _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VALETKEY_")},
        "PYTHONPATH": str(REPO / "src"),
        "VALETKEY_HOME": str(home / "home"),
        "VALETKEY_LOG_LEVEL": "WARNING",
        "VALETKEY_SCALEKIT_LISTEN": f"127.0.0.1:{origin}",
        "VALETKEY_TLS_CERT": str(tls.cert),
        "VALETKEY_TLS_KEY": str(tls.key),
        "TMPDIR": str(home),  # the server's private socket folder lands here, where this script finds it
    }
    before = set(glob.glob(str(home / "valetkey-scalekit-*")))
    server = subprocess.Popen(
        [sys.executable, "-m", "valetkey", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(3000):
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)

        def cli(*argv: str) -> dict:
            out = subprocess.run(
                [sys.executable, "-m", "valetkey", *argv], env=env, capture_output=True, text=True, check=True
            )
            return json.loads(out.stdout)

        project = cli("projects", "create", "bench", "--json")
        pair = cli("projects", "credentials", project["id"], "--json")
        url = f"https://127.0.0.1:{origin}"
        form = {"grant_type": "client_credentials", **pair}

        def token() -> str:
            answer = requests.post(url + "/oauth/token", data=form, verify=str(tls.ca), timeout=10)
            answer.raise_for_status()
            return answer.json()["access_token"]

        access = token()
        request = tools_pb2.ListScopedToolsRequest(identifier="nobody")
        metadata = (("authorization", f"Bearer {access}"),)
        creds = grpc.ssl_channel_credentials(root_certificates=tls.ca.read_bytes())
        front = grpc.secure_channel(f"127.0.0.1:{origin}", creds)
        socket_dir = next(iter(set(glob.glob(str(home / "valetkey-scalekit-*"))) - before))
        direct = grpc.insecure_channel(f"unix:{socket_dir}/grpc.sock")
        via_front = tools_pb2_grpc.ToolServiceStub(front).ListScopedTools
        via_socket = tools_pb2_grpc.ToolServiceStub(direct).ListScopedTools
        figures = {
            "token_ms": _median_ms(token, max(args.rounds // 4, 10)),
            "grpc_front_ms": _median_ms(
                lambda: via_front(request, metadata=metadata, timeout=10), args.rounds
            ),
            "grpc_direct_ms": _median_ms(
                lambda: via_socket(request, metadata=metadata, timeout=10), args.rounds
            ),
            "rounds": args.rounds,
            "cpus": os.cpu_count(),
        }
        figures["front_cost_ms"] = round(figures["grpc_front_ms"] - figures["grpc_direct_ms"], 3)
        front.close()
        direct.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:16} {value}")


if __name__ == "__main__":
    main()
