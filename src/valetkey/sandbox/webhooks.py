"""Outbound event deliveries from an app emulator: signed POSTs to registered URLs, in the background.

An emulator that has webhooks (GitHub hooks, Slack's Events API, Stripe webhook
endpoints, Linear webhooks) hands each event to its app's `Deliveries` with
`send(...)` while it handles the request that caused it; the POST happens later
on the app's delivery thread, so the API call never waits for the receiver.

Each `Delivery` keeps every attempt (status code or transport error, duration,
the headers sent, the start of the response body). What happens after a failed
attempt is the app's `RetryPolicy`, modelled on the real service: GitHub never
retries; Slack retries three times (at once, 1 min, 5 min) with
``X-Slack-Retry-Num``; Stripe and Linear retry with backoff. Retries are
scheduled on the real clock, and `flush()` (or ``POST
/_sandbox/<slug>/deliveries/flush``) runs everything pending at once, scheduled
retries included, so tests stay fast and still see each retry happen.

Each attempt's body and headers come from the delivery's `prepare(attempt)`
callable, so an app that signs with a timestamp signs every attempt afresh.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

#: (body, headers) of one attempt, given the attempt's number (1 = the first, 2 = the first retry...)
#: and what the previous attempt got (None for the first).
Prepare = Callable[[int, "Outcome | None"], tuple[bytes, dict[str, str]]]
State = Literal["pending", "succeeded", "failed"]
#: How long a test may wait in `flush` before it gives up.
FLUSH_TIMEOUT = 30.0
RESPONSE_SNIPPET = 2000


@dataclass(frozen=True)
class Outcome:
    """What one attempt got back: a status code, or a transport error (``timeout``, ``connection_failed``)."""

    status: int | None
    error: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed attempt is tried again: `delays[n]` seconds after the (n+1)th failure, then never.

    `stop(outcome)` lets an app refuse to retry for a given answer (Slack's
    ``X-Slack-No-Retry: 1``).
    """

    delays: tuple[float, ...] = ()
    stop: Callable[[Outcome], bool] = lambda outcome: False

    def next_delay(self, failures: int, outcome: Outcome) -> float | None:
        if failures > len(self.delays) or self.stop(outcome):
            return None
        return self.delays[failures - 1]


NO_RETRIES = RetryPolicy()


@dataclass
class Attempt:
    number: int
    started_at: float
    duration_ms: float
    request_headers: dict[str, str]
    outcome: Outcome

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "started_at": self.started_at,
            "duration_ms": round(self.duration_ms, 3),
            "status": self.outcome.status,
            "error": self.outcome.error,
            "ok": self.outcome.ok,
            "request_headers": self.request_headers,
            "response_headers": dict(self.outcome.headers),
            "response_body": self.outcome.body,
        }


@dataclass
class Delivery:
    """One event on its way to one URL, with every attempt made so far."""

    id: str
    url: str
    event: str
    target: str
    prepare: Prepare
    retry: RetryPolicy
    #: Anything the app wants to find the delivery by later (GitHub's hook deliveries API).
    meta: dict[str, Any] = field(default_factory=dict)
    created_at: float = field(default_factory=time.time)
    attempts: list[Attempt] = field(default_factory=list)
    state: State = "pending"
    #: When the next attempt is due (None: in flight or finished).
    next_attempt_at: float | None = field(default_factory=time.time)
    last_body: bytes = b""
    on_done: Callable[[Delivery], None] | None = None

    @property
    def body(self) -> bytes:
        """The body of the latest attempt (of the first, before any attempt is made)."""
        return self.last_body or self.prepare(1, None)[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "event": self.event,
            "target": self.target,
            "state": self.state,
            "created_at": self.created_at,
            "next_attempt_at": self.next_attempt_at,
            "attempts": [a.to_json() for a in self.attempts],
            "body": self.body.decode("utf-8", "replace"),
            **({"meta": self.meta} if self.meta else {}),
        }


