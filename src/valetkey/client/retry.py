"""When to try a request again, and how long to wait first.

Only answers that say "later" are retried: 429 and 503 (honouring ``Retry-After``, in seconds or
as an HTTP date), and a connection that could not be opened (nothing was sent). Any other
failure, a timeout included (the server may have acted), is raised at once.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass

RETRY_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class RetryPolicy:
    """`max_retries` more attempts after the first; waits capped at `max_wait` seconds."""

    max_retries: int = 2
    backoff: float = 0.5  # the first wait without Retry-After; doubled each time, with jitter
    max_wait: float = 60.0

    def wait(self, attempt: int, retry_after: str | None) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None when the answer should be raised.

        A server asking for longer than `max_wait` is not waited for: its error is raised, with
        the hint in `RateLimitError.retry_after`.
        """
        if attempt >= self.max_retries:
            return None
        hinted = retry_after_seconds(retry_after)
        if hinted is not None:
            return hinted if hinted <= self.max_wait else None
        jitter = 0.5 + random.random() / 2  # noqa: S311 - jitter, not a secret
        return float(min(self.max_wait, self.backoff * 2.0**attempt * jitter))


NO_RETRIES = RetryPolicy(max_retries=0)
