"""`GET /files/list`: a project's staged files (uploads to tools, files tools returned), newest first.

Read from the file store's folders (`storage.py`): a file is listed once its bytes are stored
(a reserved upload whose PUT never came is not a file yet). The toolkit and tool slugs are
those in the key, the md5 the one given at upload, or computed for files tools returned.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from valetkey.files.storage import FileStorage

META_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class ListedFile:
    toolkit_slug: str
    tool_slug: str
    filename: str
    mimetype: str
    md5: str
    stored_at: float


def list_files(
    storage: FileStorage, project_id: str, *, toolkit_slug: str | None = None, tool_slug: str | None = None
) -> list[ListedFile]:
    root = storage.root / "projects" / project_id
    if not root.is_dir():
        return []
    found = []
    # <kind>/<toolkit>/<TOOL>/<random>/<name>.meta.json
    for meta in root.glob("*/*/*/*/*" + META_SUFFIX):
        data_path = meta.with_name(meta.name.removesuffix(META_SUFFIX))
        toolkit, tool = meta.parts[-4], meta.parts[-3]
        if toolkit_slug and toolkit != toolkit_slug.lower():
            continue
        if tool_slug and tool != tool_slug.upper():
            continue
        if not data_path.is_file():
            continue
        found.append(_entry(meta, data_path, toolkit, tool))
    found.sort(key=lambda f: f.stored_at, reverse=True)
    return found


def _entry(meta_path: Path, data_path: Path, toolkit: str, tool: str) -> ListedFile:
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        meta = {}
    md5 = meta.get("md5") or hashlib.md5(data_path.read_bytes(), usedforsecurity=False).hexdigest()
    return ListedFile(
        toolkit_slug=toolkit,
        tool_slug=tool,
        filename=meta.get("name") or data_path.name,
        mimetype=meta.get("mimetype") or "application/octet-stream",
        md5=md5,
        stored_at=data_path.stat().st_mtime,
    )
