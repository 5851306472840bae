"""The toolkit end-to-end coverage check: every tool of a connected toolkit ran through the SDK.

``tests/toolkits_e2e/conftest.py`` appends one `ToolCoverage` item to each
test module there, after the module's own tests. It reads which tools the
module's connections executed (`tests.support.toolkits.ToolRuns`, filled by the
`connect` fixture) and fails when a tool of a toolkit the module connected was
never executed, or a slug was executed that the toolkit lacks. The list of tools
comes from the server's catalog, so adding a tool without a test fails here;
no module keeps a count or a list by hand.

The check needs the whole module: it skips when some of the module's tests were
deselected (``-k``) or did not pass, since then the gap is not the catalog's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.toolkits import tool_runs
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit

NAME = "test_every_tool_was_executed"
#: Per module (file path): the node ids of its collected tests.
COLLECTED: pytest.StashKey[dict[str, list[str]]] = pytest.StashKey()
#: Node ids of the tests whose call phase passed (`pytest_runtest_logreport` has no `config`).
_PASSED: set[str] = set()


class ToolCoverage(pytest.Item):
    """Fails when a tool of a toolkit the module connected was never executed through the SDK."""

    def runtest(self) -> None:
        module = str(self.path)
        own = self.config.stash.get(COLLECTED, {}).get(module, [])
        selected = {item.nodeid for item in self.session.items}
        if not own:
            pytest.skip("the module has no tests")
        if not set(own) <= selected:
            pytest.skip("run the whole module to check tool coverage")
        failed = [nodeid for nodeid in own if nodeid not in _PASSED]
        if failed:
            pytest.skip(f"{len(failed)} test(s) of the module did not pass: coverage unknown")
        toolkits = tool_runs(self.config).toolkits(module)
        if not toolkits:
            raise ToolCoverageError("the module connected no toolkit through the `connect` fixture")
        problems = []
        for slug, executed in sorted(toolkits.items()):
            tools = {tool.slug for tool in load_toolkit(BUILTIN_DIR / slug).tools}
            if missing := sorted(tools - executed):
                problems.append(f"{slug}: never executed: {', '.join(missing)}")
            if unknown := sorted(executed - tools):
                problems.append(f"{slug}: executed slugs the toolkit lacks: {', '.join(unknown)}")
        if problems:
            raise ToolCoverageError("\n".join(problems))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ToolCoverageError):
            return f"tool coverage of {self.path.name}:\n{excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.path.name}::{NAME}"


class ToolCoverageError(AssertionError):
    """A toolkit's tool never ran in its end-to-end module (or the check could not run)."""


def add_coverage_items(config: pytest.Config, items: list[pytest.Item], root: Path) -> None:
    """After the last test of each module under `root`, one `ToolCoverage` item.

    Run before ``-k``/``-m`` deselection (``tryfirst``), so it also remembers
    everything each module collected: the check skips when some was deselected.
    """
    collected: dict[str, list[str]] = {}
    modules: dict[str, pytest.Module] = {}
    last: dict[str, int] = {}
    for index, item in enumerate(items):
        module = item.getparent(pytest.Module)
        if module is None or root not in module.path.parents:
            continue
        key = str(module.path)
        collected.setdefault(key, []).append(item.nodeid)
        modules[key] = module
        last[key] = index
    for key, index in sorted(last.items(), key=lambda pair: -pair[1]):  # from the end: indexes stay valid
        items.insert(index + 1, ToolCoverage.from_parent(modules[key], name=NAME))
    config.stash[COLLECTED] = collected


def record_outcome(report: pytest.TestReport) -> None:
    """Remembers the tests that passed (their call phase), for `ToolCoverage`'s whole-module rule."""
    if report.when == "call" and report.passed:
        _PASSED.add(report.nodeid)
