"""The definition file format, as Pydantic models: what `toolkit.yaml` and `tools.yaml` may say.

These models check the *shape* of a definition (known keys, types, slug and
version syntax) and fill in the defaults that keep hand-written files short.
Checks that need more than one field at a time (bindings against the input
schema, version windows, handlers) live in `checks`. docs/toolkit-format.md
is the reader's guide to this module.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from valetkey.catalog.model import AuthMode, BodyEncoding, FormStyle, ParamLocation

TOOLKIT_SLUG = r"^[a-z][a-z0-9_]*$"
TOOL_SLUG = r"^[A-Z][A-Z0-9_]*[A-Z0-9]$"
VERSION = r"^\d{8}_\d{2}$"
CATEGORY_ID = r"^[a-z0-9][a-z0-9-]*$"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


class Spec(BaseModel):
    """Base of every definition model: unknown keys are typos, so they fail."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FieldSpec(Spec):
    """An input of an auth config or of a connected account."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    display_name: str | None = None
    type: str = "string"
    description: str = ""
    required: bool = True
    default: str | None = None
    secret: bool = False

    @property
    def title(self) -> str:
        return self.display_name or self.name.replace("_", " ").capitalize()


class PlacementSpec(Spec):
    """Where a credential goes: `{in: header, name: X-Api-Key, template: "{api_key}"}`."""

    location: Literal["header", "query"] = Field("header", alias="in")
    name: str = Field(min_length=1)
    template: str = Field(min_length=1)


class OAuthSpec(Spec):
    """OAuth endpoints and provider quirks. Kept as data; the auth flows read it."""

    authorization_url: str | None = None
    token_url: str | None = None
    refresh_url: str | None = None
    revoke_url: str | None = None
    userinfo_url: str | None = None
    # OAuth 1.0a only.
    request_token_url: str | None = None
    access_token_url: str | None = None
    scope_separator: str = " "
    # Name of the authorize parameter carrying scopes (Slack user tokens: "user_scope").
    scope_param: str = "scope"
    token_auth_method: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic"  # noqa: S105 (not a secret)
    # PKCE S256 on by default (OAuth security BCP); `false` only for providers that reject it.
    pkce: bool = True
    authorize_params: dict[str, str] = Field(default_factory=dict)
    token_params: dict[str, str] = Field(default_factory=dict)
    # Dotted path to the token object in a non-standard token response ("authed_user").
    token_response_path: str | None = None
    # Extra token-response fields that are not secret and go to the account's public data
    # (e.g. Salesforce's instance_url); every other extra field is kept sealed.
    public_token_fields: list[str] = Field(default_factory=list)
    # Whether the provider issues refresh tokens that `grant_type=refresh_token` accepts.
    supports_refresh: bool = True
    # Where revocation (RFC 7009) sends the token: the refresh token revokes the whole grant.
    revoke_token_hint: Literal["refresh_token", "access_token"] = "refresh_token"  # noqa: S105 (not a secret)


class VerificationSpec(Spec):
    """A request that proves a credential works, relative to the toolkit's base URL."""

    method: str = "GET"
    path: str = Field(pattern=r"^/")
    headers: dict[str, str] = Field(default_factory=dict)
    query: dict[str, str] = Field(default_factory=dict)
    # Dotted path into the response naming the account, for display ("login").
    account_label_path: str | None = None
    # Dotted path to a flag that must be true in a 2xx answer (Slack's `ok`), as for tools.
    success_path: str | None = None
    # A JSON body to send (GraphQL APIs verify with `{"query": "{ viewer { id } }"}`).
    body: dict[str, Any] | None = None


class AuthSchemeSpec(Spec):
    mode: AuthMode
    name: str | None = None
    auth_hint_url: str | None = None
    # None means "the usual fields for this mode" (see DEFAULT_FIELDS).
    config_fields: list[FieldSpec] | None = None
    account_fields: list[FieldSpec] | None = None
    placements: list[PlacementSpec] | None = None
    default_scopes: list[str] = Field(default_factory=list)
    oauth: OAuthSpec | None = None
    verification: VerificationSpec | None = None

    @model_validator(mode="after")
    def _oauth_needs_endpoints(self) -> AuthSchemeSpec:
        if self.mode == "OAUTH2" and not (
            self.oauth and self.oauth.authorization_url and self.oauth.token_url
        ):
            raise ValueError("an OAUTH2 scheme needs oauth.authorization_url and oauth.token_url")
        if self.mode == "OAUTH1" and not (
            self.oauth
            and self.oauth.request_token_url
            and self.oauth.authorization_url
            and self.oauth.access_token_url
        ):
            raise ValueError(
                "an OAUTH1 scheme needs oauth.request_token_url, oauth.authorization_url and oauth.access_token_url"
            )
        if self.mode == "API_KEY" and self.placements is None:
            raise ValueError("an API_KEY scheme needs `placements` (where the key goes on the request)")
        return self


