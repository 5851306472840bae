"""An in-memory OAuth 2.0 authorization server (RFC 6749, 7636 PKCE, 7009 revocation).

`OAuth2Provider` is a plain, thread-safe object: the HTTP routes in
`oauth2_routes` are thin wrappers around its three request handlers, and API
emulators call `validate_access_token` on every request. Tokens are opaque
random strings; only their SHA-256 digests are kept as lookup keys, so a
dictionary lookup leaks no timing about a token's value.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from valetkey.sandbox.faults import Fault, FaultQueue, Triggered
from valetkey.sandbox.oauth2_checks import PKCE_VALUE, add_query, authenticate_client, check_pkce
from valetkey.sandbox.oauth2_types import (
    Grant,
    InvalidAuthorizationRequest,
    OAuth2Client,
    OAuth2Config,
    OAuth2Error,
    OAuth2Stats,
)

TRUTHY = frozenset({"1", "true", "yes", "on"})


@dataclass
class _Code:
    client_id: str
    redirect_uri: str | None  # as sent in the authorization request; None when omitted
    scopes: tuple[str, ...]
    subject: str
    challenge: str | None
    challenge_method: str | None
    expires_at: float
    authorization_id: str
    used: bool = False


@dataclass
class _RefreshToken:
    client_id: str
    subject: str
    scopes: tuple[str, ...]
    expires_at: float | None
    authorization_id: str
    rotated: bool = False  # replaced by a newer token: presenting it again is reuse
    revoked: bool = False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class OAuth2Provider:
    """Clients, codes and tokens of one emulated provider, plus its fault switches and counters."""

    def __init__(self, config: OAuth2Config | None = None, *, clock: Callable[[], float] = time.time):
        self._config = config or OAuth2Config()
        self.clock = clock
        self.faults = FaultQueue()
        self.stats = OAuth2Stats()
        self._lock = threading.RLock()
        self._clients: dict[str, OAuth2Client] = {}
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, _RefreshToken] = {}

    # -- configuration -----------------------------------------------------

    @property
    def config(self) -> OAuth2Config:
        return self._config

    def configure(self, **changes) -> OAuth2Config:
        """Change behaviour at runtime, e.g. ``configure(access_token_lifetime=1)``."""
        with self._lock:
            self._config = dataclasses.replace(self._config, **changes)
            return self._config

    def register_client(self, client: OAuth2Client) -> OAuth2Client:
        with self._lock:
            self._clients[client.client_id] = client
        return client

    def get_client(self, client_id: str) -> OAuth2Client | None:
        with self._lock:
            return self._clients.get(client_id)

    def fail_next(
        self,
        kind: str,
        count: int = 1,
        *,
        grant_type: str | None = None,
        status: int = 503,
        delay_ms: int = 0,
    ) -> Fault:
        """Arm a fault: ``deny`` applies to authorizations, the other kinds to token requests."""
        endpoint = "authorize" if kind == "deny" else "token"
        return self.faults.arm(Fault(kind, endpoint, count, grant_type, status, delay_ms))

    def reset(self) -> None:
        """Forget codes, tokens, faults and counters; keep clients and configuration."""
        with self._lock:
            self._codes.clear()
            self._access.clear()
            self._refresh.clear()
        self.faults.clear()
        self.stats.reset()

    # -- authorization endpoint ---------------------------------------------

    def authorization_request(self, params: Mapping[str, str]) -> str:
        """Auto-approve (or deny) an authorization request; return where to redirect the browser.

        Raises `InvalidAuthorizationRequest` when the client or redirect URI
        cannot be trusted; every other problem is reported to the client by
        redirect. ``sandbox_deny=1`` denies this request; ``sandbox_user=NAME``
        picks the subject that approves.
        """
        self.stats.add("authorization_requests")
        triggered = self._take_faults("authorize")
        client = self.get_client(params.get("client_id", ""))
        if client is None:
            raise InvalidAuthorizationRequest("invalid_client", "unknown client_id")
        redirect_uri = params.get("redirect_uri")
        if redirect_uri is None:
            if len(client.redirect_uris) != 1:
                raise InvalidAuthorizationRequest(
                    "invalid_request", "redirect_uri is required for this client"
                )
            target = client.redirect_uris[0]
        elif client.accepts_redirect_uri(redirect_uri):
            target = redirect_uri
        else:
            raise InvalidAuthorizationRequest(
                "invalid_request", "redirect_uri is not registered for this client"
            )

        def reply(**fields: str) -> str:
            if "state" in params:
                fields["state"] = params["state"]
            return add_query(target, fields)

        if triggered.failure is not None and triggered.failure.kind == "server_error":
            raise OAuth2Error("server_error", "injected fault", status=triggered.failure.status)
        if triggered.failure is not None or params.get("sandbox_deny", "").lower() in TRUTHY:
            self.stats.add("denials")
            return reply(error="access_denied", error_description="the user denied the request")
        if params.get("response_type") != "code":
            return reply(
                error="unsupported_response_type", error_description="only response_type=code is supported"
            )
        config = self.config
        scopes = config.split_scopes(params.get("scope")) or client.default_scopes
        if client.allowed_scopes is not None and not set(scopes) <= set(client.allowed_scopes):
            return reply(
                error="invalid_scope", error_description="a requested scope is not allowed for this client"
            )
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method") or ("plain" if challenge else None)
        if challenge is None:
            if method is not None:
                return reply(
                    error="invalid_request", error_description="code_challenge_method without code_challenge"
                )
            if client.is_public or config.require_pkce:
                return reply(error="invalid_request", error_description="PKCE code_challenge is required")
        elif method not in config.pkce_methods:
            return reply(error="invalid_request", error_description="unsupported code_challenge_method")
        elif not PKCE_VALUE.match(challenge):
            return reply(error="invalid_request", error_description="malformed code_challenge")

        code = secrets.token_urlsafe(32)
        record = _Code(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            subject=params.get("sandbox_user") or config.default_subject,
            challenge=challenge,
            challenge_method=method,
            expires_at=self.clock() + config.code_lifetime,
            authorization_id=secrets.token_hex(8),
        )
        with self._lock:
            self._prune_codes()
            self._codes[_digest(code)] = record
        self.stats.add("authorizations")
        return reply(code=code)

    # -- token endpoint ------------------------------------------------------

    def token_request(self, form: Mapping[str, str], authorization: str | None = None) -> dict:
        """Handle a token endpoint POST; return the token response or raise `OAuth2Error`.

        ``authorization`` is the request's Authorization header, for HTTP Basic
        client authentication. Armed faults apply here (a slow fault sleeps in
        the calling thread, so routes run this in a thread pool).
        """
        self.stats.add("token_requests")
        grant_type = form.get("grant_type")
        try:
            triggered = self._take_faults("token", grant_type)
            if triggered.failure is not None:
                if triggered.failure.kind == "server_error":
                    raise OAuth2Error("server_error", "injected fault", status=triggered.failure.status)
                raise OAuth2Error("invalid_grant", "injected fault")
            client = self._authenticate_client(form, authorization)
            if grant_type == "authorization_code":
                return self._exchange_code(client, form)
            if grant_type == "refresh_token":
                return self._refresh_tokens(client, form)
            if not grant_type:
                raise OAuth2Error("invalid_request", "grant_type is required")
            raise OAuth2Error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
        except OAuth2Error:
            self.stats.add("token_errors")
            raise

    def _exchange_code(self, client: OAuth2Client, form: Mapping[str, str]) -> dict:
        code = form.get("code")
        if not code:
            raise OAuth2Error("invalid_request", "code is required")
        verifier = form.get("code_verifier")
        with self._lock:
            record = self._codes.get(_digest(code))
            if record is None or record.client_id != client.client_id:
                raise OAuth2Error("invalid_grant", "unknown authorization code")
            if record.used:
                # RFC 6749 §4.1.2: a replayed code may be stolen; revoke what it produced.
                self.stats.add("reuse_detections")
                self._revoke_authorization(record.authorization_id)
                raise OAuth2Error("invalid_grant", "authorization code was already used")
            record.used = True  # any attempt burns the code, so verifiers cannot be guessed
            if self.clock() >= record.expires_at:
                raise OAuth2Error("invalid_grant", "authorization code expired")
            sent_uri = form.get("redirect_uri")
            if record.redirect_uri is not None and sent_uri != record.redirect_uri:
                raise OAuth2Error("invalid_grant", "redirect_uri does not match the authorization request")
            if record.redirect_uri is None and sent_uri is not None and sent_uri not in client.redirect_uris:
                raise OAuth2Error("invalid_grant", "redirect_uri does not match the registered one")
            check_pkce(record.challenge, record.challenge_method, verifier)
            response = self._issue(client.client_id, record.subject, record.scopes, record.authorization_id)
        self.stats.add("code_exchanges")
        return response

    def _refresh_tokens(self, client: OAuth2Client, form: Mapping[str, str]) -> dict:
        token = form.get("refresh_token")
        if not token:
            raise OAuth2Error("invalid_request", "refresh_token is required")
        config = self.config
        with self._lock:
            record = self._refresh.get(_digest(token))
            if record is None or record.client_id != client.client_id:
                raise OAuth2Error("invalid_grant", "unknown refresh token")
            if record.revoked:
                raise OAuth2Error("invalid_grant", "refresh token was revoked")
            if record.rotated:
                self.stats.add("reuse_detections")
                if config.refresh_reuse_revokes_grant:
                    self._revoke_authorization(record.authorization_id)
                raise OAuth2Error("invalid_grant", "refresh token was already used")
            if record.expires_at is not None and self.clock() >= record.expires_at:
                raise OAuth2Error("invalid_grant", "refresh token expired")
            scopes = config.split_scopes(form.get("scope")) or record.scopes
            if not set(scopes) <= set(record.scopes):
                raise OAuth2Error("invalid_scope", "refresh may not widen the granted scopes")
            if config.rotate_refresh_tokens:
                record.rotated = True
            response = self._issue(
                client.client_id,
                record.subject,
                scopes,
                record.authorization_id,
                with_refresh=config.rotate_refresh_tokens,
                refresh_scopes=record.scopes,
            )
        self.stats.add("refreshes")
        return response

    def issue_tokens(self, client_id: str, subject: str, scopes: tuple[str, ...] = ()) -> dict:
        """Mint tokens without a browser flow, as if ``subject`` had approved ``client_id``."""
        with self._lock:
            return self._issue(client_id, subject, tuple(scopes), secrets.token_hex(8))

    def _issue(
        self, client_id, subject, scopes, authorization_id, *, with_refresh=True, refresh_scopes=None
    ) -> dict:
        config = self.config
        now = self.clock()
        access = config.access_token_prefix + secrets.token_urlsafe(32)
        lifetime = config.access_token_lifetime
        grant = Grant(
            client_id, subject, scopes, None if lifetime is None else now + lifetime, authorization_id
        )
        if len(self._access) % 512 == 511:
            self._prune_tokens(now)
        self._access[_digest(access)] = grant
        response: dict = {"access_token": access, "token_type": config.token_type}
        if lifetime is not None:
            response["expires_in"] = int(lifetime) if float(lifetime).is_integer() else lifetime
        if with_refresh and config.issue_refresh_tokens:
            refresh = config.refresh_token_prefix + secrets.token_urlsafe(32)
            expires = None if config.refresh_token_lifetime is None else now + config.refresh_token_lifetime
            self._refresh[_digest(refresh)] = _RefreshToken(
                client_id, subject, refresh_scopes or scopes, expires, authorization_id
            )
            response["refresh_token"] = refresh
        response["scope"] = config.join_scopes(scopes)
        for name, value in config.extra_token_fields.items():
            response[name] = value(grant) if callable(value) else value
        return response

    # -- revocation endpoint (RFC 7009) --------------------------------------

    def revocation_request(self, form: Mapping[str, str], authorization: str | None = None) -> None:
        """Revoke an access or refresh token; unknown tokens are not an error (RFC 7009 §2.2)."""
        client = self._authenticate_client(form, authorization)
        token = form.get("token")
        if not token:
            raise OAuth2Error("invalid_request", "token is required")
        key = _digest(token)
        with self._lock:
            grant = self._access.get(key)
            refresh = self._refresh.get(key)
            owner = grant.client_id if grant else refresh.client_id if refresh else None
            if owner is not None and owner != client.client_id:
                raise OAuth2Error("unauthorized_client", "the token was issued to another client")
            if grant is not None:
                del self._access[key]
            if refresh is not None:
                # RFC 7009 §2.1: revoking a refresh token also revokes its access tokens.
                self._revoke_authorization(refresh.authorization_id)
        self.stats.add("revocations")

    def revoke_token(self, token: str) -> bool:
        """Revoke any token directly (admin/tests); True when it existed."""
        return self._revoke_by_key(_digest(token))

    def _revoke_by_key(self, key: str) -> bool:
        with self._lock:
            found = self._access.pop(key, None) is not None
            refresh = self._refresh.get(key)
            if refresh is not None:
                self._revoke_authorization(refresh.authorization_id)
                found = True
            return found

    # -- resource servers -----------------------------------------------------

    def validate_access_token(self, token: str | None) -> Grant | None:
        """The grant behind a bearer token, or None when unknown, revoked or expired."""
        if not token:
            return None
        with self._lock:
            grant = self._access.get(_digest(token))
        if grant is None or (grant.expires_at is not None and self.clock() >= grant.expires_at):
            return None
        return grant

    # -- internals -------------------------------------------------------------

    def _take_faults(self, endpoint: str, grant_type: str | None = None) -> Triggered:
        triggered = self.faults.take(endpoint, grant_type)
        count = (triggered.delay_ms > 0) + (triggered.failure is not None)
        if count:
            self.stats.add("faults_triggered", count)
        if triggered.delay_ms:
            time.sleep(triggered.delay_ms / 1000)
        return triggered

    def _authenticate_client(self, form: Mapping[str, str], authorization: str | None) -> OAuth2Client:
        return authenticate_client(
            form, authorization, methods=self.config.client_auth_methods, get_client=self.get_client
        )

    def _revoke_authorization(self, authorization_id: str) -> None:
        for key in [k for k, g in self._access.items() if g.authorization_id == authorization_id]:
            del self._access[key]
        for record in self._refresh.values():
            if record.authorization_id == authorization_id:
                record.revoked = True

    def _prune_codes(self) -> None:
        # Keep used codes while they could still be replayed, so reuse is detected.
        horizon = self.clock() - self.config.code_lifetime
        for key in [k for k, c in self._codes.items() if c.expires_at < horizon]:
            del self._codes[key]

    def _prune_tokens(self, now: float) -> None:
        for key in [k for k, g in self._access.items() if g.expires_at is not None and g.expires_at < now]:
            del self._access[key]
