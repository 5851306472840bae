"""Custom toolkit records: upsert, the tools a sync found, delete, and the catalog toolkits they make.

A custom toolkit is project-owned: every query here is scoped by `project_id`, and the catalog view of
a project (`valetkey.catalog.overlay`) is the only place its toolkits appear. The slug rule is
Composio's: the given slug (letters, digits, underscores, spaces; at most 30) upper-cased, spaces as
underscores, prefixed with ``CUSTOM_``. `app_url` and the auth schemes are fixed once registered (a
change is a 409: delete and register again); the name, the API key field's copy and the logo change.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from valetkey.catalog.model import AuthField, AuthScheme, CredentialPlacement, Tool, Toolkit
from valetkey.catalog.serializers import PROJECT_TIER
from valetkey.connections.models import AuthConfig, ConnectedAccount
from valetkey.core.errors import BadRequest, Conflict, NotFound
from valetkey.core.ids import new_id
from valetkey.customkits.models import CustomToolkit, CustomToolkitTool
from valetkey.customkits.remote import HANDLER, RemoteTool
from valetkey.customkits.schemas import ApiKeyScheme, UpsertBody
from valetkey.store.db import utcnow

PREFIX = "CUSTOM_"
KEY_FIELD = "generic_api_key"
KEY_PLACEHOLDER = "{{generic_api_key}}"
# The Model Context Protocol's mark, as Composio shows for a custom toolkit without a logo.
DEFAULT_LOGO = "https://modelcontextprotocol.io/favicon.svg"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
MAX_LOGO_BYTES = 3 * 1024 * 1024


def toolkit_slug(given: str) -> str:
    """Composio's rule: `my kit` -> `CUSTOM_MY_KIT` (a given CUSTOM_ prefix is not doubled)."""
    slug = re.sub(r"\s", "_", given.strip()).upper()
    return slug if slug.startswith(PREFIX) else PREFIX + slug


def catalog_slug(slug: str) -> str:
    """The catalog's spelling: toolkit slugs are lower case there (`custom_kit`), as every toolkit's is,
    and every lookup is case-insensitive; the custom toolkit routes answer Composio's `CUSTOM_KIT`."""
    return slug.lower()


def tool_slug(toolkit: str, remote_name: str) -> str:
    """`CUSTOM_KIT` + `get-weather` -> `CUSTOM_KIT_GET_WEATHER`."""
    return f"{toolkit}_{re.sub(r'[^A-Za-z0-9]+', '_', remote_name).strip('_').upper()}"[:200]


def _check_app_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise BadRequest(
            f"toolkit_config.app_url: {url!r} is not an http(s) URL",
            suggested_fix="Give the remote MCP server's streamable HTTP endpoint, e.g. https://mcp.example.com/mcp.",
        )
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise BadRequest(
            "toolkit_config.app_url: the MCP server URL must use https (the account's API key travels to it); "
            "plain http is accepted only for localhost",
            suggested_fix="Serve the MCP server over https.",
        )
    if parts.username or parts.password:
        raise BadRequest("toolkit_config.app_url: credentials in the URL are not accepted; use auth_schemes")
    return url


def _schemes(body: UpsertBody) -> list[dict[str, Any]]:
    schemes = []
    for scheme in body.toolkit_config.auth_schemes:
        if scheme.mode == "DCR_OAUTH":
            raise BadRequest(
                "toolkit_config.auth_schemes: DCR_OAUTH (OAuth with dynamic client registration) is not "
                "supported by this server",
                slug="unsupported_field",
                suggested_fix="Use API_KEY with header templates, or NO_AUTH.",
            )
        if isinstance(scheme, ApiKeyScheme):
            if not any(KEY_PLACEHOLDER in value for value in scheme.headers.values()):
                raise BadRequest(
                    f"toolkit_config.auth_schemes: an API_KEY scheme's headers must use {KEY_PLACEHOLDER} "
                    "where the API key goes",
                    suggested_fix='e.g. {"Authorization": "Bearer {{generic_api_key}}"}',
                )
        schemes.append(scheme.model_dump(mode="json", exclude_none=True))
    modes = [s["mode"] for s in schemes]
    if len(set(modes)) != len(modes):
        raise BadRequest("toolkit_config.auth_schemes: each mode may appear once")
    return schemes


