"""Fidelity tests execute tools against the sandbox: the toolkit harness fixtures."""

from tests.toolkit_support import connect, sandbox, toolkit_server  # noqa: F401 (pytest fixtures)
