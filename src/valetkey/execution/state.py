"""What tool execution needs of the running server (a Protocol: this layer cannot import `api`).

The connections layer's parts (credentials, refresh) plus the execution's own:
the staged files, the log writer and the compiled argument validators.
`valetkey.api.state.AppState` has them all; sessions and MCP pass it as it is.
"""

from __future__ import annotations

from typing import Protocol

from valetkey.connections.state import ConnectionsState
from valetkey.execution.logs import LogWriter
from valetkey.execution.validation import ValidatorCache
from valetkey.files.access import FileService


class ExecutionState(ConnectionsState, Protocol):
    files: FileService
    log_writer: LogWriter
    validators: ValidatorCache
