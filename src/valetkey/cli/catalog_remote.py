"""``valetkey toolkits list|show`` and ``valetkey tools list|show|execute``, over the server's REST API."""

from __future__ import annotations

import json
from typing import Any

import typer

from valetkey.cli import output
from valetkey.cli.errors import CliError
from valetkey.cli.output import pick
from valetkey.cli.remote import connect

toolkits = typer.Typer(no_args_is_help=True, help="Browse the server's toolkits.")
tools = typer.Typer(no_args_is_help=True, help="Browse and execute the server's tools.")

JSON = typer.Option(False, "--json", help="Print the server's JSON.")


@toolkits.command("list")
def toolkits_list(
    search: str = typer.Option(None, help="Only toolkits matching these words."),
    category: str = typer.Option(None, help="Only toolkits of this category id."),
    as_json: bool = JSON,
) -> None:
    """List toolkits with their tool counts and auth schemes."""
    with connect() as remote:
        items = remote.pages("/toolkits", search=search, category=category)
    if as_json:
        output.print_json(items)
        return
    output.table(
        items,
        [
            ("slug", pick("slug")),
            ("name", pick("name")),
            ("tools", pick("meta", "tools_count")),
            ("auth", lambda row: ", ".join(row.get("auth_schemes") or []) or "none"),
        ],
    )


@toolkits.command("show")
def toolkits_show(slug: str, as_json: bool = JSON) -> None:
    """Show one toolkit: its description, version, auth schemes and the fields each scheme takes."""
    with connect() as remote:
        toolkit = remote.get(f"/toolkits/{slug}")
    if as_json:
        output.print_json(toolkit)
        return
    meta = toolkit.get("meta") or {}
    output.fields(
        [
            ("slug", toolkit.get("slug")),
            ("name", toolkit.get("name")),
            ("description", meta.get("description")),
            ("version", meta.get("version") or toolkit.get("version")),
            ("tools", meta.get("tools_count")),
            (
                "auth",
                ", ".join(d.get("mode", "") for d in toolkit.get("auth_config_details") or []) or "none",
            ),
        ]
    )
    output.err.print(f"its tools: valetkey tools list --toolkit {toolkit.get('slug')}", highlight=False)


@tools.command("list")
def tools_list(
    toolkit: list[str] = typer.Option(
        None, "--toolkit", "-t", help="Only this toolkit's tools (repeatable)."
    ),
    search: str = typer.Option(None, help="Rank tools by these words."),
    limit: int = typer.Option(None, min=1, help="At most this many tools."),
    as_json: bool = JSON,
) -> None:
    """List tools (all, a toolkit's, or those matching a search)."""
    with connect() as remote:
        items = remote.pages(
            "/tools", limit=limit, toolkit_slug=",".join(toolkit) if toolkit else None, query=search
        )
    if as_json:
        output.print_json(items)
        return
    output.table(
        items,
        [
            ("slug", pick("slug")),
            ("toolkit", pick("toolkit", "slug")),
            ("name", pick("name")),
        ],
    )


@tools.command("show")
def tools_show(slug: str, as_json: bool = JSON) -> None:
    """Show one tool: its description and its input parameters (JSON Schema)."""
    with connect() as remote:
        tool = remote.get(f"/tools/{slug}")
    if as_json:
        output.print_json(tool)
        return
    schema = tool.get("input_parameters") or {}
    required = set(schema.get("required") or [])
    output.fields(
        [
            ("slug", tool.get("slug")),
            ("toolkit", pick("toolkit", "slug")(tool)),
            ("version", tool.get("version")),
            ("description", tool.get("description")),
        ]
    )
    output.table(
        [{"name": k, **v} for k, v in (schema.get("properties") or {}).items() if isinstance(v, dict)],
        [
            ("argument", pick("name")),
            ("type", lambda p: p.get("type") or ("any of" if "anyOf" in p else "")),
            ("required", lambda p: "yes" if p["name"] in required else ""),
            ("description", pick("description")),
        ],
        title="arguments",
    )


def parse_arguments(raw_json: str | None, pairs: list[str]) -> dict[str, Any]:
    """``--args '{"a": 1}'`` merged with ``key=value`` pairs; a value that parses as JSON is that value.

    ``size=5`` is the number 5, ``flag=true`` a boolean, ``title=Hello world`` a
    string (it is not JSON), ``title='"5"'`` the string "5".
    """
    arguments: dict[str, Any] = {}
    if raw_json:
        try:
            parsed = json.loads(raw_json)
        except ValueError as exc:
            raise CliError(
                f"--args is not valid JSON: {exc}", """quote it for the shell: --args '{"size": 5}'"""
            ) from None
        if not isinstance(parsed, dict):
            raise CliError("--args must be a JSON object", """e.g. --args '{"size": 5}'""")
        arguments.update(parsed)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(
                f"argument {pair!r} is not KEY=VALUE", "write each argument as key=value, e.g. size=5"
            )
        try:
            arguments[key] = json.loads(value)
        except ValueError:
            arguments[key] = value
    return arguments


@tools.command("execute")
def tools_execute(
    slug: str = typer.Argument(..., help="Tool slug, e.g. HACKERNEWS_GET_LATEST_POSTS."),
    pairs: list[str] = typer.Argument(
        None, metavar="[KEY=VALUE]...", help="Arguments; values are JSON when they parse."
    ),
    args: str = typer.Option(None, "--args", help="Arguments as one JSON object."),
    user_id: str = typer.Option(
        None, "--user-id", "-u", help="Act for this user (their latest ACTIVE account)."
    ),
    account: str = typer.Option(None, "--account", help="Use this connected account id."),
    version: str = typer.Option("latest", help="Toolkit version to run."),
    as_json: bool = JSON,
) -> None:
    """Execute a tool and print its result ({data, error, successful, log_id}); exit 1 when it did not succeed."""
    body: dict[str, Any] = {"arguments": parse_arguments(args, pairs or []), "version": version}
    if user_id:
        body["user_id"] = user_id
    if account:
        body["connected_account_id"] = account
    with connect() as remote:
        result = remote.post(f"/tools/execute/{slug}", body)
    if as_json:
        output.print_json(result)
    else:
        output.print_json(result.get("data"))
        if not result.get("successful"):
            output.err.print(f"[red]failed:[/red] {result.get('error')}", highlight=False)
        output.err.print(f"log: {result.get('log_id')}", highlight=False)
    if not result.get("successful"):
        raise typer.Exit(1)
