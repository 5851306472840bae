"""Toolkit end-to-end tests: fixtures from `tests.toolkit_support` (sandbox, server, connect)."""

from tests.toolkit_support import connect, sandbox, toolkit_server  # noqa: F401 (pytest fixtures)
