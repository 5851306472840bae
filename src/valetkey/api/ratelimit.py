"""Request limits over a rolling window that hold across API processes.

A sliding-window counter: the previous fixed window's count is weighted by how
much of it still overlaps the rolling window, so a key may use
``floor(limit - previous * weight)`` slots of the current window. O(1) state
per key, close to an exact log of timestamps.

Counts live in shared `Counters` (the database by default,
`valetkey.tenancy.rate_counters`), updated with one atomic conditional add, so
two processes can never let more than the limit through. To keep the hot path
off the database, a process takes a *lease* of several slots at once and
spends it locally: about 1% of what is left, at most MAX_LEASE. Near the limit
leases shrink to one slot, so the limit stays exact; the cost is that slots
leased by a process that then goes quiet are unused until the window turns.
Window indices come from the wall clock, which every process shares.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

MAX_LEASE = 1000
LEASE_SHARE = 100  # a lease is 1/LEASE_SHARE of the slots left in the window
DENIAL_MEMORY_SECONDS = 1.0
SWEEP_SECONDS = 60.0  # how often a process drops expired counter rows (on its next new key or window)  # a refused key is refused locally this long without asking the counters


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    window_seconds: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Window-Size": f"{self.window_seconds}s",
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class Counters(Protocol):
    """Per (key, window) counts, shared by every process that enforces the limit."""

    def take(self, key: str, window: int, amount: int, cap: int, expires_at: int) -> int | None:
        """Atomically add `amount` if the count stays <= `cap`; the new count, or None (nothing added).

        `expires_at` (epoch seconds) is when the row stops mattering: `sweep` may drop it then.
        """

    def count(self, key: str, window: int) -> int: ...

    def sweep(self, now: float) -> None: ...


class LocalCounters:
    """Counters in this process only (unit tests, and tools that run without a database)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], tuple[int, int]] = {}  # (key, window) -> (count, expires_at)
        self._lock = threading.Lock()

    def take(self, key: str, window: int, amount: int, cap: int, expires_at: int) -> int | None:
        with self._lock:
            current = self._counts.get((key, window), (0, 0))[0]
            if current + amount > cap:
                return None
            self._counts[(key, window)] = (current + amount, expires_at)
            return current + amount

    def count(self, key: str, window: int) -> int:
        return self._counts.get((key, window), (0, 0))[0]

    def sweep(self, now: float) -> None:
        with self._lock:
            for stale in [k for k, (_, expires_at) in self._counts.items() if expires_at < now]:
                del self._counts[stale]


@dataclass
class _Lease:
    """What this process knows of one key in one window."""

    window: int
    previous: int  # the previous window's final count
    shared: int = 0  # the shared count after this process's last take
    left: int = 0  # leased slots not yet spent
    denied_until: float = 0.0


class RateLimiter:
    def __init__(
        self,
        limit: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
        counters: Counters | None = None,
        *,
        max_lease: int = MAX_LEASE,
    ):
        self.limit = limit
        self.window = max(1, window_seconds)
        self.counters: Counters = counters or LocalCounters()
        self.max_lease = max(1, max_lease)
        self._clock = clock
        self._lock = threading.Lock()
        self._leases: dict[str, _Lease] = {}
        self._next_sweep = 0.0

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def hit_locally(self, key: str) -> Decision | None:
        """Spend a leased slot, or repeat a fresh refusal; None when the shared counters must be asked."""
        now = self._clock()
        index, offset = divmod(now, self.window)
        with self._lock:
            lease = self._leases.get(key)
            if lease is None or lease.window != int(index):
                return None
            if lease.left > 0:
                lease.left -= 1
                return self._allowed(lease, offset)
            if now < lease.denied_until:
                return self._denied(lease, offset)
        return None

    def hit(self, key: str) -> Decision:
        """Count one request (may call the shared counters: run off the event loop)."""
        local = self.hit_locally(key)
        if local is not None:
            return local
        now = self._clock()
        index, offset = divmod(now, self.window)
        index = int(index)
        lease = self._lease_for(key, index)
        cap = self._cap(lease.previous, offset)
        if cap <= lease.shared:
            granted = None
        else:
            want = max(1, min(self.max_lease, (cap - lease.shared) // LEASE_SHARE))
            expires_at = (index + 2) * self.window  # the previous window's weight ends with the next one
            granted = self.counters.take(key, index, want, cap, expires_at)
            if granted is None and want > 1:
                want, granted = 1, self.counters.take(key, index, 1, cap, expires_at)
        with self._lock:
            if granted is None:
                lease.shared = max(lease.shared, cap)
                lease.denied_until = now + min(DENIAL_MEMORY_SECONDS, self.window - offset)
                return self._denied(lease, offset)
            lease.shared = granted
            lease.left += want - 1
            return self._allowed(lease, offset)

    def is_blocked(self, key: str) -> bool:
        """Whether the key's window is used up, without counting anything (one read at most)."""
        now = self._clock()
        index, offset = divmod(now, self.window)
        with self._lock:
            lease = self._leases.get(key)
            if lease is not None and lease.window == int(index) and now < lease.denied_until:
                return True
        previous = self.counters.count(key, int(index) - 1)
        return self.counters.count(key, int(index)) >= self._cap(previous, offset)

    def _lease_for(self, key: str, index: int) -> _Lease:
        with self._lock:
            lease = self._leases.get(key)
            if lease is not None and lease.window == index:
                return lease
        # A new window for this key in this process: the previous window is closed, read it once.
        previous = self.counters.count(key, index - 1)
        now = self._clock()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            self.counters.sweep(now)
        with self._lock:
            if len(self._leases) > 100_000:
                self._leases.clear()
            lease = self._leases.get(key)
            if lease is None or lease.window != index:
                lease = self._leases[key] = _Lease(index, previous)
            return lease

    def _cap(self, previous: int, offset: float) -> int:
        """How many requests the current window may count, given the previous window's weight."""
        weight = 1.0 - offset / self.window
        return math.floor(self.limit - previous * weight + 1e-9)

    def _allowed(self, lease: _Lease, offset: float) -> Decision:
        remaining = max(0, self._cap(lease.previous, offset) - lease.shared + lease.left)
        return Decision(True, self.limit, remaining, self.window, 0)

    def _denied(self, lease: _Lease, offset: float) -> Decision:
        used = lease.previous * (1.0 - offset / self.window) + lease.shared
        if lease.previous:
            # The earliest moment the weighted count drops below the limit.
            need = (used + 1 - self.limit) / lease.previous  # fraction of a window to wait out
            retry_after = math.ceil(min(need * self.window, self.window - offset + self.window))
        else:
            retry_after = math.ceil(self.window - offset)
        return Decision(False, self.limit, 0, self.window, max(1, retry_after))
