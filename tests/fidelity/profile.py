"""What a toolkit's fidelity check needs, as data: its reference, how requests are built and checked, drifts.

A `Fidelity` names one toolkit's reference (a published API description, a
GraphQL schema, a documented contract) through its `check`, which lists every
problem of one `WireRequest` against it. ``test_fidelity.py`` runs the checks
every toolkit shares, parametrized over `tests.fidelity.profiles.ALL`:

- every tool, with every argument and with only the required ones, builds a
  request its reference accepts (`Fidelity.request`, `Fidelity.arguments`);
- every `Drift` (a deliberately wrong request: a renamed parameter, a wrong
  path or method, a wrong value) is reported as the drift it is.

What is particular to one toolkit (its live run against the emulator, how the
subset of the description was cut) stays in its ``test_<toolkit>_fidelity.py``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from tests.fidelity.checker import WireRequest
from tests.fidelity.support import drifted, sample_arguments, tool_by_slug, tool_request
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit
from valetkey.catalog.model import ParamBinding, Tool, Toolkit


def _no_tolerance(tool: Tool, optional: bool, problem: str) -> bool:
    return False


def _all_problems(problems: list[str]) -> list[str]:
    return problems


@dataclass(frozen=True)
class Drift:
    """One deliberately wrong request and the problem its reference must report for it.

    `contains`: some problem holds every one of these substrings (none given:
    some problem at all); `first`: the first problem must (a request that
    matches no operation says so first); `exact`: the problems are exactly
    these (``()``: the request is clean, a control for the drifts next to it).
    `considered` filters the problems first (documented gaps of a description).
    """

    name: str
    request: Callable[[Toolkit], WireRequest]
    contains: tuple[str, ...] = ()
    first: bool = False
    exact: tuple[str, ...] | None = None
    considered: Callable[[list[str]], list[str]] = _all_problems

    def verify(self, problems: list[str]) -> None:
        problems = self.considered(problems)
        if self.exact is not None:
            assert tuple(problems) == self.exact, problems
            return
        assert problems, f"{self.name}: the drift went unnoticed"
        if self.first:
            assert all(text in problems[0] for text in self.contains), problems
        else:
            assert any(all(text in p for text in self.contains) for p in problems), problems


@dataclass(frozen=True)
class Fidelity:
    """One toolkit's reference and how its tools' requests are built and checked against it."""

    toolkit_slug: str
    #: Every problem of one request against the reference (empty: the reference accepts it).
    check: Callable[[WireRequest], list[str]]
    #: The request `tool` sends for the arguments, in the shape `check` takes.
    request: Callable[[Tool, dict[str, Any]], WireRequest] = tool_request
    #: Arguments for every input (`optional=True`) or only the required ones.
    arguments: Callable[[Tool, bool], dict[str, Any]] = lambda tool, optional: sample_arguments(
        tool, optional=optional
    )
    #: Tools with nothing to check them against, each with its reason.
    undescribed: dict[str, str] = field(default_factory=dict)
    #: A known mismatch of one static request, explained where the profile is defined.
    tolerated: Callable[[Tool, bool, str], bool] = _no_tolerance
    drifts: tuple[Drift, ...] = ()

    def toolkit(self) -> Toolkit:
        return builtin_toolkit(self.toolkit_slug)

    def tool(self, slug: str) -> Tool:
        return tool_by_slug(self.toolkit(), slug)

    def __str__(self) -> str:
        return self.toolkit_slug


@functools.cache
def builtin_toolkit(slug: str) -> Toolkit:
    return load_toolkit(BUILTIN_DIR / slug)


# -- building drifted tools ----------------------------------------------------


def plus(tool: Tool, arg: str, location: str, wire_name: str) -> Tool:
    """`tool` with one more binding of `arg` (the last binding of an argument wins)."""
    return drifted(tool, params=(*tool.operation.params, ParamBinding(arg, location, wire_name)))


def rebound(tool: Tool, arg: str, location: str, wire_name: str) -> Tool:
    """`tool` with `arg`'s bindings replaced by one to `wire_name`."""
    kept = tuple(b for b in tool.operation.params if b.arg != arg)
    return drifted(tool, params=(*kept, ParamBinding(arg, location, wire_name)))


def renamed(tool: Tool, arg: str, wire_name: str) -> Tool:
    """`tool` with `arg`'s bindings sent under `wire_name`, in place."""
    params = tuple(
        ParamBinding(b.arg, b.location, wire_name) if b.arg == arg else b for b in tool.operation.params
    )
    return drifted(tool, params=params)


def without(tool: Tool, args: Collection[str]) -> Tool:
    return drifted(tool, params=tuple(b for b in tool.operation.params if b.arg not in args))


def replaced(request: WireRequest, **changes: Any) -> WireRequest:
    return dataclasses.replace(request, **changes)