def _fixed(scheme: dict[str, Any]) -> dict[str, Any]:
    """What may not change on re-upsert: the mode and the headers (the field's copy may)."""
    return {k: v for k, v in scheme.items() if k != "api_key_field"}


def _logo(body: UpsertBody) -> str | None:
    logo = body.toolkit_config.logo_file
    if logo is None:
        return None
    try:
        size = len(base64.b64decode(logo.content, validate=True))
    except ValueError:
        raise BadRequest("toolkit_config.logo_file.content is not base64") from None
    if size > MAX_LOGO_BYTES:
        raise BadRequest("toolkit_config.logo_file: the logo is larger than 3 MB")
    return f"data:{logo.mime_type};base64,{logo.content}"


def upsert(db: Session, project_id: str, body: UpsertBody) -> str:
    """Create the toolkit, or update its display metadata; Conflict when app_url or the schemes change."""
    slug = toolkit_slug(body.slug)
    app_url = _check_app_url(body.toolkit_config.app_url)
    schemes = _schemes(body)
    logo = _logo(body)
    row = _find(db, project_id, slug)
    if row is None:
        db.add(
            CustomToolkit(
                id=new_id("ctk"),
                project_id=project_id,
                slug=slug,
                name=body.toolkit_config.name,
                app_url=app_url,
                auth_schemes=schemes,
                logo=logo,
                version=None,
            )
        )
        db.flush()
        return slug
    if row.app_url != app_url or [_fixed(s) for s in row.auth_schemes] != [_fixed(s) for s in schemes]:
        raise Conflict(
            f"Custom toolkit {slug} already exists with another app_url or auth_schemes; they cannot change",
            slug="CustomToolkitConflict",
            suggested_fix=f"Delete it (DELETE /api/v3.1/custom/toolkits/{slug}, which removes its connections) "
            "and register it again.",
        )
    row.name = body.toolkit_config.name
    row.auth_schemes = schemes  # same modes and headers; the API key field's copy may differ
    if logo is not None:
        row.logo = logo
    row.updated_at = utcnow()
    db.flush()
    return slug


def _find(db: Session, project_id: str, slug: str) -> CustomToolkit | None:
    return db.scalars(
        select(CustomToolkit).where(
            CustomToolkit.project_id == project_id, CustomToolkit.slug == slug.upper()
        )
    ).first()


def get(db: Session, project_id: str, slug: str) -> CustomToolkit:
    row = _find(db, project_id, slug)
    if row is None:
        raise NotFound(
            f"Custom toolkit {slug!r} not found in this project",
            slug="ToolkitNotFound",
            suggested_fix="Register it with POST /api/v3.1/custom/toolkits/upsert.",
        )
    return row


def next_version(previous: str | None, today: dt.date) -> str:
    """`YYYYMMDD_NN`, NN counting the syncs of one day (versions sort as strings)."""
    stem = today.strftime("%Y%m%d")
    if previous and previous.startswith(stem + "_"):
        return f"{stem}_{int(previous[9:]) + 1:02d}"
    return f"{stem}_00"


def save_tools(db: Session, project_id: str, slug: str, tools: Sequence[RemoteTool]) -> tuple[str, int]:
    """Replace the toolkit's tools with what the remote server listed; (new version, how many)."""
    row = get(db, project_id, slug)
    db.execute(delete(CustomToolkitTool).where(CustomToolkitTool.toolkit_id == row.id))
    seen: set[str] = set()
    for position, remote in enumerate(tools):
        slug_of = tool_slug(row.slug.upper(), remote.name)
        if slug_of in seen:
            raise BadRequest(
                f"The MCP server lists two tools that both become {slug_of}; rename one on the server"
            )
        seen.add(slug_of)
        db.add(
            CustomToolkitTool(
                id=new_id("ctt"),
                toolkit_id=row.id,
                slug=slug_of,
                remote_name=remote.name,
                title=remote.title[:200],
                description=remote.description,
                input_schema=remote.input_schema,
                output_schema=remote.output_schema,
                tags=list(remote.tags),
                position=position,
            )
        )
    row.version = next_version(row.version, utcnow().date())
    row.updated_at = utcnow()
    db.flush()
    return row.version, len(tools)


@dataclass(frozen=True)
class Deleted:
    slug: str
    auth_configs: int
    connected_accounts: int


