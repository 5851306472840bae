"""What a toolkit's auth scheme accepts, and checking input against it.

The catalog says which fields an auth config and a connected account of each
scheme take (`AuthScheme.config_fields` / `account_fields`, each with a
`secret` flag). This module turns a request's loose dict into the values to
keep, split into the plain part and the part the vault seals, and names the
offending field when the input does not fit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from valetkey.catalog.model import AuthField, AuthScheme, Toolkit
from valetkey.core.errors import BadRequest, NotFound, ValidationError
from valetkey.net.egress import EgressPolicy, EgressRefused

SCHEMES = ("OAUTH2", "OAUTH1", "API_KEY", "BEARER_TOKEN", "BASIC", "NO_AUTH")
REDIRECT_SCHEMES = ("OAUTH2", "OAUTH1")
# Auth-config credentials every scheme accepts besides its own config fields.
URL_OVERRIDES = ("base_url", "authorization_url", "token_url")
PUBLIC_CONFIG_EXTRAS = (*URL_OVERRIDES, "oauth_redirect_uri")
# Endpoint overrides only one scheme has: OAuth 1.0a's request-token and access-token URLs
# (`oauth_endpoints.oauth_app` reads them; without them an OAUTH1 config could not leave the defaults).
SCHEME_URL_OVERRIDES = {"OAUTH1": ("request_token_url", "access_token_url")}
SCOPE_KEYS = ("scopes", "user_scopes")
MAX_VALUES = 50
MAX_VALUE_LENGTH = 16_384


@dataclass(frozen=True)
class CheckedValues:
    """Input that fits a scheme: what may be stored plainly, and what must be sealed."""

    public: dict[str, str] = field(default_factory=dict)
    secret: dict[str, str] = field(default_factory=dict)

    def merged(self) -> dict[str, str]:
        return {**self.public, **self.secret}


class ToolkitLookup(Protocol):
    """What `toolkit_of` needs of a catalog (the `Catalog` registry, or a test's stand-in)."""

    def toolkit(self, slug: str) -> Toolkit | None: ...


def toolkit_of(catalog: ToolkitLookup, slug: str) -> Toolkit:
    """The toolkit, or a 404 naming it. Slugs are case-insensitive on the wire (GITHUB == github)."""
    slug = (slug or "").strip().lower()
    if not slug:
        raise ValidationError(
            "A toolkit slug is required",
            suggested_fix='Send "toolkit": {"slug": "github"}.',
        )
    toolkit = catalog.toolkit(slug)
    if toolkit is None:  # a catalog may answer None rather than raise
        raise NotFound(
            f"Toolkit '{slug}' not found",
            slug="ToolkitNotFound",
            suggested_fix="List toolkits with GET /api/v3/toolkits.",
        )
    return toolkit


def scheme_of(toolkit: Toolkit, mode: str) -> AuthScheme:
    """The toolkit's scheme for `mode`, or a 400 listing the ones it has."""
    scheme = toolkit.scheme(mode)
    if scheme is None and mode == "NO_AUTH" and toolkit.no_auth:
        return AuthScheme(mode="NO_AUTH", name="No authentication")
    if scheme is None:
        available = ", ".join(s.mode for s in toolkit.auth_schemes) or "NO_AUTH"
        raise BadRequest(
            f"Toolkit '{toolkit.slug}' does not support the {mode} auth scheme (it supports: {available})",
            slug="AuthSchemeNotSupported",
            suggested_fix=f"Use one of: {available}.",
        )
    return scheme


def normalize_mode(value: Any, *, where: str) -> str:
    mode = str(value or "").strip().upper()
    if mode not in SCHEMES:
        raise ValidationError(
            f"Unknown auth scheme {value!r} in {where}",
            suggested_fix=f"Use one of: {', '.join(SCHEMES)}.",
        )
    return mode


def default_scheme(toolkit: Toolkit) -> AuthScheme:
    """The scheme a request that names none gets: the toolkit's first."""
    if not toolkit.auth_schemes:
        return AuthScheme(mode="NO_AUTH", name="No authentication")
    return toolkit.auth_schemes[0]


def _string(name: str, value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValidationError(
            f"{where}.{name} must be a string",
            suggested_fix=f"Send {name} as a string value.",
        )
    text = str(value)
    if len(text) > MAX_VALUE_LENGTH:
        raise ValidationError(f"{where}.{name} is too long (at most {MAX_VALUE_LENGTH} characters)")
    return text


def _check_url(name: str, value: str, where: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(
            f"{where}.{name} must be an http(s) URL, got {value!r}",
            suggested_fix=f"Pass a full URL such as https://api.example.com for {name}.",
        )


# The URLs Valetkey itself calls (authorization_url is where the user's browser goes).
EGRESS_URLS = ("base_url", "token_url")


def check_egress(policy: EgressPolicy, values: Mapping[str, Any] | None, where: str) -> None:
    """A 400 now for a configured base or token URL that can only reach a refused address (cheap: no DNS)."""
    for name in EGRESS_URLS:
        value = (values or {}).get(name)
        if isinstance(value, str):
            try:
                policy.check_url_without_dns(value)
            except EgressRefused as exc:
                raise BadRequest(f"{where}.{name}: {exc}", slug="EgressRefused") from None


def _require(fields: Iterable[AuthField], values: Mapping[str, str], where: str, hint: str) -> None:
    for spec in fields:
        if spec.required and spec.default is None and not values.get(spec.name):
            raise BadRequest(
                f"Missing required field '{spec.name}' ({spec.display_name}) in {where}",
                slug="MissingRequiredField",
                suggested_fix=hint,
            )


def check_config_credentials(
    scheme: AuthScheme, raw: Mapping[str, Any] | None, *, require: bool
) -> CheckedValues:
    """Credentials of a custom auth config: the scheme's config fields plus endpoint overrides.

    Scopes are not credentials here (see `parse_scopes`). Unknown names are
    refused, so a typo (`clientId`) fails loudly instead of being ignored.
    """
    where = "credentials"
    raw = {k: v for k, v in (raw or {}).items() if k not in SCOPE_KEYS and v is not None}
    declared = {f.name: f for f in scheme.config_fields}
    own_urls = SCHEME_URL_OVERRIDES.get(scheme.mode, ())
    accepted = [*declared, *PUBLIC_CONFIG_EXTRAS, *own_urls]
    if len(raw) > MAX_VALUES:
        raise ValidationError(f"Too many credential fields (at most {MAX_VALUES})")
    checked = CheckedValues()
    for name, value in raw.items():
        if name not in accepted:
            raise ValidationError(
                f"Unknown field '{name}' in credentials for the {scheme.mode} scheme",
                suggested_fix=f"Accepted fields: {', '.join(accepted)}.",
            )
        text = _string(name, value, where)
        if name in URL_OVERRIDES or name in own_urls:
            _check_url(name, text, where)
        spec = declared.get(name)
        (checked.secret if spec is not None and spec.secret else checked.public)[name] = text
    if require:
        names = ", ".join(f.name for f in scheme.config_fields if f.required)
        _require(
            scheme.config_fields,
            checked.merged(),
            where,
            f"A custom {scheme.mode} auth config needs credentials: {names}.",
        )
    return checked


def check_account_values(scheme: AuthScheme, raw: Mapping[str, Any] | None) -> CheckedValues:
    """The `val` of a connection: the scheme's account fields, defaults filled in.

    Values the scheme does not declare are kept but treated as secret, since
    nothing says they are safe to show. `status` (which the SDK helpers add)
    is the caller's wish, not data, and is dropped.
    """
    where = "config.val"
    raw = {k: v for k, v in (raw or {}).items() if k != "status" and v is not None}
    if len(raw) > MAX_VALUES:
        raise ValidationError(f"Too many fields in config.val (at most {MAX_VALUES})")
    declared = {f.name: f for f in scheme.account_fields}
    checked = CheckedValues()
    for name, value in raw.items():
        text = _string(name, value, where)
        if name == "base_url":
            _check_url(name, text, where)
        spec = declared.get(name)
        (checked.public if spec is not None and not spec.secret else checked.secret)[name] = text
    for spec in scheme.account_fields:
        if spec.default is not None and spec.name not in checked.merged():
            (checked.secret if spec.secret else checked.public)[spec.name] = spec.default
    example = ", ".join(f"'{f.name}': ..." for f in scheme.account_fields if f.required)
    _require(
        scheme.account_fields,
        checked.merged(),
        where,
        f"Pass config={{'auth_scheme': '{scheme.mode}', 'val': {{{example}}}}}.",
    )
    return checked


def parse_scopes(value: Any, *, where: str = "credentials.scopes") -> list[str] | None:
    """Scopes as a list; the API takes a list or one comma/space separated string."""
    if value is None:
        return None
    if isinstance(value, str):
        items = value.replace(",", " ").split()
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = [s.strip() for v in value for s in v.replace(",", " ").split()]
    else:
        raise ValidationError(f"{where} must be a list of strings or a comma-separated string")
    seen: dict[str, None] = {}
    for scope in items:
        if scope:
            seen.setdefault(scope, None)
    return list(seen)
