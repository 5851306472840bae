"""Composio's published tool slugs (composio-core 0.7.22 type stubs, Apache-2.0; names only).

The importer gives a tool Composio's slug when Composio has the same
operation under a slug derived the same way, and the slug tests report how
many of them resolve. The list is data: `composio_tool_slugs.txt`, one slug a line.
"""

from __future__ import annotations

import functools
from pathlib import Path

COMPOSIO_SLUGS_FILE = Path(__file__).with_name("composio_tool_slugs.txt")


@functools.cache
def composio_tool_slugs() -> frozenset[str]:
    return frozenset(COMPOSIO_SLUGS_FILE.read_text(encoding="utf-8").split())
