"""Example tool handlers: tools written in Python instead of an `http:` operation.

A handler is referenced from tools.yaml as ``handler: "package.module:function"``.
It receives the tool's arguments (already validated against its input schema)
and returns the value that becomes the result's ``data``; raising fails the call.
"""

from __future__ import annotations

from typing import Any


def py_sum(arguments: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """LOOPBACK_PY_SUM: add two numbers, no upstream involved."""
    return {"sum": arguments["a"] + arguments["b"]}
