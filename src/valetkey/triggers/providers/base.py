"""The provider seam: what each app's module does for its trigger types.

A webhook provider registers a receiver at the app when an instance is created
(`register`, after the instance is stored, so the app's immediate test delivery
finds it), removes it when the instance is deleted (`deregister`), and turns a
delivery into events (`verify`, then `parse`). A poll provider takes a
watermark when an instance is created (`start`) and finds what is new since
(`poll`). Each provider is one module; `providers.PROVIDERS` names them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from valetkey.catalog.model import TriggerType
from valetkey.core.errors import ApiError
from valetkey.net.upstream import UpstreamOutcome

# An authenticated call to the app's API as the trigger's connected account:
# (method, path relative to the toolkit's base URL or an https URL of the app's second host, body,
# query) -> outcome. The body is None,
# a JSON value, or a `Form` (sent application/x-www-form-urlencoded, as Stripe's API takes).
AppCall = Callable[[str, str, Any, dict[str, str] | None], Awaitable[UpstreamOutcome]]


@dataclass(frozen=True)
class Form:
    fields: list[tuple[str, str]]


@dataclass(frozen=True)
class Registered:
    """What a registration leaves: state to keep (plain), and the app's own signing secret, if it
    chose one (Stripe's ``whsec_...``), which replaces the instance's and is sealed like it."""

    provider_state: dict[str, Any]
    secret: str | None = None


class IngressRefused(ApiError):
    """A delivery that did not come from the app (bad or missing signature, stale timestamp)."""

    status, slug = 401, "IngressSignatureInvalid"


@dataclass(frozen=True)
class Registration:
    """What `register` and `deregister` get: the instance as stored, and a way to call the app."""

    trigger: TriggerType
    trigger_id: str
    config: dict[str, Any]
    secret: str  # the per-trigger secret to hand the app (sealed at rest)
    ingress_url: str
    call: AppCall
    provider_state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IngressRequest:
    headers: dict[str, str]  # lower-case names
    body: bytes
    content_type: str


@dataclass(frozen=True)
class Parsed:
    """A verified delivery: its dedup key (None: none), what to answer, and the events' `data`."""

    delivery_id: str | None
    events: list[dict[str, Any]]
    reply: dict[str, Any] = field(default_factory=lambda: {"ok": True})


@dataclass(frozen=True)
class PollResult:
    events: list[dict[str, Any]]
    provider_state: dict[str, Any]


class WebhookProvider(Protocol):
    async def register(self, registration: Registration) -> Registered:
        """Register the receiver at the app; returns the provider state to keep (a hook id)."""
        ...

    async def deregister(self, registration: Registration) -> None: ...

    def verify(self, request: IngressRequest, secret: str) -> None:
        """Raise `IngressRefused` unless the app signed `request` with `secret`."""
        ...

    def parse(self, request: IngressRequest, trigger: TriggerType, config: dict[str, Any]) -> Parsed: ...


class PollProvider(Protocol):
    async def start(self, registration: Registration) -> dict[str, Any]:
        """The watermark to poll from: what already exists is never delivered."""
        ...

    async def poll(self, registration: Registration) -> PollResult: ...


class ProviderError(ApiError):
    """The app refused or failed a registration call (its answer, said plainly)."""

    status, slug = 502, "TriggerProviderError"


def upstream_problem(what: str, outcome: UpstreamOutcome) -> ProviderError:
    if outcome.response is None:
        return ProviderError(f"{what}: {outcome.message}")
    text = outcome.response.content[:300].decode("utf-8", errors="replace")
    status = outcome.response.status
    error = ProviderError(f"{what}: the app answered {status}: {text}")
    if status in (401, 403, 404, 422):
        error.status = 422  # the account cannot do it, or the repository does not exist: the caller's to fix
        error.slug = "TriggerRegistrationRefused"
    return error