def remove(db: Session, project_id: str, slug: str) -> Deleted:
    """Delete the toolkit, its tools, and the project's auth configs and connected accounts of it."""
    row = get(db, project_id, slug)
    configs = list(
        db.scalars(
            select(AuthConfig.id).where(
                AuthConfig.project_id == project_id, AuthConfig.toolkit_slug == catalog_slug(row.slug)
            )
        )
    )
    account_filter = (
        ConnectedAccount.project_id == project_id,
        ConnectedAccount.toolkit_slug == catalog_slug(row.slug),
    )
    accounts = db.scalar(select(func.count(ConnectedAccount.id)).where(*account_filter)) or 0
    db.execute(delete(ConnectedAccount).where(*account_filter))
    db.execute(
        delete(AuthConfig).where(
            AuthConfig.project_id == project_id, AuthConfig.toolkit_slug == catalog_slug(row.slug)
        )
    )
    db.delete(row)
    db.flush()
    return Deleted(row.slug, len(configs), int(accounts or 0))


# -- the catalog's view ------------------------------------------------------


def stamp(db: Session, project_id: str) -> tuple[int, str] | None:
    """What changes whenever the project's custom toolkits do (None: it has none)."""
    count, latest = db.execute(
        select(func.count(CustomToolkit.id), func.max(CustomToolkit.updated_at)).where(
            CustomToolkit.project_id == project_id
        )
    ).one()
    return (int(count), str(latest)) if count else None


def catalog_toolkits(db: Session, project_id: str) -> list[Toolkit]:
    rows = list(db.scalars(select(CustomToolkit).where(CustomToolkit.project_id == project_id)))
    tools: dict[str, list[CustomToolkitTool]] = {row.id: [] for row in rows}
    if rows:
        for tool in db.scalars(
            select(CustomToolkitTool)
            .where(CustomToolkitTool.toolkit_id.in_(list(tools)))
            .order_by(CustomToolkitTool.position)
        ):
            tools[tool.toolkit_id].append(tool)
    return [as_toolkit(row, tools[row.id]) for row in rows]


def as_toolkit(row: CustomToolkit, tools: Sequence[CustomToolkitTool]) -> Toolkit:
    version = row.version or row.created_at.strftime("%Y%m%d") + "_00"
    return Toolkit(
        slug=catalog_slug(row.slug),
        name=row.name,
        description=f"{row.name}: a custom toolkit of this project, served by the MCP server at {row.app_url}",
        logo=row.logo or DEFAULT_LOGO,
        categories=("custom",),
        category_names={"custom": "Custom"},
        base_url=row.app_url,
        app_url=row.app_url,
        auth_schemes=tuple(_scheme(s) for s in row.auth_schemes),
        versions=(version,),
        tools=tuple(_tool(catalog_slug(row.slug), t, version) for t in tools),
        source=f"custom toolkit {row.slug}",
        tier=PROJECT_TIER,
    )


def _scheme(stored: dict[str, Any]) -> AuthScheme:
    if stored["mode"] == "NO_AUTH":
        return AuthScheme("NO_AUTH", name="No auth")
    copy = stored.get("api_key_field") or {}
    field = AuthField(
        KEY_FIELD,
        copy.get("display_name") or "API key",
        description=copy.get("description") or "The API key the MCP server expects",
        secret=True,
    )
    placements = tuple(
        CredentialPlacement("header", name, _template(value)) for name, value in stored["headers"].items()
    )
    return AuthScheme("API_KEY", name="API key", account_fields=(field,), placements=placements)


def _template(value: str) -> str:
    """`Bearer {{generic_api_key}}` -> `Bearer {generic_api_key}`, every other brace literal."""
    escaped = value.replace("{", "{{").replace("}", "}}")
    return escaped.replace("{{{{" + KEY_FIELD + "}}}}", "{" + KEY_FIELD + "}")


def _tool(toolkit: str, row: CustomToolkitTool, version: str) -> Tool:
    return Tool(
        slug=row.slug,
        toolkit=toolkit,
        name=row.title,
        description=row.description or row.title,
        input_schema=row.input_schema,
        output_schema=row.output_schema or {},
        tags=tuple(row.tags or ()),
        handler=HANDLER,
        remote_name=row.remote_name,
        added_in=version,
    )
