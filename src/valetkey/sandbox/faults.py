"""Fault switches: make the next few calls to an emulated endpoint misbehave.

Tests and users arm a fault ("the next 2 refreshes answer invalid_grant",
"the next token call takes 3 seconds") and the emulator consumes it when a
matching request arrives. Faults are counted down, so a test can arm exactly as
many failures as it wants to observe, and the rest of the run behaves normally.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

#: What a fault does to a matching request.
#: - ``invalid_grant``: answer 400 ``{"error": "invalid_grant"}`` (OAuth 2) or a
#:   401 ``oauth_problem=token_rejected`` (OAuth 1).
#: - ``server_error``: answer with ``status`` (5xx), as a broken gateway would.
#: - ``slow``: wait ``delay_ms`` before handling the request normally.
#: - ``deny``: the next authorization is refused as if the user clicked "Deny".
FAULT_KINDS = ("invalid_grant", "server_error", "slow", "deny")


@dataclass
class Fault:
    """One armed fault, consumed by the next ``remaining`` matching requests.

    ``endpoint`` names the emulated endpoint (``"token"``, ``"authorize"``,
    ``"request_token"``, ``"access_token"``); ``grant_type`` narrows a token
    endpoint fault to ``"authorization_code"`` or ``"refresh_token"`` calls.
    """

    kind: str
    endpoint: str
    remaining: int = 1
    grant_type: str | None = None
    status: int = 503
    delay_ms: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if self.remaining < 1:
            raise ValueError("count must be at least 1")
        if self.kind == "server_error" and not 500 <= self.status <= 599:
            raise ValueError("status of a server_error fault must be 5xx")
        if self.kind == "slow" and not 0 < self.delay_ms <= 120_000:
            raise ValueError("delay_ms of a slow fault must be between 1 and 120000")

    def matches(self, endpoint: str, grant_type: str | None) -> bool:
        if self.endpoint != endpoint:
            return False
        return self.grant_type is None or self.grant_type == grant_type

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Triggered:
    """The faults that apply to one request: an optional delay, then an optional failure."""

    delay_ms: int = 0
    failure: Fault | None = None


class FaultQueue:
    """Armed faults in arming order; thread-safe.

    A request consumes at most one delay (``slow``) and one failure
    (``invalid_grant``/``server_error``/``deny``), so "slow" combines with a
    failure armed alongside it: a slow 503 is two faults.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def arm(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [Fault(**f.as_dict()) for f in self._faults]

    def take(self, endpoint: str, grant_type: str | None = None) -> Triggered:
        """Consume the faults that apply to one request to ``endpoint``."""
        with self._lock:
            delay = self._consume(endpoint, grant_type, slow=True)
            failure = self._consume(endpoint, grant_type, slow=False)
        return Triggered(delay_ms=delay.delay_ms if delay else 0, failure=failure)

    def _consume(self, endpoint: str, grant_type: str | None, *, slow: bool) -> Fault | None:
        for fault in self._faults:
            if (fault.kind == "slow") == slow and fault.matches(endpoint, grant_type):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return Fault(**{**fault.as_dict(), "remaining": 1})
        return None
