"""``valetkey login``, ``whoami``, ``logout``: which server and project key the remote commands use."""

from __future__ import annotations

from typing import Any

import typer

from valetkey.cli import config, output
from valetkey.cli.errors import CliError
from valetkey.cli.remote import Remote

DEFAULT_URL = "http://127.0.0.1:8000"


def _identity(login: config.Login) -> dict[str, Any]:
    with Remote(login) as remote:
        info = remote.get("/auth/session/info")
    project = info.get("project") or {}
    return {
        "url": login.url,
        "project_id": project.get("id"),
        "project_name": project.get("name"),
        "org_id": project.get("org_id"),
        "api_key": login.key_hint,
    }


def _checked_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CliError(f"{url!r} is not a server URL", f"give it with its scheme, e.g. --url {DEFAULT_URL}")
    return url


def login(
    url: str = typer.Option(
        None, "--url", help=f"Server URL (asked for when missing; default {DEFAULT_URL})."
    ),
    api_key: str = typer.Option(
        None,
        "--api-key",
        help="Project API key (asked for, hidden, when missing); `valetkey projects create` prints one.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print who you are now as JSON."),
) -> None:
    """Check a server URL and project API key, then store them for the other commands (file mode 0600)."""
    if url is None:
        url = typer.prompt("Server URL", default=DEFAULT_URL)
    if api_key is None:
        api_key = typer.prompt("Project API key", hide_input=True)
    api_key = api_key.strip()
    if not api_key:
        raise CliError("the API key is empty", "paste the key `valetkey projects create NAME` printed")
    candidate = config.Login(url=_checked_url(url), api_key=api_key)
    identity = _identity(candidate)  # refuse to store a key the server does not accept
    path = config.save(candidate)
    if as_json:
        output.print_json(identity)
        return
    output.err.print(
        f"logged in to {candidate.url} as project {identity['project_name']} ({identity['project_id']}); "
        f"saved to {path}",
        highlight=False,
    )


def whoami(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Show the server, the project and the last four characters of the key the CLI uses."""
    identity = _identity(config.load())
    if as_json:
        output.print_json(identity)
        return
    output.fields(
        [
            ("server", identity["url"]),
            ("project", f"{identity['project_name']} ({identity['project_id']})"),
            ("organization", identity["org_id"]),
            ("api key", identity["api_key"]),
        ]
    )


def logout() -> None:
    """Forget the stored server and key."""
    if config.remove():
        output.err.print(f"logged out; removed {config.config_path()}", highlight=False)
    else:
        output.err.print("not logged in; nothing to remove", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(login)
    app.command()(whoami)
    app.command()(logout)
