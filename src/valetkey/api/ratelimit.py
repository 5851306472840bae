"""Per-project request limit over a rolling window.

A sliding-window counter: the previous fixed window's count is weighted by how
much of it still overlaps the rolling window. O(1) memory per project and close
to an exact log of timestamps. Counts live in this process; several API
processes each enforce the limit on their own share of traffic.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


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


class RateLimiter:
    def __init__(self, limit: int, window_seconds: int, clock=time.monotonic):
        self.limit = limit
        self.window = max(1, window_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (window index, count in that window, count in the previous window)
        self._counts: dict[str, tuple[int, int, int]] = {}

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def hit(self, key: str) -> Decision:
        now = self._clock()
        index, offset = divmod(now, self.window)
        index = int(index)
        with self._lock:
            w, current, previous = self._counts.get(key, (index, 0, 0))
            if w != index:
                previous = current if w == index - 1 else 0
                current = 0
            weight = 1.0 - offset / self.window
            used = previous * weight + current
            allowed = used + 1 <= self.limit
            if allowed:
                current += 1
                used += 1
            self._counts[key] = (index, current, previous)
        remaining = max(0, int(self.limit - used))
        retry_after = 0
        if not allowed:
            # The earliest moment the weighted count drops below the limit.
            if previous:
                need = (used + 1 - self.limit) / previous  # fraction of window to wait out
                retry_after = math.ceil(min(need * self.window, self.window - offset + self.window))
            else:
                retry_after = math.ceil(self.window - offset)
            retry_after = max(1, retry_after)
        return Decision(allowed, self.limit, remaining, self.window, retry_after)
