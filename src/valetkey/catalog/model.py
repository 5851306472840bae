"""The in-memory shape of the catalog: toolkits, their auth schemes and tools.

These frozen dataclasses are the contract between the loader (which builds
them from definition files), the HTTP routes (which serialize them to the
Composio wire format) and the executor (which turns a tool plus arguments into
an upstream request). Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

AuthMode = Literal["OAUTH2", "OAUTH1", "API_KEY", "BEARER_TOKEN", "BASIC", "NO_AUTH"]
ParamLocation = Literal["path", "query", "header", "body"]
BodyEncoding = Literal["json", "form", "multipart", "raw"]
# How nested objects and arrays become form fields: JSON text and repeated keys (default),
# or PHP/Rails/Stripe brackets (`metadata[k]=v`, `items[0][price]=p`).
FormStyle = Literal["repeat", "brackets"]

BEHAVIOUR_TAGS = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")


@dataclass(frozen=True)
class AuthField:
    """One input a user gives when creating an auth config or connecting an account."""

    name: str
    display_name: str
    type: str = "string"
    description: str = ""
    required: bool = True
    default: str | None = None
    # Secret fields are encrypted at rest and masked in responses.
    secret: bool = False


@dataclass(frozen=True)
class CredentialPlacement:
    """Where a credential goes on the upstream request.

    `template` is formatted with the account's credential values, e.g.
    ``"Bearer {access_token}"`` or ``"{api_key}"``; for BASIC the executor
    builds the Authorization header from `username`/`password` itself.
    """

    location: Literal["header", "query"] = "header"
    name: str = "Authorization"
    template: str = "Bearer {access_token}"


@dataclass(frozen=True)
class AuthScheme:
    mode: AuthMode
    name: str = ""
    # Fields an auth config of this scheme takes (client_id, client_secret, base_url...).
    config_fields: tuple[AuthField, ...] = ()
    # Fields a connected account of this scheme takes (api_key, subdomain...).
    account_fields: tuple[AuthField, ...] = ()
    placements: tuple[CredentialPlacement, ...] = ()
    default_scopes: tuple[str, ...] = ()
    # OAuth endpoints and provider quirks (authorization_url, token_url,
    # scope_separator, token_auth_method, pkce, extra params...), as data.
    oauth: dict[str, Any] = field(default_factory=dict)
    # Optional request that proves a key works before the account goes ACTIVE.
    verification: dict[str, Any] | None = None
    # Page where a user finds or creates this kind of credential.
    auth_hint_url: str = ""


@dataclass(frozen=True)
class ParamBinding:
    """How one input argument travels upstream."""

    arg: str
    location: ParamLocation
    # Name on the wire when it differs from the argument name (e.g. `per_page`).
    wire_name: str = ""
    # For body params: a dotted path into the JSON body ("issue.title").
    # Empty means top level under wire_name.

    @property
    def upstream_name(self) -> str:
        return self.wire_name or self.arg


@dataclass(frozen=True)
class HttpOperation:
    """A declarative upstream call: the common case for a tool."""

    method: str
    # Path template relative to the toolkit's base URL: "/repos/{owner}/{repo}/issues".
    path: str
    params: tuple[ParamBinding, ...] = ()
    body: BodyEncoding | None = None
    # Fixed headers and query parameters sent on every call (API versions, Accept...).
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    # Arguments that become the whole body as-is (e.g. a raw GraphQL query object).
    body_arg: str | None = None
    # JSON pointer-ish dotted path selecting `data` from the upstream response.
    response_path: str | None = None
    # Dotted path to a flag in a 2xx JSON answer that must be `true` for success
    # (Slack answers HTTP 200 `{"ok": false, "error": "channel_not_found"}`).
    success_path: str | None = None
    # Dotted path that must be absent or empty in a 2xx answer (GraphQL's `errors`).
    error_path: str | None = None
    # A GraphQL document sent as the body's `query`; arguments travel under `variables`.
    graphql: str | None = None
    # This tool's own absolute API root, used instead of the connection's (a second host).
    base_url: str | None = None
    # How objects and arrays travel in the query string and a `form` body (see FormStyle).
    form_style: FormStyle = "repeat"


@dataclass(frozen=True)
class Tool:
    slug: str
    toolkit: str
    name: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    tags: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    # Exactly one of `operation` and `handler` is set.
    operation: HttpOperation | None = None
    # "package.module:function" for tools written in Python.
    handler: str | None = None
    no_auth: bool = False
    # Toolkit versions this definition exists in: [added_in, removed_in).
    added_in: str = ""
    removed_in: str | None = None
    deprecated: bool = False
    human_description: str | None = None
    # Other slugs resolving to this tool (Composio's spelling of the same operation).
    aliases: tuple[str, ...] = ()
    # A custom toolkit's tool: its name on the toolkit's remote MCP server (`valetkey.customkits`).
    remote_name: str | None = None

    @property
    def idempotent(self) -> bool:
        return "idempotentHint" in self.tags or "readOnlyHint" in self.tags


TriggerKind = Literal["webhook", "poll"]


@dataclass(frozen=True)
class TriggerType:
    """An event a trigger instance listens for: pushed by the app (`webhook`) or found by polling (`poll`).

    `source` is the provider module's own data (GitHub's hook events, Gmail's
    label default...), kept as data like a scheme's `oauth`; `valetkey.triggers`
    reads it.
    """

    slug: str
    toolkit: str
    name: str
    description: str
    instructions: str
    kind: TriggerKind
    config_schema: dict[str, Any]
    payload_schema: dict[str, Any]
    source: dict[str, Any] = field(default_factory=dict)
    added_in: str = ""
    removed_in: str | None = None


@dataclass(frozen=True)
class Toolkit:
    slug: str
    name: str
    description: str
    logo: str
    categories: tuple[str, ...]
    base_url: str
    auth_schemes: tuple[AuthScheme, ...]
    # Released versions, oldest first ("YYYYMMDD_NN"); the last one is latest.
    versions: tuple[str, ...]
    # Every tool definition across all versions (see Tool.added_in/removed_in);
    # Catalog.tools_at(toolkit, version) gives the tools of one version.
    tools: tuple[Tool, ...] = ()
    app_url: str = ""
    # Where the definition came from, for error messages.
    source: str = ""
    # Display names of `categories`, by category id.
    category_names: dict[str, str] = field(default_factory=dict)
    # What changed in each version, by version.
    changelog: dict[str, str] = field(default_factory=dict)
    auth_guide_url: str = ""
    # Rank for sort_by=usage until real usage counts exist; higher first.
    popularity: int = 0
    # Every trigger type across all versions (windows as tools'); Catalog.triggers_at gives one version's.
    triggers: tuple[TriggerType, ...] = ()
    # gold | silver | directory | custom (see format.ToolkitSpec.tier).
    tier: str = "custom"

    @property
    def latest_version(self) -> str:
        return self.versions[-1]

    @property
    def no_auth(self) -> bool:
        return not self.auth_schemes or all(s.mode == "NO_AUTH" for s in self.auth_schemes)

    def scheme(self, mode: str) -> AuthScheme | None:
        return next((s for s in self.auth_schemes if s.mode == mode), None)
