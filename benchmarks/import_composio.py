"""`valetkey import composio` throughput, and what the id-alias seam costs a request.

    PYTHONPATH=.:src python benchmarks/import_composio.py [--accounts 1000] [--json]

Starts the sandbox OAuth provider, a source Valetkey server and a target one
(SQLite, loopback), seeds the source with half own-app OAuth 2 accounts (each
verified by a token refresh at the sandbox) and half API-key accounts, runs
the import as its own process and prints accounts per second; then the p50 of
`GET /api/v3/connected_accounts/{id}` named by the new id and by the source id.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from tests.support.app import EGRESS_TARGETS, start_server
from tests.support.migration import cli_env, seed_accounts, valetkey
from tests.support.oauth import SANDBOX_CLIENT
from tests.support.sandbox import start_sandbox

TEMPLATES = Path(__file__).resolve().parents[1] / "tests" / "toolkits"


def _toolkits(sandbox_url: str) -> Path:
    out = Path(tempfile.mkdtemp(prefix="bench-toolkits-"))
    for name in ("keyed", "oauthdemo"):
        shutil.copytree(TEMPLATES / name, out / name)
        for path in (out / name).glob("*.yaml"):
            text = path.read_text().replace("${SANDBOX_URL}", sandbox_url)
            path.write_text(text.replace("${UPSTREAM_URL}", "http://127.0.0.1:9"))
    return out


def _p50(client: httpx.Client, path: str, n: int = 200) -> float:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sandbox_thread, sandbox = start_sandbox()
    EGRESS_TARGETS.append(sandbox.url)
    toolkits = _toolkits(sandbox.url)
    db_dir = Path(tempfile.mkdtemp(prefix="bench-db-"))
    (source_thread, source) = start_server(f"sqlite:///{db_dir}/source.db", catalog_dirs=[toolkits])
    (target_thread, target) = start_server(f"sqlite:///{db_dir}/target.db", catalog_dirs=[toolkits])
    try:
        project = source.new_project()
        with source.state.db.session() as db:
            from valetkey.tenancy.models import Project

            row = db.get(Project, project.id)
            row.config = {**(row.config or {}), "mask_secret_keys_in_connected_account": False}
        with httpx.Client(base_url=source.url, headers={"x-api-key": project.api_key}) as client:
            configs = {}
            for toolkit, body in (
                ("oauthdemo", {"auth_scheme": "OAUTH2", "credentials": dict(SANDBOX_CLIENT)}),
                ("keyed", {"auth_scheme": "API_KEY"}),
            ):
                r = client.post(
                    "/api/v3/auth_configs",
                    json={"toolkit": {"slug": toolkit}, "auth_config": {"type": "use_custom_auth", **body}},
                )
                configs[toolkit] = r.json()["auth_config"]["id"]
        half = args.accounts // 2
        issue = sandbox.providers.oauth2.issue_tokens
        oauth_ids = seed_accounts(
            source,
            project.id,
            configs["oauthdemo"],
            [
                {"user_id": f"o{i}", "secrets": issue("sandbox-client", f"o{i}", ("read",))}
                for i in range(half)
            ],
        )
        seed_accounts(
            source,
            project.id,
            configs["keyed"],
            [{"user_id": f"k{i}", "secrets": {"api_key": f"k{i:06d}-abcdefgh"}} for i in range(half)],
        )
        secrets = db_dir / "secrets.json"
        secrets.write_text(json.dumps({configs["oauthdemo"]: {"client_secret": "sandbox-secret"}}))
        target_project = target.new_project()
        started = time.perf_counter()
        process = valetkey(
            "import", "composio", "--from-url", source.url, "--api-key", project.api_key,
            "--project", target_project.id, "--secrets", str(secrets), "--json",
            env=cli_env(target),
        )  # fmt: skip
        out, err = process.communicate()
        seconds = time.perf_counter() - started
        assert process.returncode == 0, err
        with httpx.Client(base_url=target.url, headers={"x-api-key": target_project.api_key}) as client:
            new_id = client.get(f"/api/v3/connected_accounts/{oauth_ids[0]}").json()["id"]
            by_new = _p50(client, f"/api/v3/connected_accounts/{new_id}")
            by_alias = _p50(client, f"/api/v3/connected_accounts/{oauth_ids[0]}")
        figures = {
            "accounts": half * 2,
            "summary": json.loads(out),
            "import_seconds": round(seconds, 2),
            "accounts_per_second": round(half * 2 / seconds, 1),
            "get_by_new_id_p50_ms": round(by_new, 2),
            "get_by_source_id_p50_ms": round(by_alias, 2),
        }
        if args.json:
            print(json.dumps(figures))
        else:
            for key, value in figures.items():
                print(f"{key:>26}: {value}")
    finally:
        for thread in (target_thread, source_thread, sandbox_thread):
            thread.stop()


if __name__ == "__main__":
    main()