class CategorySpec(Spec):
    id: str = Field(pattern=CATEGORY_ID)
    name: str


class ToolkitSpec(Spec):
    """The contents of `toolkit.yaml`."""

    slug: str = Field(pattern=TOOLKIT_SLUG)
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    logo: str = ""
    app_url: str = ""
    auth_guide_url: str = ""
    categories: list[str | CategorySpec] = Field(default_factory=list)
    base_url: str = ""
    versions: list[str] = Field(min_length=1)
    changelog: dict[str, str] = Field(default_factory=dict)
    auth_schemes: list[AuthSchemeSpec] = Field(default_factory=list)
    # Tool tags this toolkit uses beyond the well-known ones (typos fail otherwise).
    tags: list[str] = Field(default_factory=list)
    # Rank for sort_by=usage until real usage counts exist; higher first.
    popularity: int = 0
    # gold: hand-curated with a stateful emulator; silver: imported from a published description
    # (import.yaml) and run against the generic emulator; directory: imported on demand; custom:
    # an operator's own (docs/importing.md).
    tier: Literal["gold", "silver", "directory", "custom"] = "custom"

    @field_validator("categories")
    @classmethod
    def _category_ids(cls, categories: list[str | CategorySpec]) -> list[str | CategorySpec]:
        for category in categories:
            if isinstance(category, str) and not re.match(CATEGORY_ID, category):
                raise ValueError(f"category {category!r} must be lowercase words joined by '-'")
        return categories

    @field_validator("versions")
    @classmethod
    def _versions_ordered(cls, versions: list[str]) -> list[str]:
        for v in versions:
            check_version(v)
        if versions != sorted(set(versions)):
            raise ValueError(f"versions must be unique and listed oldest first, got {versions}")
        return versions

    @model_validator(mode="after")
    def _changelog_versions_exist(self) -> ToolkitSpec:
        unknown = sorted(set(self.changelog) - set(self.versions))
        if unknown:
            raise ValueError(f"changelog names versions not in `versions`: {unknown}")
        modes = [s.mode for s in self.auth_schemes]
        if len(modes) != len(set(modes)):
            raise ValueError(f"auth_schemes lists a mode twice: {modes}")
        return self


class ParamSpec(Spec):
    """How one argument travels: `{in: query, name: per_page}`; both keys optional."""

    location: ParamLocation | None = Field(None, alias="in")
    name: str | None = Field(None, min_length=1)


class HttpSpec(Spec):
    method: str
    path: str = Field(pattern=r"^/")
    params: dict[str, ParamSpec | ParamLocation] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    query: dict[str, str] = Field(default_factory=dict)
    body: BodyEncoding | None = None
    body_arg: str | None = None
    response_path: str | None = None
    # Dotted path to a flag that must be true for a 2xx answer to count as success: APIs
    # that answer 200 `{"ok": false, "error": ...}` (Slack) say `success_path: ok`.
    success_path: str | None = None
    # Dotted path that must be absent or empty in a 2xx answer: GraphQL APIs answer 200
    # `{"data": null, "errors": [...]}`. Defaults to `errors` for `graphql` tools.
    error_path: str | None = None
    # A GraphQL document: the body becomes {"query": <document>, "variables": {...}} and every
    # argument goes to `variables.<name>` unless `params` says otherwise.
    graphql: str | None = None
    # An absolute API root for this tool when it is not the toolkit's `base_url` (a second
    # host of the same service); auth-config `base_url` overrides do not apply to it.
    base_url: str | None = Field(None, pattern=r"^https?://")
    # `brackets`: objects and arrays in the query and a form body travel as `a[b]=1&c[0]=x`
    # (Stripe, Rails, PHP); `repeat` (default): arrays repeat the key, objects are JSON text.
    form_style: FormStyle = "repeat"

    @field_validator("method")
    @classmethod
    def _known_method(cls, method: str) -> str:
        if method.upper() not in HTTP_METHODS:
            raise ValueError(f"method must be one of {', '.join(HTTP_METHODS)}")
        return method.upper()

    @model_validator(mode="after")
    def _graphql_is_a_json_post(self) -> HttpSpec:
        if self.graphql is not None:
            if self.method != "POST" or self.body not in (None, "json") or self.body_arg is not None:
                raise ValueError("a `graphql` tool is a POST with a JSON body and no `body_arg`")
            if self.error_path is None:
                self.error_path = "errors"
        return self

    def binding(self, arg: str) -> ParamSpec | None:
        spec = self.params.get(arg)
        return ParamSpec(location=spec) if isinstance(spec, str) else spec


