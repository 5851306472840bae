"""Helpers for the Connect Link tests: a bearer-token auth config, the project's branding."""

from __future__ import annotations

from tests.support.oauth import V3


def bearer_config(client) -> str:
    r = client.post(
        f"{V3}/auth_configs",
        json={
            "toolkit": {"slug": "linkdemo"},
            "auth_config": {"type": "use_custom_auth", "auth_scheme": "BEARER_TOKEN"},
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["auth_config"]["id"]


def brand(client, name: str = "Acme Agents", logo: str | None = None) -> None:
    r = client.patch(f"{V3}/org/project/config", json={"display_name": name, "logo_url": logo})
    assert r.status_code == 200, r.text
