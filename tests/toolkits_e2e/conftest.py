"""Toolkit end-to-end tests: the harness fixtures (``tests/conftest.py``) and the tool coverage check.

Every module here gets a last test, ``test_every_tool_was_executed``
(`tests.support.tool_coverage`): each tool of each toolkit the module
connected must have run through the SDK. Modules declare nothing for it.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest

from tests.support.tool_coverage import add_coverage_item, record_deselected, record_outcome
from tests.support.toolkits import SandboxHandle

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def sandbox(emulators: SandboxHandle) -> SandboxHandle:
    """Here the sandbox is the app emulators (elsewhere: the generic OAuth providers)."""
    return emulators


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    if isinstance(collector, pytest.Module) and collector.path.parent == HERE:
        add_coverage_item(collector, report)
    return report


def pytest_deselected(items: list[pytest.Item]) -> None:
    record_deselected(items)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    record_outcome(report)
