"""Counters of what an emulator did, so tests can assert "exactly one refresh happened"."""

from __future__ import annotations

import dataclasses
import threading


@dataclasses.dataclass
class Counters:
    """Base of the per-emulator stats dataclasses: integer fields, updated thread-safely.

    Reading an attribute (``provider.stats.refreshes``) gives the current
    value; `as_dict` gives a consistent snapshot of all of them.
    """

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def reset(self) -> None:
        with self._lock:
            for f in dataclasses.fields(self):
                setattr(self, f.name, 0)
