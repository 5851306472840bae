"""When to try an upstream call again, and how long to wait first.

Only idempotent tools are retried (tags readOnlyHint or idempotentHint): a
retried POST that the upstream did apply would create a second issue, send a
second email. Retryable outcomes are connection failures, 429 and 5xx. A
`Retry-After` header wins over our own backoff, unless it asks for longer than
`max_retry_after`, in which case we give up at once and report the upstream's
answer: holding an agent's request for minutes is worse than failing fast.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 0.1
    max_delay: float = 2.0
    # The longest Retry-After we are willing to sleep for.
    max_retry_after: float = 10.0


NO_RETRY = RetryPolicy(max_attempts=1)
DEFAULT_RETRY = RetryPolicy()


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP date); None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(policy: RetryPolicy, attempt: int, rand: random.Random | None = None) -> float:
    """Full-jitter exponential backoff for the wait after failed `attempt` (1-based)."""
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** (attempt - 1)))
    return (rand or random).uniform(0, ceiling)


def retry_delay(
    policy: RetryPolicy,
    attempt: int,
    *,
    status: int | None,
    retry_after: str | None = None,
    rand: random.Random | None = None,
) -> float | None:
    """Seconds to wait before another attempt, or None to stop.

    `status` is None for a connection failure (or a timeout on connecting).
    """
    if attempt >= policy.max_attempts:
        return None
    if status is not None and status not in RETRYABLE_STATUSES:
        return None
    wait = parse_retry_after(retry_after)
    if wait is not None:
        return wait if wait <= policy.max_retry_after else None
    return backoff_delay(policy, attempt, rand)
