"""What `valetkey.client` adds per call, against a loopback fake that answers instantly.

    python benchmarks/client.py [--calls 2000]

Measures, on one pooled connection: raw `httpx.Client.post` of an execute body, then
`Valetkey.execute_tool` (request building, the retry loop, the typed result) and
`AsyncValetkey.execute_tool`; prints p50/p99 per call and the client's overhead over raw httpx.
Also the cost of rendering a tool in each provider's shape (OpenAI strict included).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.servers import ThreadedServer
from valetkey.client import AsyncValetkey, Tool, Valetkey, to_anthropic, to_mcp, to_openai

ANSWER = {"data": {"login": "octocat"}, "error": None, "successful": True, "log_id": "log_1"}
TOOL = Tool.from_wire(
    {
        "slug": "GITHUB_CREATE_ISSUE",
        "name": "Create an issue",
        "description": "Create an issue",
        "toolkit": {"slug": "github"},
        "input_parameters": {
            "type": "object",
            "properties": {
                "owner": {"type": "string"},
                "repo": {"type": "string"},
                "title": {"type": "string"},
                "labels": {"type": "array", "items": {"type": "string"}},
                "milestone": {"type": "integer", "default": 1},
            },
            "required": ["owner", "repo", "title"],
        },
    }
)


async def _answer(_request: object) -> JSONResponse:
    return JSONResponse(ANSWER)


def _figures(name: str, samples: list[float]) -> tuple[float, float]:
    samples.sort()
    p50 = statistics.median(samples) * 1e6
    p99 = samples[int(len(samples) * 0.99) - 1] * 1e6
    print(f"{name:<34} p50 {p50:8.1f} us   p99 {p99:8.1f} us")
    return p50, p99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    calls = parser.parse_args().calls
    server = ThreadedServer(Starlette(routes=[Route("/{p:path}", _answer, methods=["POST"])])).start()
    body = {"arguments": {}, "identifier": "u", "connection_name": "github"}
    try:
        with httpx.Client(base_url=server.url, headers={"x-api-key": "k"}) as raw:
            for _ in range(100):
                raw.post("/api/v3.1/tools/execute/X", json=body).json()
            samples = []
            for _ in range(calls):
                t = time.perf_counter()
                raw.post("/api/v3.1/tools/execute/X", json=body).json()
                samples.append(time.perf_counter() - t)
            raw_p50, _ = _figures("raw httpx", samples)
        with Valetkey("k", server.url) as vk:
            for _ in range(100):
                vk.execute_tool("X", identifier="u", connection_name="github")
            samples = []
            for _ in range(calls):
                t = time.perf_counter()
                vk.execute_tool("X", identifier="u", connection_name="github")
                samples.append(time.perf_counter() - t)
            sync_p50, _ = _figures("Valetkey.execute_tool", samples)

        async def run_async() -> list[float]:
            async with AsyncValetkey("k", server.url) as avk:
                for _ in range(100):
                    await avk.execute_tool("X", identifier="u", connection_name="github")
                out = []
                for _ in range(calls):
                    t = time.perf_counter()
                    await avk.execute_tool("X", identifier="u", connection_name="github")
                    out.append(time.perf_counter() - t)
                return out

        _figures("AsyncValetkey.execute_tool", asyncio.run(run_async()))
        print(f"{'client overhead over raw httpx':<34} {sync_p50 - raw_p50:8.1f} us (p50, sync)")
    finally:
        server.stop()
    for name, render in (
        ("to_openai(strict=True)", lambda: to_openai(TOOL, strict=True)),
        ("to_anthropic", lambda: to_anthropic(TOOL)),
        ("to_mcp", lambda: to_mcp(TOOL)),
    ):
        t = time.perf_counter()
        for _ in range(calls):
            render()
        print(f"{name:<34} {(time.perf_counter() - t) / calls * 1e6:8.1f} us per tool")


if __name__ == "__main__":
    main()
