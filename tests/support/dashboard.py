"""The dashboard under test: a server whose toolkits reach the sandbox, two orgs, an operator of each."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.app import EGRESS_TARGETS, RunningServer, database_url_for, egress_allowed, start_server

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Tenant:
    org_id: str
    project_id: str
    email: str
    api_key: str


def seed_tenant(server: RunningServer, label: str) -> Tenant:
    from valetkey.tenancy import operators, service

    with server.state.db.session() as db:
        org, _ = service.create_org(db, f"{label}-org")
        project = service.create_project(db, org.id, f"{label}-{os.urandom(3).hex()}")
        key = service.create_project_key(db, project.id)
        email = f"{label}-{os.urandom(3).hex()}@example.com"
        operators.create_operator(db, email, PASSWORD, [org.id])
    return Tenant(org.id, project.id, email, key.key)


def start_dashboard_server(request: Any, sandbox_url: str | None = None, **overrides: Any):
    extra: dict[str, Any] = {}
    if sandbox_url:
        extra = {"sandbox_url": sandbox_url, "egress_allow": egress_allowed(*EGRESS_TARGETS, sandbox_url)}
    return start_server(database_url_for("sqlite", request), **extra, **overrides)


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no csrf_token field"
    return match.group(1)


def sign_in(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the form (a fresh login CSRF cookie first); the response to the POST."""
    page = client.get("/dashboard/login")
    return client.post(
        "/dashboard/login", data={"csrf_token": csrf_of(page.text), "email": email, "password": password}
    )
