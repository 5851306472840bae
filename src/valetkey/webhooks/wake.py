"""Waking this process's delivery workers when a transaction that made an event due commits.

Workers in other processes find such events on their next sweep
(`delivery.IDLE_SWEEP_SECONDS`); this only saves the wait in this one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

log = logging.getLogger("valetkey.webhooks")
_FLAG = "valetkey.webhooks.wake"
_wakers: set[Callable[[], None]] = set()
_lock = threading.Lock()


def add_waker(wake: Callable[[], None]) -> None:
    """Call `wake` (from any thread) after each commit that made an event due in this process."""
    with _lock:
        _wakers.add(wake)


def remove_waker(wake: Callable[[], None]) -> None:
    with _lock:
        _wakers.discard(wake)


def wake_on_commit(session: Session) -> None:
    session.info[_FLAG] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(_FLAG, False):
        return
    with _lock:
        wakers = list(_wakers)
    for wake in wakers:
        try:
            wake()
        except Exception:  # a closed loop must not break the caller's commit
            log.debug("webhook waker failed", exc_info=True)


# Every session (any sessionmaker) runs this after a commit; it costs a dict lookup when nothing was published.
sa_event.listen(Session, "after_commit", _after_commit)
