"""Fidelity tests execute tools against the sandbox: the toolkit harness fixtures (``tests/conftest.py``)."""

from __future__ import annotations

import pytest

from tests.support.toolkits import SandboxHandle


@pytest.fixture(scope="session")
def sandbox(emulators: SandboxHandle) -> SandboxHandle:
    """Here the sandbox is the app emulators (elsewhere: the generic OAuth providers)."""
    return emulators