class Deliveries:
    """One app's outbox: a background thread POSTs each delivery when due, retrying per its policy.

    `timeout` is the receiver's time to answer (GitHub 10 s, Slack 3 s), kept
    short so a hanging receiver never stalls a test for long. `user_agent` is
    sent on every attempt unless the delivery's headers set their own.
    """

    def __init__(self, *, timeout: float = 10.0, user_agent: str = "Valetkey-Sandbox-Webhooks/1.0"):
        self.timeout = timeout
        self.user_agent = user_agent
        self._cond = threading.Condition()
        self._items: list[Delivery] = []
        # The deliveries still pending, so the thread never scans finished ones.
        self._pending: list[Delivery] = []
        self._busy = 0
        self._fast_forward = 0
        self._generation = 0
        self._thread: threading.Thread | None = None

    # -- the emulators' side ------------------------------------------------------------------

    def send(
        self,
        url: str,
        event: str,
        prepare: Prepare,
        *,
        target: str = "",
        retry: RetryPolicy = NO_RETRIES,
        delivery_id: str | None = None,
        meta: dict[str, Any] | None = None,
        on_done: Callable[[Delivery], None] | None = None,
    ) -> Delivery:
        """Queue `event` for `url`; the first attempt starts at once on the delivery thread."""
        delivery = Delivery(
            delivery_id or str(uuid.uuid4()),
            url,
            event,
            target,
            prepare,
            retry,
            meta=dict(meta or {}),
            on_done=on_done,
        )
        with self._cond:
            self._items.append(delivery)
            self._pending.append(delivery)
            self._start()
            self._cond.notify_all()
        return delivery

    # -- the tests' side ------------------------------------------------------------------------

    def all(self) -> list[Delivery]:
        with self._cond:
            return list(self._items)

    def find(self, delivery_id: str) -> Delivery | None:
        with self._cond:
            return next((d for d in self._items if d.id == delivery_id), None)

    def flush(self, timeout: float = FLUSH_TIMEOUT, *, retries: bool = True) -> list[Delivery]:
        """Wait until nothing is in flight; with `retries`, run scheduled retries now instead of later.

        Returns every delivery (oldest first). Raises TimeoutError when
        deliveries are still running after `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            if retries:
                self._fast_forward += 1
                self._cond.notify_all()
            try:
                while not self._settled(retries):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError("sandbox webhook deliveries still pending")
                    self._cond.wait(min(left, 0.05))
            finally:
                if retries:
                    self._fast_forward -= 1
            return list(self._items)

    def wait(self, delivery: Delivery, timeout: float = FLUSH_TIMEOUT) -> Delivery:
        """Wait until `delivery` succeeded or failed for good (retries not fast-forwarded)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while delivery.state == "pending":
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("sandbox webhook delivery still pending")
                self._cond.wait(min(left, 0.05))
        return delivery

    def clear(self) -> None:
        """Forget every delivery (the app's reset); attempts in flight finish unrecorded."""
        with self._cond:
            self._items.clear()
            self._pending.clear()
            self._generation += 1
            self._cond.notify_all()

    # -- the delivery thread --------------------------------------------------------------------

    def _settled(self, retries: bool) -> bool:
        if self._busy:
            return False
        now = time.time()
        for d in self._pending:
            if retries or (d.next_attempt_at is not None and d.next_attempt_at <= now) or not d.attempts:
                return False
        return True

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._thread.start()

    def _due(self) -> tuple[Delivery | None, float]:
        """The next delivery to attempt now, or (None, seconds to wait)."""
        now, wait = time.time(), 1.0
        for d in self._pending:
            if d.next_attempt_at is None:
                continue
            if self._fast_forward or d.next_attempt_at <= now:
                return d, 0.0
            wait = min(wait, d.next_attempt_at - now)
        return None, max(wait, 0.01)

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, follow_redirects=False, trust_env=False) as client:
            while True:
                with self._cond:
                    delivery, wait = self._due()
                    while delivery is None:
                        self._cond.wait(wait)
                        delivery, wait = self._due()
                    delivery.next_attempt_at = None
                    self._busy += 1
                    generation = self._generation
                    number = len(delivery.attempts) + 1
                try:
                    attempt, body = self._attempt(client, delivery, number)
                    with self._cond:
                        if generation == self._generation:
                            self._record(delivery, attempt, body)
                            if delivery.state != "pending":
                                self._pending.remove(delivery)
                finally:
                    with self._cond:
                        self._busy -= 1
                        self._cond.notify_all()
                if delivery.on_done is not None and delivery.state != "pending":
                    delivery.on_done(delivery)

    def _attempt(self, client: httpx.Client, delivery: Delivery, number: int) -> tuple[Attempt, bytes]:
        previous = delivery.attempts[-1].outcome if delivery.attempts else None
        body, headers = delivery.prepare(number, previous)
        headers = {"User-Agent": self.user_agent, **headers}
        started, clock = time.time(), time.perf_counter()
        try:
            response = client.post(delivery.url, content=body, headers=headers)
            outcome = Outcome(
                response.status_code,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=response.text[:RESPONSE_SNIPPET],
            )
        except httpx.TimeoutException:
            outcome = Outcome(None, "timeout")
        except httpx.TooManyRedirects:
            outcome = Outcome(None, "too_many_redirects")
        except httpx.TransportError as exc:
            outcome = Outcome(None, "connection_failed", body=str(exc)[:RESPONSE_SNIPPET])
        duration = (time.perf_counter() - clock) * 1000
        return Attempt(number, started, duration, headers, outcome), body

    @staticmethod
    def _record(delivery: Delivery, attempt: Attempt, body: bytes) -> None:
        delivery.attempts.append(attempt)
        delivery.last_body = body
        if attempt.outcome.ok:
            delivery.state = "succeeded"
            return
        delay = delivery.retry.next_delay(len(delivery.attempts), attempt.outcome)
        if delay is None:
            delivery.state = "failed"
        else:
            delivery.next_attempt_at = time.time() + delay

    def redeliver(self, delivery: Delivery, **meta: Any) -> Delivery:
        """A new delivery of the same event (GitHub's "Redeliver"), sharing the original's id and body."""
        return self.send(
            delivery.url,
            delivery.event,
            delivery.prepare,
            target=delivery.target,
            retry=delivery.retry,
            delivery_id=delivery.id,
            meta={**delivery.meta, "redelivery": True, **meta},
            on_done=delivery.on_done,
        )
