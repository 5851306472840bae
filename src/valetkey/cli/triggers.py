"""`valetkey triggers listen`: a project's events as they happen, printed and optionally forwarded.

The SDK's `triggers.subscribe()` needs Composio's hosted Pusher channel; this is
the self-hosted way to watch events during development. It reads the server's
``GET /api/v3/webhook_events/stream`` (server-sent events: every event of the
project, whether a subscription takes it or not) and, with ``--forward URL``,
posts each one to URL signed exactly as a delivery is (Standard Webhooks
headers, ``x-composio-webhook-version: V3``) with ``--secret`` (default:
``COMPOSIO_WEBHOOK_SECRET``, else one generated and printed), so the app's
`verify_webhook` code runs unchanged.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterator

import httpx
import typer
from rich.console import Console

from valetkey.webhooks.payloads import headers as signed_headers

app = typer.Typer(no_args_is_help=True, help="Watch trigger events during development.")
console = Console(stderr=True)


def sse_events(response: httpx.Response) -> Iterator[tuple[str, str, str]]:
    """(id, event type, data) of each server-sent event in `response`."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if not line:
            if "data" in fields:
                yield fields.get("id", ""), fields.get("event", "message"), fields["data"]
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


def forward_event(client: httpx.Client, url: str, secret: str, event_id: str, body: str) -> int:
    stamp = int(time.time())
    answer = client.post(
        url, content=body.encode(), headers=signed_headers(event_id, stamp, body, [secret], "V3")
    )
    return answer.status_code


def listen_events(
    server: str,
    api_key: str,
    forward: str | None,
    secret: str,
    *,
    limit: int | None = None,
    out: Console = console,
) -> int:
    """Stream events until interrupted (or `limit` events); returns how many were seen."""
    seen = 0
    with httpx.Client(timeout=httpx.Timeout(30, read=None)) as client:
        url = server.rstrip("/") + "/api/v3/webhook_events/stream"
        with client.stream(
            "GET", url, headers={"x-api-key": api_key, "accept": "text/event-stream"}
        ) as response:
            if response.status_code != 200:
                response.read()
                raise SystemExit(f"{url} answered {response.status_code}: {response.text[:500]}")
            for event_id, kind, data in sse_events(response):
                seen += 1
                payload = json.loads(data)
                slug = payload.get("metadata", {}).get("trigger_slug", "")
                line = f"{payload.get('timestamp', '')} {kind} {slug} {event_id}"
                if forward:
                    try:
                        status = forward_event(client, forward, secret, event_id, data)
                        line += f" -> {forward} {status}"
                    except httpx.HTTPError as exc:
                        line += f" -> {forward} failed: {type(exc).__name__}"
                out.print(line, highlight=False)
                if not forward:
                    out.print_json(data)
                if limit is not None and seen >= limit:
                    break
    return seen


@app.command("listen")
def listen(
    forward: str = typer.Option(None, "--forward", help="POST each event here, signed like a real delivery."),
    server: str = typer.Option(
        None, "--server", help="The Valetkey server (default: VALETKEY_PUBLIC_URL or http://127.0.0.1:8000)."
    ),
    api_key: str = typer.Option(None, "--api-key", envvar="COMPOSIO_API_KEY", help="The project's API key."),
    secret: str = typer.Option(
        None, "--secret", envvar="COMPOSIO_WEBHOOK_SECRET", help="Secret to sign forwarded events with."
    ),
) -> None:
    """Stream a project's events as they arrive; with --forward, deliver them to a local receiver."""
    if not api_key:
        raise SystemExit("Pass --api-key (or set COMPOSIO_API_KEY) with the project's API key")
    base = server or os.environ.get("VALETKEY_PUBLIC_URL") or "http://127.0.0.1:8000"
    if forward and not secret:
        secret = secrets.token_urlsafe(32)
        console.print(f"signing forwarded events with the generated secret: {secret}")
    try:
        listen_events(base, api_key, forward, secret or "")
    except KeyboardInterrupt:
        pass
