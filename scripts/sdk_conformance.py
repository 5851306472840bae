"""SDK conformance: does Valetkey route every endpoint the installed `composio` SDK's models call?

    PYTHONPATH=src python scripts/sdk_conformance.py [--json] [--by-method]
    PYTHONPATH=.sdk/composio-0.30.0:src python scripts/sdk_conformance.py   # another SDK version

Reads the SDK's source (`sdk_reading.py`: each public model method and the `composio_client`
operations it reaches), builds Valetkey's app (`create_app()`, on a throwaway database) and
matches every endpoint against its route table the way the router does (`/api/v3/...` is
served as `/api/v3.1/...`). An endpoint is

- ``routed``: the route the router picks has the SDK's template (a route with a parameter
  where the SDK has a literal segment, ``/tools/{tool_slug}`` for ``/tools/enum``, does not
  count: the call would reach the wrong handler);
- ``cloud-only``: routed to a handler that answers the documented error object with a
  `suggested_fix`, because the endpoint means something only Composio's cloud has;
- ``allowed``: not routed, for a reason in `ALLOWED` below;
- ``GAP``: not routed. The command exits 1 when any endpoint is a gap.

It prints a table, then the counts before (the gaps measured when issue 10 was filed, in
`sdk_conformance_baseline.json`) and now, with the gaps closed and opened since.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from sdk_reading import Endpoint, Use, public_uses, read_sdk, template_key

BASELINE = Path(__file__).with_name("sdk_conformance_baseline.json")
CLOUD_ONLY_TAG = "cloud-only"  # the tag routes answering the cloud-only error object carry

# Endpoints Valetkey does not route, on purpose. Keep this short: each needs a reason a reader accepts.
ALLOWED: dict[Endpoint, str] = {
    Endpoint("POST", "/api/v3/internal/sdk/realtime/auth"): (
        "Pusher's private-channel auth: pysher calls it only over a Pusher websocket, which a "
        "self-hosted server cannot open (Pusher's hosted cluster); the call before it, "
        "/internal/sdk/realtime/credentials, is where subscribe() learns that (issue 9)"
    ),
}


@dataclass(frozen=True)
class RouteEntry:
    path: str
    pattern: re.Pattern[str]
    methods: frozenset[str]
    name: str
    cloud_only: bool


@dataclass(frozen=True)
class Verdict:
    endpoint: Endpoint
    status: str  # routed | cloud-only | allowed | GAP
    route: str  # the handler that serves it, or why not
    callers: tuple[str, ...]


def app_routes() -> list[RouteEntry]:
    """Every HTTP route of `create_app()`, in the order the router tries them."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import compile_path

    from valetkey.api.app import create_app
    from valetkey.core.settings import Settings

    logging.disable(logging.WARNING)  # a throwaway home: its generated-keyring warning is noise here
    home = Path(tempfile.mkdtemp(prefix="valetkey-conformance-"))
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'conformance.db'}", log_level="ERROR")
    app = create_app(settings, migrate=False)
    logging.disable(logging.NOTSET)
    entries = []
    for context in iter_route_contexts(app.router.routes):
        if not context.path or not context.methods:
            continue
        tags = getattr(context.original_route, "tags", None) or []
        entries.append(
            RouteEntry(
                path=context.path,
                pattern=compile_path(context.path)[0],
                methods=frozenset(context.methods),
                name=context.name or "",
                cloud_only=CLOUD_ONLY_TAG in tags,
            )
        )
    return entries


def _sample(template: str) -> str:
    """A concrete path for a template: each parameter becomes a value no literal segment equals."""
    return re.sub(r"\{[^}]*\}", "x1sample", re.sub(r"^/api/v3/", "/api/v3.1/", template))


def judge(endpoint: Endpoint, routes: list[RouteEntry], callers: tuple[str, ...]) -> Verdict:
    path = _sample(endpoint.path)
    matched = next((r for r in routes if endpoint.method in r.methods and r.pattern.match(path)), None)
    if matched is not None and template_key(matched.path) == template_key(endpoint.path):
        status = "cloud-only" if matched.cloud_only else "routed"
        return Verdict(endpoint, status, matched.name, callers)
    if endpoint in ALLOWED:
        return Verdict(endpoint, "allowed", ALLOWED[endpoint], callers)
    if matched is not None:
        return Verdict(endpoint, "GAP", f"caught by {matched.path} ({matched.name})", callers)
    other = [r for r in routes if r.pattern.match(path)]
    why = "no route" if not other else "method not allowed (" + ", ".join(sorted(other[0].methods)) + ")"
    return Verdict(endpoint, "GAP", why, callers)


def check(uses: list[Use], routes: list[RouteEntry]) -> list[Verdict]:
    callers: dict[Endpoint, list[str]] = {}
    for use in uses:
        callers.setdefault(use.endpoint, []).append(use.caller)
    return [judge(e, routes, tuple(sorted(c))) for e, c in sorted(callers.items())]


