"""What every Google API emulator shares: Google's OAuth endpoints, error bodies and request handling.

Gmail, Calendar, Drive and Sheets emulators each mount these pieces under
their own slug (``{sandbox}/<slug>``), so a toolkit whose auth config points
``authorization_url`` at ``{sandbox}/<slug>/o/oauth2/v2/auth`` and
``token_url`` at ``{sandbox}/<slug>/token`` talks to Google-shaped OAuth:

- `GoogleOAuth2Provider`: refresh tokens only for ``access_type=offline``,
  and only on first consent unless ``prompt=consent`` (Google's rule); no
  refresh-token rotation; ``ya29.`` access tokens living 3599 s;
- `google_oauth_routes`: authorize at ``/o/oauth2/v2/auth`` and
  ``/o/oauth2/auth``, token at ``/token``, revoke at ``/revoke`` (any token,
  no client authentication, the whole grant ends), ``/tokeninfo`` and
  ``/oauth2/v3/userinfo``;
- `GoogleError`: ``{"error": {"code", "message", "errors": [...], "status"}}``;
- `GoogleApi.route`: 401 for a missing or bad token, 403 for missing scopes,
  400 for bad JSON, 429 past a per-user quota, each with Google's body, and
  the handler run under the state lock with a `GoogleCall`;
- `page_slice`: ``pageToken``/``nextPageToken`` cursors.

Users are OAuth subjects; `google_email` gives each an address.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.emulator_http import RateLimiter, json_response, read_json_body, request_token
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_routes import OAuth2Paths, oauth2_routes
from valetkey.sandbox.oauth2_types import Grant, OAuth2Config

MEDIA_TYPE = "application/json; charset=UTF-8"
REALM = 'Bearer realm="https://accounts.google.com/"'
DEFAULT_SUBJECT = "alice@example.com"
STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
REASON = {
    400: "invalidArgument",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    409: "conflict",
    412: "failedPrecondition",
    429: "rateLimitExceeded",
    500: "backendError",
    503: "backendError",
}


def google_email(subject: str) -> str:
    """The address of an emulated Google account: the subject itself when it is one."""
    return subject if "@" in subject else f"{subject}@example.com"


# -- OAuth ----------------------------------------------------------------------


def google_oauth2_config(**overrides: Any) -> OAuth2Config:
    """Google's token behaviour as `OAuth2Config` data; `overrides` replace any field."""
    values: dict[str, Any] = dict(
        access_token_lifetime=3599.0,
        rotate_refresh_tokens=False,
        token_type="Bearer",
        scope_separator=" ",
        access_token_prefix="ya29.",
        refresh_token_prefix="1//",
        default_subject=DEFAULT_SUBJECT,
    )
    values.update(overrides)
    return OAuth2Config(**values)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class GoogleOAuth2Provider(OAuth2Provider):
    """An `OAuth2Provider` that hands out refresh tokens the way Google does.

    A refresh token comes with a code only when the authorization asked for
    ``access_type=offline``, and then only the first time a user approves a
    client, unless ``prompt=consent`` forces the consent screen again.
    """

    def __init__(self, config: OAuth2Config | None = None, **kwargs: Any):
        super().__init__(config or google_oauth2_config(), **kwargs)
        self._code_refresh: dict[str, bool] = {}
        self._consented: set[tuple[str, str]] = set()
        self._local = threading.local()

    def authorization_request(self, params):
        location = super().authorization_request(params)
        codes = parse_qs(urlsplit(location).query).get("code")
        code = codes[0] if codes else None
        if code:
            who = (params.get("client_id", ""), params.get("sandbox_user") or self.config.default_subject)
            offline = params.get("access_type") == "offline"
            fresh = "consent" in (params.get("prompt") or "").split() or who not in self._consented
            with self._lock:
                self._code_refresh[_digest(code)] = offline and fresh
                if offline:
                    self._consented.add(who)
        return location

    def _exchange_code(self, client, form):
        with self._lock:
            wanted = self._code_refresh.pop(_digest(form.get("code") or ""), True)
        self._local.no_refresh = not wanted
        try:
            return super()._exchange_code(client, form)
        finally:
            self._local.no_refresh = False

    def _issue(self, *args, with_refresh=True, **kwargs):
        if getattr(self._local, "no_refresh", False):
            with_refresh = False
        return super()._issue(*args, with_refresh=with_refresh, **kwargs)

    def revoke_grant(self, token: str) -> bool:
        """Google's /revoke: an access or refresh token ends every token of its grant."""
        grant = self.validate_access_token(token)
        with self._lock:
            refresh = self._refresh.get(_digest(token))
            authorization = (
                grant.authorization_id
                if grant
                else (refresh.authorization_id if refresh and not refresh.revoked else None)
            )
            if authorization is None:
                return False
            self._revoke_authorization(authorization)
        self.stats.add("revocations")
        return True


