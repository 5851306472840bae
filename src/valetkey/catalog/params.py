"""Parsing of catalog query parameters the way the Composio SDK sends them.

The SDK joins arrays with commas (`tags=a,b`) and expands mappings in bracket
notation (`toolkit_versions[github]=20250101_00`); other clients repeat a
parameter instead (`tags=a&tags=b`). These helpers accept all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.datastructures import QueryParams

from valetkey.catalog.format import VERSION
from valetkey.catalog.registry import LATEST
from valetkey.catalog.service import VersionSelector
from valetkey.core.errors import ValidationError

BRACKETED = re.compile(r"^toolkit_versions\[([^\[\]]+)\]$")


def split_list(values: Iterable[str] | str | None) -> list[str]:
    """["a,b", "c"] or "a,b,c" -> ["a", "b", "c"], blanks dropped."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _check_version(value: str, param: str) -> str:
    if value != LATEST and not re.match(VERSION, value):
        raise ValidationError(
            f"{param}: {value!r} is neither 'latest' nor a version like 20250101_00",
            suggested_fix="Pass 'latest' or a version from the toolkit's meta.available_versions.",
        )
    return value


def toolkit_versions(query: QueryParams) -> VersionSelector:
    """`toolkit_versions=latest`, `toolkit_versions=20250101_00` or `toolkit_versions[slug]=...`."""
    mapping = {}
    for key, value in query.multi_items():
        match = BRACKETED.match(key)
        if match:
            mapping[match.group(1).lower()] = _check_version(value.strip(), key)
    plain = query.get("toolkit_versions")
    if mapping:
        return mapping
    if plain is None or plain.strip() == "":
        return None
    return _check_version(plain.strip(), "toolkit_versions")
