"""Dashboard costs: argon2id hashing and verifying, and rendering the heaviest pages.

    python benchmarks/dashboard.py [--json] [--rounds N]

In-process (a TestClient on a temporary SQLite database with 2,000 seeded
execution logs): the time to hash and verify one password with the default
argon2id parameters (what a sign-in costs the server), and the median time to
render the logs page (chart and table), the accounts page and the GitHub
toolkit page (every tool's schemas). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import tempfile
import time
from pathlib import Path


def _median_ms(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    from argon2 import PasswordHasher
    from fastapi.testclient import TestClient

    from valetkey.api.app import create_app
    from valetkey.core.ids import new_id
    from valetkey.core.settings import Settings
    from valetkey.execution.models import ExecutionLog
    from valetkey.tenancy import operators, service

    hasher = PasswordHasher()
    hashed = hasher.hash("correct horse battery staple")
    figures = {
        "argon2id_hash_ms": _median_ms(lambda: hasher.hash("correct horse battery staple"), 5),
        "argon2id_verify_ms": _median_ms(lambda: hasher.verify(hashed, "correct horse battery staple"), 5),
    }
    home = Path(tempfile.mkdtemp(prefix="valetkey-bench-dash-"))
    settings = Settings(home=home, database_url=f"sqlite:///{home}/db.sqlite", log_level="WARNING")
    app = create_app(settings)
    state = app.state.valetkey
    now = dt.datetime.now(dt.UTC)
    with state.db.session() as db:
        org, _ = service.create_org(db, "bench")
        project = service.create_project(db, org.id, "bench-dashboard")
        operators.create_operator(db, "bench@example.com", "correct horse battery staple", [org.id])
        for i in range(2000):
            db.add(
                ExecutionLog(
                    id=new_id("log"),
                    project_id=project.id,
                    tool_slug="GITHUB_CREATE_ISSUE",
                    toolkit_slug="github",
                    user_id=f"user-{i % 20}",
                    successful=i % 7 != 0,
                    duration_ms=12.0,
                    created_at=now - dt.timedelta(seconds=i * 40),
                    request={},
                    response={},
                )
            )
    with TestClient(app) as client:
        login = client.get("/dashboard/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
        client.post(
            "/dashboard/login",
            data={
                "csrf_token": token,
                "email": "bench@example.com",
                "password": "correct horse battery staple",
            },
        )
        base = f"/dashboard/projects/{project.id}"
        for name, path in [
            ("logs_page_ms", "/logs"),
            ("logs_7d_page_ms", "/logs?window=7d"),
            ("accounts_page_ms", "/accounts"),
            ("github_toolkit_page_ms", "/toolkits/github"),
        ]:
            assert client.get(base + path).status_code == 200
            figures[name] = _median_ms(lambda p=path: client.get(base + p), args.rounds)
    figures["cpu_count"] = os.cpu_count()
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
