"""Reading descriptions and writing, or re-checking, an imported toolkit folder.

A folder of an imported toolkit::

    <slug>/
      import.yaml     # the curation: provenance, toolkit fields, which operations, overrides
      api.json        # the description subset the tools come from (OpenAPI 3, kept operations only)
      toolkit.yaml    # generated
      tools.yaml      # generated

`import_into(folder, description)` extracts the subset from a full
description and generates the files from the subset alone, so
`regenerated(folder)` (which reads only the folder) gives the same bytes:
`stale(folder)` names the generated files that differ from what is committed.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from valetkey.catalog.imports import discovery
from valetkey.catalog.imports.build import ImportResult, build_toolkit, normalized, render, subset
from valetkey.catalog.imports.config import IMPORT_FILE, SUBSET_FILE, ImportConfig
from valetkey.catalog.imports.names import composio_tool_slugs
from valetkey.catalog.loader import CatalogError, read_definition


def read_description(path: Path | str) -> dict[str, Any]:
    """A JSON or YAML description (gzip-compressed or not) as OpenAPI 3."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8")
    document = json.loads(text) if text.lstrip()[:1] in "{[" else yaml.safe_load(text)
    if not isinstance(document, dict):
        raise ValueError(f"{path}: not an API description")
    return as_openapi3(document)


def as_openapi3(document: dict[str, Any]) -> dict[str, Any]:
    if discovery.is_discovery(document):
        return discovery.to_openapi3(document)
    return normalized(document)


def read_config(folder: Path) -> ImportConfig:
    path = folder / IMPORT_FILE
    try:
        return ImportConfig.model_validate(read_definition(path))
    except (ValidationError, CatalogError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def import_into(folder: Path, description: dict[str, Any]) -> ImportResult:
    """Extract the subset `folder/import.yaml` selects from `description` and generate the toolkit from it."""
    config = read_config(folder)
    first = build_toolkit(description, config, composio_tool_slugs())
    part = subset(description, first.keys)
    (folder / SUBSET_FILE).write_text(dump_subset(part), encoding="utf-8")
    result = build_toolkit(part, config, composio_tool_slugs())
    for name, text in render(result).items():
        (folder / name).write_text(text, encoding="utf-8")
    return result


def dump_subset(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def regenerated(folder: Path) -> tuple[ImportResult, dict[str, str]]:
    """The toolkit `folder`'s own subset and `import.yaml` generate, and the files' text."""
    document = json.loads((folder / SUBSET_FILE).read_text(encoding="utf-8"))
    result = build_toolkit(document, read_config(folder), composio_tool_slugs())
    return result, render(result)


def stale(folder: Path) -> list[str]:
    """Generated files of `folder` whose committed text is not what regenerating gives."""
    _, files = regenerated(folder)
    return [
        name
        for name, text in files.items()
        if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text
    ]


def imported_folders(root: Path) -> list[Path]:
    """Toolkit folders under `root` made by the importer (those with an import.yaml)."""
    return sorted(p.parent for p in root.glob(f"*/{IMPORT_FILE}"))
