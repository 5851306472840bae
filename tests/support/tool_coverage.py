"""The toolkit end-to-end coverage check: every tool of a connected toolkit ran through the SDK.

``tests/toolkits_e2e/conftest.py`` appends one `ToolCoverage` item to each
test module there, after the module's own tests. It reads which tools the
module's connections executed (`tests.support.toolkits.ToolRuns`, filled by the
`connect` fixture) and fails when a tool of a toolkit the module connected was
never executed, or a slug was executed that the toolkit lacks. The list of tools
comes from the built-in catalog, so adding a tool without a test fails here;
no module keeps a count or a list by hand.

The check needs the whole module: it skips when some of the module's tests were
deselected (``-k``) or did not pass, since then the gap is not the catalog's.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.toolkits import tool_runs
from valetkey.catalog.loader import BUILTIN_DIR, load_toolkit

NAME = "test_every_tool_was_executed"
#: Node ids of the tests whose call phase passed; files with a deselected test. (Filled by hooks that
#: get no `config`, hence module state; one pytest session per process.)
_PASSED: set[str] = set()
_DESELECTED: set[str] = set()


class ToolCoverage(pytest.Item):
    """Fails when a tool of a toolkit the module connected was never executed through the SDK."""

    def runtest(self) -> None:
        module = str(self.path)
        own = [item.nodeid for item in self.session.items if item.path == self.path and item is not self]
        if module in _DESELECTED:
            pytest.skip("run the whole module to check tool coverage")
        if not own:
            pytest.skip("the module has no tests")
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


def add_coverage_item(module: pytest.Module, report: pytest.CollectReport) -> None:
    """Appends a `ToolCoverage` item to what `module` collected, so it runs (and counts) last."""
    if report.passed:
        report.result.append(ToolCoverage.from_parent(module, name=NAME))


def record_deselected(items: list[pytest.Item]) -> None:
    """Remembers the files with a deselected test (``-k``, ``-m``): their coverage check skips."""
    _DESELECTED.update(str(item.path) for item in items)


def record_outcome(report: pytest.TestReport) -> None:
    """Remembers the tests that passed (their call phase), for `ToolCoverage`'s whole-module rule."""
    if report.when == "call" and report.passed:
        _PASSED.add(report.nodeid)
