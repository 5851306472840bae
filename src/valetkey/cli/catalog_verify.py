"""`valetkey catalog add`'s check: every tool of an imported toolkit, run once against the generic emulator.

Each tool's request is built as the executor builds it (`execution.request.build_request`)
from example arguments for every argument, carries a credential the emulator
issued where the toolkit's first auth scheme places it, and goes to the
toolkit's generic emulator in process; a tool passes when the answer is a 2xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from valetkey.catalog.imports.examples import example_arguments
from valetkey.catalog.model import Toolkit


@dataclass(frozen=True)
class Verdict:
    tool: str
    key: str  # the operation key of import.yaml (operationId, else "METHOD /path")
    ok: bool
    detail: str = ""


def verify(folder: Path, toolkit: Toolkit, keys: dict[str, str]) -> list[Verdict]:
    """A verdict per tool of `toolkit` (in `folder`); `keys` maps tool slugs to operation keys."""
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.testclient import TestClient

    from valetkey.execution.request import build_request
    from valetkey.sandbox.generic import create_generic_app

    app = create_generic_app(folder)
    token = app.issue_token("sandbox-user")
    scheme = toolkit.auth_schemes[0] if toolkit.auth_schemes else None
    root = "http://emulator" + urlsplit(toolkit.base_url.replace("{", "").replace("}", "")).path
    verdicts = []
    with TestClient(Starlette(routes=[Mount("/", routes=app.routes)]), base_url="http://emulator") as client:
        for tool in toolkit.tools:
            if tool.operation is None:
                continue
            request = build_request(tool.operation, root, example_arguments(tool.input_schema))
            headers, query = dict(request.headers), list(request.query)
            placements = scheme.placements if scheme else ()
            if scheme is not None and scheme.mode in ("OAUTH2", "BEARER_TOKEN") and not placements:
                headers["Authorization"] = f"Bearer {token}"
            for placement in placements:
                fields = {f.name: token for f in scheme.account_fields} if scheme else {}
                fields.setdefault("access_token", token)
                try:
                    value = placement.template.format(**fields)
                except (KeyError, IndexError, ValueError):
                    value = token
                if placement.location == "query":
                    query.append((placement.name, value))
                else:
                    headers[placement.name] = value
            if scheme is not None and scheme.mode == "BASIC":
                import base64

                headers["Authorization"] = "Basic " + base64.b64encode(f"sandbox:{token}".encode()).decode()
            url = request.url.replace(
                urlsplit(request.url).scheme + "://" + urlsplit(request.url).netloc, "http://emulator", 1
            )
            kwargs: dict = {"headers": headers, "params": query}
            if request.body_kind == "json":
                kwargs["json"] = request.body
            elif request.body_kind == "form":
                kwargs["data"] = dict(request.body or [])
            response = client.request(request.method, url, **kwargs)
            ok = response.status_code < 300
            verdicts.append(
                Verdict(
                    tool.slug,
                    keys.get(tool.slug, ""),
                    ok,
                    "" if ok else f"{response.status_code} {response.text[:200]}",
                )
            )
    return verdicts
