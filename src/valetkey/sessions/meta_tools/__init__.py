"""The session's meta tools (COMPOSIO_*): registry in `base`, one module per tool.

Importing this package registers the built-in meta tools, in the order
`session.tools()` lists them. Add a module here to add a meta tool.
"""

from valetkey.sessions.meta_tools import (  # noqa: F401  (import = register)
    connections,
    multi_execute,
    proxy,
    search,
    tool_schemas,
    wait,
    workbench,
)
from valetkey.sessions.meta_tools.base import REGISTRY, MetaResult, MetaTool, find, offered, register

__all__ = ["REGISTRY", "MetaResult", "MetaTool", "find", "offered", "register"]