def google_oauth_routes(provider: GoogleOAuth2Provider) -> list[Route]:
    """Google's OAuth endpoints at their real paths (accounts.google.com and oauth2.googleapis.com)."""
    routes = oauth2_routes(
        provider, paths=OAuth2Paths(authorize="/o/oauth2/v2/auth", token="/token", revoke=None, userinfo=None)
    )
    routes += oauth2_routes(
        provider, paths=OAuth2Paths(authorize="/o/oauth2/auth", token=None, revoke=None, userinfo=None)
    )

    async def revoke(request: Request) -> Response:
        form = await request.form() if request.method == "POST" else {}
        token = form.get("token") or request.query_params.get("token")
        if not token or not provider.revoke_grant(str(token)):
            return json_response(
                {"error": "invalid_token", "error_description": "Token expired or revoked"},
                400,
                media_type=MEDIA_TYPE,
            )
        return json_response({}, 200, media_type=MEDIA_TYPE)

    async def tokeninfo(request: Request) -> Response:
        token = request.query_params.get("access_token") or request_token(request)
        grant = provider.validate_access_token(token)
        if grant is None:
            return json_response(
                {"error": "invalid_token", "error_description": "Invalid Value"}, 400, media_type=MEDIA_TYPE
            )
        body = {
            "azp": grant.client_id,
            "aud": grant.client_id,
            "sub": _sub(grant.subject),
            "scope": " ".join(grant.scopes),
            "email": google_email(grant.subject),
            "email_verified": "true",
            "access_type": "offline",
        }
        if grant.expires_at is not None:
            left = max(0, int(grant.expires_at - provider.clock()))
            body.update(exp=str(int(grant.expires_at)), expires_in=str(left))
        return json_response(body, media_type=MEDIA_TYPE)

    async def userinfo(request: Request) -> Response:
        grant = provider.validate_access_token(request_token(request))
        if grant is None:
            return unauthenticated(bad_token=True)
        email = google_email(grant.subject)
        return json_response(
            {
                "sub": _sub(grant.subject),
                "email": email,
                "email_verified": True,
                "name": email.split("@")[0].title(),
            },
            media_type=MEDIA_TYPE,
        )

    return routes + [
        Route("/revoke", revoke, methods=["POST", "GET"]),
        Route("/tokeninfo", tokeninfo),
        Route("/oauth2/v3/userinfo", userinfo),
        Route("/v1/userinfo", userinfo),
    ]


def _sub(subject: str) -> str:
    """A stable numeric account id, as Google's ``sub`` is."""
    return str(int(hashlib.sha256(subject.encode()).hexdigest()[:15], 16))


# -- errors ---------------------------------------------------------------------


class GoogleError(Exception):
    """An error answer of a Google API; raise it from a handler, `GoogleApi` renders it."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        reason: str | None = None,
        status: str | None = None,
        domain: str = "global",
        location: str | None = None,
        location_type: str | None = None,
        headers: dict[str, str] | None = None,
        details: list[dict] | None = None,
        item_message: str | None = None,
    ):
        super().__init__(message)
        self.code, self.message = code, message
        self.item_message = item_message or message  # errors[0].message, shorter in a few answers
        self.reason = reason or REASON.get(code, "backendError")
        self.status = status or STATUS.get(code, "UNKNOWN")
        self.domain, self.location, self.location_type = domain, location, location_type
        self.headers = dict(headers or {})
        self.details = details

    def body(self) -> dict[str, Any]:
        item: dict[str, Any] = {"message": self.item_message, "domain": self.domain, "reason": self.reason}
        if self.location:
            item.update(location=self.location, locationType=self.location_type or "parameter")
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "errors": [item],
            "status": self.status,
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}

    def response(self) -> Response:
        return json_response(self.body(), self.code, self.headers, media_type=MEDIA_TYPE)


def not_found(message: str = "Requested entity was not found.") -> GoogleError:
    return GoogleError(404, message)


def invalid(message: str) -> GoogleError:
    return GoogleError(400, message)


def unauthenticated(*, bad_token: bool) -> Response:
    """Google's 401: ``Login Required`` without a token, ``Invalid Credentials`` with a bad one."""
    hint = (
        "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
        "See https://developers.google.com/identity/sign-in/web/devconsole-project."
    )
    if bad_token:
        error = GoogleError(
            401,
            f"Request had invalid authentication credentials. {hint}",
            reason="authError",
            item_message="Invalid Credentials",
            location="Authorization",
            location_type="header",
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
        )
    else:
        error = GoogleError(
            401,
            f"Request is missing required authentication credential. {hint}",
            reason="required",
            item_message="Login Required.",
            location="Authorization",
            location_type="header",
            headers={"WWW-Authenticate": REALM},
        )
    return error.response()