def sdk_uses(all_operations: bool = False) -> tuple[str, list[Use]]:
    """The installed SDK's version and every (public method, endpoint) pair its models have; with
    `all_operations`, also each `composio_client` operation no model calls, under its accessor."""
    import composio
    from composio_client._operations import OPERATIONS

    operations = [(op.method, op.path, op.chain) for op in OPERATIONS]
    uses = public_uses(read_sdk(Path(composio.__file__).parent, operations))
    if all_operations:
        called = {u.endpoint for u in uses}
        for method, path, chain in operations:
            endpoint = Endpoint(method.upper(), path)
            if endpoint not in called:
                uses.append(Use("[client] " + ".".join(chain), endpoint))
    return metadata.version("composio"), uses


def _caller_summary(callers: tuple[str, ...], limit: int = 3) -> str:
    shown = ", ".join(c.removeprefix("composio.") for c in callers[:limit])
    return shown + (f" (+{len(callers) - limit})" if len(callers) > limit else "")


def render_table(verdicts: list[Verdict]) -> str:
    rows = [("status", "method", "path", "served by / why not", "SDK callers")]
    for v in verdicts:
        route = v.route if len(v.route) < 60 else v.route[:57] + "..."
        rows.append((v.status, v.endpoint.method, v.endpoint.path, route, _caller_summary(v.callers)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(r)) for r in rows]
    return "\n".join(lines)


def render_by_method(uses: list[Use], verdicts: list[Verdict]) -> str:
    status = {v.endpoint: v.status for v in verdicts}
    methods: dict[str, list[Endpoint]] = {}
    for use in uses:
        methods.setdefault(use.caller, []).append(use.endpoint)
    lines = []
    for caller in sorted(methods):
        parts = [f"{e.method} {e.path} [{status[e]}]" for e in sorted(methods[caller])]
        lines.append(f"{caller}\n    " + "\n    ".join(parts))
    return "\n".join(lines)


def counts(verdicts: list[Verdict]) -> dict[str, int]:
    out = {"endpoints": len(verdicts), "routed": 0, "cloud-only": 0, "allowed": 0, "GAP": 0}
    for v in verdicts:
        out[v.status] += 1
    return out


def baseline_for(version: str) -> dict[str, Any] | None:
    if not BASELINE.exists():
        return None
    data: dict[str, Any] = json.loads(BASELINE.read_text())
    versions: dict[str, Any] = data["versions"]
    return {"measured_at": data["measured_at"], **versions[version]} if version in versions else None


def render_before_after(version: str, verdicts: list[Verdict]) -> str:
    now = counts(verdicts)
    gaps = {f"{v.endpoint.method} {v.endpoint.path}" for v in verdicts if v.status == "GAP"}
    line = (
        f"now: {now['routed'] + now['cloud-only']} of {now['endpoints']} endpoints routed "
        f"({now['cloud-only']} of them cloud-only errors), {now['allowed']} allowed, {now['GAP']} gaps"
    )
    before = baseline_for(version)
    if before is None:
        return f"composio {version}: no baseline recorded\n{line}"
    old_gaps = set(before["gaps"])
    text = [
        f"composio {version}",
        f"before ({before['measured_at']}): {before['routed']} of {before['endpoints']} endpoints routed, "
        f"{len(before['allowed'])} allowed, {len(old_gaps)} gaps",
        line,
    ]
    if old_gaps - gaps:
        text.append(f"closed since ({len(old_gaps - gaps)}): " + "; ".join(sorted(old_gaps - gaps)))
    if gaps - old_gaps:
        text.append(f"opened since ({len(gaps - old_gaps)}): " + "; ".join(sorted(gaps - old_gaps)))
    return "\n".join(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    parser.add_argument("--by-method", action="store_true", help="list each public SDK method's endpoints")
    parser.add_argument(
        "--all-operations",
        action="store_true",
        help="judge every composio_client operation too, not only those the SDK's models call "
        "(informational: the exit status and the counts stay those of the models' endpoints)",
    )
    args = parser.parse_args(argv)
    version, uses = sdk_uses()
    routes = app_routes()
    verdicts = check(uses, routes)
    if args.all_operations:
        print(render_table(check(sdk_uses(all_operations=True)[1], routes)))
        print()
        print(render_before_after(version, verdicts))
        return 1 if any(v.status == "GAP" for v in verdicts) else 0
    if args.json:
        report = {
            "sdk_version": version,
            "counts": counts(verdicts),
            "gaps": [f"{v.endpoint.method} {v.endpoint.path}" for v in verdicts if v.status == "GAP"],
            "endpoints": [
                {
                    "method": v.endpoint.method,
                    "path": v.endpoint.path,
                    "status": v.status,
                    "route": v.route,
                    "callers": list(v.callers),
                }
                for v in verdicts
            ],
        }
        print(json.dumps(report, indent=2))
    else:
        print(render_by_method(uses, verdicts) if args.by_method else render_table(verdicts))
        print()
        print(render_before_after(version, verdicts))
    return 1 if any(v.status == "GAP" for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
