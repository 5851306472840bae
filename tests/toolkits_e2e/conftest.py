"""Toolkit end-to-end tests: the harness fixtures (``tests/conftest.py``) and the tool coverage check.

Every module here gets a last test, ``test_every_tool_was_executed``
(`tests.support.tool_coverage`): each tool of each toolkit the module
connected must have run through the SDK. Modules declare nothing for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tool_coverage import add_coverage_items, record_outcome
from tests.support.toolkits import SandboxHandle

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def sandbox(emulators: SandboxHandle) -> SandboxHandle:
    """Here the sandbox is the app emulators (elsewhere: the generic OAuth providers)."""
    return emulators


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    add_coverage_items(config, items, HERE)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    record_outcome(report)
