"""An in-memory OAuth 1.0a provider: the three-legged flow and signed API requests (RFC 5849).

Like `OAuth2Provider`, a plain thread-safe object: `oauth1_routes` exposes its
request handlers over HTTP and API emulators call `validate_request` on every
signed call. Only HMAC-SHA1 is accepted, which is what OAuth 1.0a providers
still in use (X/Twitter, Trello, Flickr) speak.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, overload

from valetkey.net.oauth1 import hmac_sha1, parse_authorization_header, query_parameters, signature_base_string
from valetkey.sandbox.faults import Fault, FaultQueue, Triggered
from valetkey.sandbox.oauth2_checks import add_query, constant_time_equal
from valetkey.sandbox.oauth2_types import is_loopback_uri
from valetkey.sandbox.stats import Counters

REQUIRED = (
    "oauth_consumer_key",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
)
TRUTHY = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class OAuth1Consumer:
    """A registered consumer; callbacks match exactly, plus any loopback URL if allowed."""

    key: str
    secret: str
    callback_uris: tuple[str, ...] = ()
    allow_loopback_callbacks: bool = False
    allow_oob: bool = True

    def accepts_callback(self, callback: str) -> bool:
        if callback == "oob":
            return self.allow_oob
        return callback in self.callback_uris or (self.allow_loopback_callbacks and is_loopback_uri(callback))


@dataclass(frozen=True)
class OAuth1Config:
    """Behaviour of an emulated OAuth 1.0a provider.

    ``timestamp_window``: how far (seconds) a request's timestamp may be from
    now; nonces are remembered that long. ``extra_access_token_fields`` are
    added to the access token response (X's ``user_id``/``screen_name``); a
    callable value is called with the `OAuth1Grant`.
    """

    timestamp_window: float = 300.0
    request_token_lifetime: float = 600.0
    default_subject: str = "sandbox-user"
    extra_access_token_fields: Mapping[str, Any | Callable[[OAuth1Grant], Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class OAuth1Grant:
    """Who a validated signed request acts for."""

    consumer_key: str
    token: str
    subject: str


class OAuth1Error(Exception):
    """A refused OAuth 1.0 request, reported with the OAuth Problem Reporting vocabulary."""

    def __init__(self, problem: str, description: str, status: int = 401):
        super().__init__(f"{problem}: {description}")
        self.problem = problem
        self.description = description
        self.status = status


@dataclass
class OAuth1Stats(Counters):
    request_tokens: int = 0
    authorizations: int = 0
    denials: int = 0
    access_tokens: int = 0
    signed_requests: int = 0
    rejected_requests: int = 0
    faults_triggered: int = 0


@dataclass
class _Credentials:
    consumer_key: str
    secret: str
    kind: str  # "request" or "access"
    callback: str | None = None
    expires_at: float | None = None
    verifier: str | None = None
    subject: str | None = None
    used: bool = False


class OAuth1Provider:
    """Consumers, temporary and token credentials, nonces, faults and counters."""

    def __init__(self, config: OAuth1Config | None = None, *, clock: Callable[[], float] = time.time):
        self._config = config or OAuth1Config()
        self.clock = clock
        self.faults = FaultQueue()
        self.stats = OAuth1Stats()
        self._lock = threading.RLock()
        self._consumers: dict[str, OAuth1Consumer] = {}
        self._tokens: dict[str, _Credentials] = {}
        self._nonces: dict[tuple[str, str, str, str], float] = {}

    @property
    def config(self) -> OAuth1Config:
        return self._config

    def configure(self, **changes) -> OAuth1Config:
        with self._lock:
            self._config = dataclasses.replace(self._config, **changes)
            return self._config

    def register_consumer(self, consumer: OAuth1Consumer) -> OAuth1Consumer:
        with self._lock:
            self._consumers[consumer.key] = consumer
        return consumer

    def get_consumer(self, key: str) -> OAuth1Consumer | None:
        with self._lock:
            return self._consumers.get(key)

    def fail_next(
        self, kind: str, count: int = 1, *, endpoint: str | None = None, status: int = 503, delay_ms: int = 0
    ) -> Fault:
        """Arm a fault; ``deny`` applies to authorizations, the rest to ``endpoint`` (default access_token)."""
        endpoint = endpoint or ("authorize" if kind == "deny" else "access_token")
        return self.faults.arm(Fault(kind, endpoint, count, None, status, delay_ms))

    def reset(self) -> None:
        with self._lock:
            self._tokens.clear()
            self._nonces.clear()
        self.faults.clear()
        self.stats.reset()

    # -- the three legs ---------------------------------------------------------

    def request_token(
        self, method: str, url: str, authorization: str | None, body: Iterable[tuple[str, str]] = ()
    ) -> dict:
        """Temporary credentials for a signed request carrying ``oauth_callback`` (RFC 5849 §2.1)."""
        with self._rejections():
            self._apply_faults("request_token")
            consumer, oauth, _ = self._verify(method, url, authorization, body, token_kind=None)
            callback = oauth.get("oauth_callback")
            if not callback:
                raise OAuth1Error("parameter_absent", "oauth_callback is required", 400)
            if not consumer.accepts_callback(callback):
                raise OAuth1Error(
                    "parameter_rejected", "oauth_callback is not registered for this consumer", 400
                )
            token, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
            with self._lock:
                self._tokens[token] = _Credentials(
                    consumer.key,
                    secret,
                    "request",
                    callback,
                    self.clock() + self.config.request_token_lifetime,
                )
        self.stats.add("request_tokens")
        return {"oauth_token": token, "oauth_token_secret": secret, "oauth_callback_confirmed": "true"}

    def authorization_request(self, params: Mapping[str, str]) -> str | dict:
        """Auto-approve (or deny) a request token; the callback URL to redirect to, or for
        ``oob`` the verifier to show the user. Raises `OAuth1Error` for an unusable token."""
        triggered = self._apply_faults("authorize")
        with self._lock:
            record = self._tokens.get(params.get("oauth_token", ""))
            if record is None or record.kind != "request" or record.used:
                raise OAuth1Error("token_rejected", "unknown or expired request token", 400)
            # `request_token` gives every request token a callback and an expiry.
            assert record.callback is not None and record.expires_at is not None
            if self.clock() >= record.expires_at:
                raise OAuth1Error("token_rejected", "unknown or expired request token", 400)
            token = params["oauth_token"]
            if triggered.failure is not None or params.get("sandbox_deny", "").lower() in TRUTHY:
                record.used = True
                self.stats.add("denials")
                return (
                    {"denied": token}
                    if record.callback == "oob"
                    else add_query(record.callback, {"denied": token})
                )
            record.verifier = secrets.token_urlsafe(16)
            record.subject = params.get("sandbox_user") or self.config.default_subject
        self.stats.add("authorizations")
        if record.callback == "oob":
            return {"oauth_token": token, "oauth_verifier": record.verifier}
        return add_query(record.callback, {"oauth_token": token, "oauth_verifier": record.verifier})

    def access_token(
        self, method: str, url: str, authorization: str | None, body: Iterable[tuple[str, str]] = ()
    ) -> dict:
        """Exchange an authorized request token and its verifier for token credentials (RFC 5849 §2.3)."""
        with self._rejections():
            self._apply_faults("access_token")
            consumer, oauth, record = self._verify(method, url, authorization, body, token_kind="request")
            with self._lock:
                if record.used:
                    raise OAuth1Error("token_used", "the request token was already exchanged")
                # Authorization sets the verifier and the subject together (under the lock).
                if record.verifier is None or record.subject is None:
                    raise OAuth1Error("permission_unknown", "the request token was not authorized yet")
                subject = record.subject
                if not constant_time_equal(oauth.get("oauth_verifier", ""), record.verifier):
                    raise OAuth1Error("verifier_invalid", "oauth_verifier does not match")
                record.used = True
                token, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
                self._tokens[token] = _Credentials(consumer.key, secret, "access", subject=subject)
        self.stats.add("access_tokens")
        response = {"oauth_token": token, "oauth_token_secret": secret}
        grant = OAuth1Grant(consumer.key, token, subject)
        for name, value in self.config.extra_access_token_fields.items():
            response[name] = str(value(grant) if callable(value) else value)
        return response

    def validate_request(
        self, method: str, url: str, authorization: str | None, body: Iterable[tuple[str, str]] = ()
    ) -> OAuth1Grant:
        """Check a signed API request made with token credentials; raise `OAuth1Error` if refused."""
        with self._rejections():
            consumer, oauth, record = self._verify(method, url, authorization, body, token_kind="access")
        self.stats.add("signed_requests")
        # `access_token` only makes access tokens from authorized request tokens, which have a subject.
        assert record.subject is not None
        return OAuth1Grant(consumer.key, oauth["oauth_token"], record.subject)

    def revoke_token(self, token: str) -> bool:
        with self._lock:
            return self._tokens.pop(token, None) is not None

    # -- verification -------------------------------------------------------------

    @overload
    def _verify(
        self,
        method: str,
        url: str,
        authorization: str | None,
        body: Iterable[tuple[str, str]],
        *,
        token_kind: None,
    ) -> tuple[OAuth1Consumer, dict[str, str], None]: ...
    @overload
    def _verify(
        self,
        method: str,
        url: str,
        authorization: str | None,
        body: Iterable[tuple[str, str]],
        *,
        token_kind: str,
    ) -> tuple[OAuth1Consumer, dict[str, str], _Credentials]: ...
    def _verify(
        self,
        method: str,
        url: str,
        authorization: str | None,
        body: Iterable[tuple[str, str]],
        *,
        token_kind: str | None,
    ) -> tuple[OAuth1Consumer, dict[str, str], _Credentials | None]:
        """The consumer, the ``oauth_*`` parameters and (with `token_kind`) the token of a signed request.

        Raises `OAuth1Error` for anything RFC 5849 §3.2 refuses: a bad signature,
        an unknown consumer or token, a stale timestamp, a replayed nonce.
        """
        try:
            header = [(k, v) for k, v in parse_authorization_header(authorization) or [] if k != "realm"]
        except ValueError as exc:
            raise OAuth1Error("parameter_rejected", str(exc), 400) from None
        params = query_parameters(url) + list(body) + header
        oauth: dict[str, str] = {}
        for name, value in params:
            if name.startswith("oauth_"):
                if name in oauth:
                    raise OAuth1Error("parameter_rejected", f"{name} is repeated", 400)
                oauth[name] = value
        if missing := [name for name in REQUIRED if name not in oauth]:
            raise OAuth1Error("parameter_absent", f"missing {', '.join(missing)}", 400)
        if oauth.get("oauth_version", "1.0") != "1.0":
            raise OAuth1Error("version_rejected", "only oauth_version 1.0 is supported", 400)
        if oauth["oauth_signature_method"] != "HMAC-SHA1":
            raise OAuth1Error("signature_method_rejected", "only HMAC-SHA1 is supported", 400)
        consumer = self.get_consumer(oauth["oauth_consumer_key"])
        if consumer is None:
            raise OAuth1Error("consumer_key_unknown", "unknown consumer key")
        timestamp = self._check_timestamp(oauth["oauth_timestamp"])
        record, token_secret = None, ""
        if token_kind is not None:
            with self._lock:
                record = self._tokens.get(oauth.get("oauth_token", ""))
            if record is None or record.kind != token_kind or record.consumer_key != consumer.key:
                raise OAuth1Error("token_rejected", "unknown token")
            if record.expires_at is not None and self.clock() >= record.expires_at:
                raise OAuth1Error("token_expired", "the request token expired")
            token_secret = record.secret
        expected = hmac_sha1(signature_base_string(method, url, params), consumer.secret, token_secret)
        if not constant_time_equal(oauth["oauth_signature"], expected):
            raise OAuth1Error("signature_invalid", "the signature does not match the request")
        self._remember_nonce(consumer.key, oauth.get("oauth_token", ""), oauth["oauth_nonce"], timestamp)
        return consumer, oauth, record

    def _check_timestamp(self, value: str) -> int:
        if not value.isdigit():
            raise OAuth1Error("timestamp_refused", "oauth_timestamp must be an integer", 400)
        timestamp = int(value)
        if abs(self.clock() - timestamp) > self.config.timestamp_window:
            raise OAuth1Error("timestamp_refused", "oauth_timestamp is too far from the server's clock")
        return timestamp

    def _remember_nonce(self, consumer_key: str, token: str, nonce: str, timestamp: int) -> None:
        """Refuse a (consumer, token, timestamp, nonce) seen before (RFC 5849 §3.3)."""
        key = (consumer_key, token, str(timestamp), nonce)
        with self._lock:
            horizon = self.clock() - self.config.timestamp_window
            for stale in [k for k, seen in self._nonces.items() if seen < horizon]:
                del self._nonces[stale]
            if key in self._nonces:
                raise OAuth1Error("nonce_used", "this nonce was already used")
            self._nonces[key] = timestamp

    def _apply_faults(self, endpoint: str) -> Triggered:
        triggered = self.faults.take(endpoint)
        count = (triggered.delay_ms > 0) + (triggered.failure is not None)
        if count:
            self.stats.add("faults_triggered", count)
        if triggered.delay_ms:
            time.sleep(triggered.delay_ms / 1000)
        failure = triggered.failure
        if failure is not None and failure.kind == "server_error":
            raise OAuth1Error("server_error", "injected fault", failure.status)
        if failure is not None and failure.kind == "invalid_grant":
            raise OAuth1Error("token_rejected", "injected fault")
        return triggered

    @contextmanager
    def _rejections(self) -> Iterator[None]:
        """Count an `OAuth1Error` leaving the block as a rejected request."""
        try:
            yield
        except OAuth1Error:
            self.stats.add("rejected_requests")
            raise