def insufficient_scopes(service: str, scopes: tuple[str, ...]) -> GoogleError:
    body_scope = " ".join(scopes)
    return GoogleError(
        403,
        "Request had insufficient authentication scopes.",
        reason="insufficientPermissions",
        item_message="Insufficient Permission",
        headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{body_scope}"'},
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {"service": service},
            }
        ],
    )


# -- paging -----------------------------------------------------------------------


def page_slice(items: list[Any], page_token: str | None, max_results: int) -> tuple[list[Any], str | None]:
    """One page of `items` from an opaque ``pageToken``, and the ``nextPageToken`` (None on the last page)."""
    start = 0
    if page_token:
        try:
            start = int(base64.urlsafe_b64decode(page_token.encode() + b"==").decode().removeprefix("o:"))
        except ValueError as exc:
            raise invalid("Invalid pageToken") from exc
    end = start + max_results
    token = base64.urlsafe_b64encode(f"o:{end}".encode()).decode().rstrip("=") if end < len(items) else None
    return items[start:end], token


# -- API requests -------------------------------------------------------------------


@dataclass
class GoogleCall:
    """One authenticated API request as a handler sees it."""

    request: Request
    state: Any
    grant: Grant
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    # The body's bytes, for routes declared with ``raw_body=True`` (media uploads); `body` is then {}.
    raw: bytes = b""

    @property
    def email(self) -> str:
        return google_email(self.grant.subject)

    @property
    def params(self) -> dict[str, str]:
        return self.request.path_params

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def query_list(self, name: str) -> list[str]:
        return [v for v in self.request.query_params.getlist(name) if v]

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.query(name)
        return default if value is None else value.lower() == "true"

    def integer(self, name: str, default: int, maximum: int) -> int:
        """An integer query parameter, as Google reads it: junk is a 400, too large is capped."""
        raw = self.query(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise GoogleError(
                400, f"Invalid value at '{name}' (TYPE_UINT32), \"{raw}\"", location=name
            ) from exc
        if value < 0:
            raise GoogleError(400, f"Invalid value for {name}: {value}", location=name)
        return min(value or default, maximum)

    def reply(self, body: Any, status: int = 200) -> Response:
        if body is None:
            return Response(status_code=204, headers=self.headers)
        return json_response(body, status, self.headers, media_type=MEDIA_TYPE)


GoogleHandler = Callable[[GoogleCall], Response]


@dataclass
class GoogleApi:
    """Google-shaped request handling for one emulated API (``service`` like ``gmail.googleapis.com``)."""

    store: StateStore[Any]
    oauth2: GoogleOAuth2Provider
    service: str
    quota: RateLimiter = field(default_factory=lambda: RateLimiter(15000, 60, resource=None))

    def route(
        self,
        method: str,
        path: str,
        handler: GoogleHandler,
        *,
        scopes: tuple[str, ...] = (),
        raw_body: bool = False,
    ) -> Route:
        """A route answering like Google; the token needs one of `scopes` (any scope when empty).

        `raw_body` hands the handler the body's bytes (`GoogleCall.raw`) instead of parsed JSON,
        for media uploads (``multipart/related``, raw media).
        """

        async def endpoint(request: Request) -> Response:
            return await self._handle(request, handler, scopes, raw_body)

        return Route(path, endpoint, methods=[method])

    async def _handle(
        self, request: Request, handler: GoogleHandler, scopes: tuple[str, ...], raw_body: bool = False
    ) -> Response:
        token = request_token(request) or request.query_params.get("access_token")
        if not token:
            return unauthenticated(bad_token=False)
        grant = self.oauth2.validate_access_token(token)
        if grant is None:
            return unauthenticated(bad_token=True)
        if scopes and not set(scopes) & set(grant.scopes):
            return insufficient_scopes(self.service, scopes).response()
        allowed, _ = self.quota.check(grant.subject)
        if not allowed:
            return GoogleError(
                429,
                f"Quota exceeded for quota metric 'Queries' of service '{self.service}'.",
                reason="rateLimitExceeded",
            ).response()
        raw = await request.body() if raw_body else b""
        body, ok = (None, True) if raw_body else await read_json_body(request)
        if not ok:
            return invalid("Invalid JSON payload received. Unexpected token.").response()
        if body is not None and not isinstance(body, dict):
            return invalid("Invalid JSON payload received. Expected an object.").response()
        with self.store.transaction() as state:
            call = GoogleCall(request, state, grant, body or {}, raw=raw)
            try:
                return handler(call)
            except GoogleError as error:
                return error.response()
