"""Concurrent awaits of the same work share one run of it.

A burst of requests that all miss a cache at once (a key's entry just
expired, 32 requests in flight) would otherwise each run the lookup behind
it, and each hop to a worker thread and take a database connection: the
burst turns into a stall for every request. `SingleFlight.run` lets the
first caller do the work while the others wait for its answer.

If the first caller is cancelled (its client went away), the others are not:
one of them runs the work instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    """Work in flight by key; at most one run per key at a time (per event loop's callers)."""

    def __init__(self) -> None:
        self._pending: dict[K, asyncio.Future[V]] = {}

    def in_flight(self, key: K) -> bool:
        return key in self._pending

    async def run(self, key: K, work: Callable[[], Awaitable[V]]) -> V:
        """`await work()`, or the result of the run already in flight for `key` (its error too)."""
        while (pending := self._pending.get(key)) is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # this caller is cancelled
                # The run we waited on was cancelled with its caller: run the work here instead.
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            value = await work()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, and asyncio must not warn if there are none
            raise
        else:
            future.set_result(value)
            return value
        finally:
            self._pending.pop(key, None)