class ToolSpec(Spec):
    """One entry of `tools.yaml`."""

    slug: str = Field(pattern=TOOL_SLUG)
    # Other slugs that resolve to this tool everywhere a slug is accepted: Composio's slug for
    # the same operation when it differs from ours (`SLACK_SENDS_A_MESSAGE_TO_A_SLACK_CHANNEL`).
    aliases: list[Annotated[str, Field(pattern=TOOL_SLUG)]] = Field(default_factory=list)
    name: str | None = None
    description: str = Field(min_length=1)
    human_description: str | None = None
    input: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    output: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    tags: list[str] = Field(default_factory=list)
    scopes: list[str] = Field(default_factory=list)
    http: HttpSpec | None = None
    handler: str | None = Field(None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    added_in: str | None = None
    removed_in: str | None = None
    deprecated: bool = False

    @model_validator(mode="after")
    def _one_implementation(self) -> ToolSpec:
        if (self.http is None) == (self.handler is None):
            raise ValueError("a tool needs exactly one of `http` and `handler`")
        return self

    def display_name(self, toolkit_slug: str) -> str:
        """`name`, or one derived from the slug: GITHUB_CREATE_ISSUE -> "Create issue"."""
        if self.name:
            return self.name
        action = self.slug.removeprefix(toolkit_slug.upper() + "_")
        return action.replace("_", " ").capitalize()


class TriggerSpec(Spec):
    """One entry of `triggers.yaml`: a trigger type (docs/toolkit-format.md, docs/triggers.md)."""

    slug: str = Field(pattern=TOOL_SLUG)
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    instructions: str = ""
    kind: Literal["webhook", "poll"]
    config: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    payload: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    # What the provider module needs to know (events to register, defaults): its own keys.
    source: dict[str, Any] = Field(default_factory=dict)
    added_in: str | None = None
    removed_in: str | None = None


def check_version(version: str) -> str:
    """A toolkit version is `YYYYMMDD_NN` with a real date."""
    if not re.match(VERSION, version):
        raise ValueError(f"version {version!r} is not YYYYMMDD_NN")
    try:
        dt.date(int(version[:4]), int(version[4:6]), int(version[6:8]))
    except ValueError:
        raise ValueError(f"version {version!r} does not start with a real date") from None
    return version


def _field(
    name: str, display: str, description: str, *, secret: bool = False, required: bool = True
) -> FieldSpec:
    return FieldSpec(
        name=name, display_name=display, description=description, secret=secret, required=required
    )


# The fields each auth mode needs unless a scheme lists its own: (config_fields, account_fields).
DEFAULT_FIELDS: dict[str, tuple[list[FieldSpec], list[FieldSpec]]] = {
    "OAUTH2": (
        [
            _field("client_id", "Client ID", "OAuth client ID of your app."),
            _field("client_secret", "Client secret", "OAuth client secret of your app.", secret=True),
        ],
        [],
    ),
    "OAUTH1": (
        [
            _field("consumer_key", "Consumer key", "OAuth 1.0a consumer key of your app."),
            _field(
                "consumer_secret", "Consumer secret", "OAuth 1.0a consumer secret of your app.", secret=True
            ),
        ],
        [],
    ),
    "API_KEY": ([], [_field("api_key", "API key", "The account's API key.", secret=True)]),
    "BEARER_TOKEN": ([], [_field("token", "Token", "A bearer token for the account.", secret=True)]),
    "BASIC": (
        [],
        [
            _field("username", "Username", "Account username."),
            _field("password", "Password", "Account password.", secret=True),
        ],
    ),
    "NO_AUTH": ([], []),
}

# Where credentials go unless a scheme says otherwise. BASIC and OAUTH1 are
# built by the executor itself (Authorization: Basic ..., OAuth signature).
DEFAULT_PLACEMENTS: dict[str, list[PlacementSpec]] = {
    "OAUTH2": [PlacementSpec(location="header", name="Authorization", template="Bearer {access_token}")],
    "BEARER_TOKEN": [PlacementSpec(location="header", name="Authorization", template="Bearer {token}")],
}

DEFAULT_SCHEME_NAMES = {
    "OAUTH2": "OAuth 2.0",
    "OAUTH1": "OAuth 1.0a",
    "API_KEY": "API key",
    "BEARER_TOKEN": "Bearer token",
    "BASIC": "Username and password",
    "NO_AUTH": "No authentication",
}
