#!/usr/bin/env python3
"""Extract the operations a toolkit's tools use from a published API description.

    python scripts/extract_spec_subset.py /work/shared/specs/github/api.github.com.json.gz \
        --toolkit src/valetkey/toolkits/github --out tests/fidelity/specs/github \
        --name api.github.com.subset.json \
        --source "npm @octokit/openapi@23.0.2, generated/api.github.com.json" --license MIT

Writes the subset (the matched operations, their path-level parameters and
every component they reference, `$ref`s kept) and a ``PROVENANCE.md`` next to
it. Response bodies are dropped (status codes and descriptions stay): the
subset exists to check *requests*. Tools whose method and path match no
operation are listed in PROVENANCE.md as having no published description.
OpenAPI 3.x documents and Google discovery documents (``discovery#restDescription``:
the matched methods and the ``schemas`` they reference, see
`valetkey.catalog.apispec.discovery_subset`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from valetkey.catalog.apispec import read_document  # noqa: E402
from valetkey.catalog.apispec.discovery_subset import discovery_subset  # noqa: E402
from valetkey.catalog.loader import load_toolkit  # noqa: E402

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def shape(path: str) -> str:
    """A path template with parameter names erased, so ``{owner}`` matches ``{org}``."""
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/"))


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node)) if node else set()
    return set()


def subset(
    document: dict, wanted: list[tuple[str, str]], prefix: str = ""
) -> tuple[dict, dict[tuple[str, str], str]]:
    """(subset document, {(method, tool path): operationId}) for the `wanted` (METHOD, path) pairs."""
    by_shape = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                by_shape[(method.upper(), shape(path))] = (path, method)
    paths: dict[str, dict] = {}
    matched = {}
    for method, tool_path in wanted:
        hit = by_shape.get((method, shape(prefix + tool_path)))
        if hit is None:
            continue
        path, verb = hit
        item = document["paths"][path]
        operation = dict(item[verb])
        operation["responses"] = {
            code: {"description": r.get("description", "")} if "$ref" not in r else r
            for code, r in operation.get("responses", {}).items()
        }
        target = paths.setdefault(path, {k: v for k, v in item.items() if k == "parameters"})
        target[verb] = operation
        matched[(method, tool_path)] = operation.get("operationId", f"{method} {path}")
    components: dict[str, dict] = {}
    pending = refs(paths)
    done: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in done or not ref.startswith("#/components/"):
            continue
        done.add(ref)
        _, _, kind, name = ref.split("/", 3)
        node = document["components"][kind][name]
        if kind == "responses":
            node = {"description": node.get("description", "")}
        components.setdefault(kind, {})[name] = node
        pending |= refs(node)
    out = {
        "openapi": document["openapi"],
        "info": document["info"],
        "servers": document.get("servers", []),
        "paths": dict(sorted(paths.items())),
        "components": {k: dict(sorted(v.items())) for k, v in sorted(components.items())},
    }
    return out, matched


def describe(document: dict) -> str:
    """Title, version and format of a description, for PROVENANCE.md."""
    if document.get("kind") == "discovery#restDescription":
        return (
            f"{document.get('title', '')}, {document.get('id', '')} revision {document.get('revision', '')}, "
            f"Google discovery document {document.get('discoveryVersion', '')}"
        )
    return f"{document['info'].get('title', '')}, version {document['info'].get('version', '')}, OpenAPI {document['openapi']}"


def provenance(args, document: dict, matched: dict, missing: list[str], tools: dict) -> str:
    lines = [
        f"# {args.name}: provenance",
        "",
        "A subset of a published API description, extracted by `scripts/extract_spec_subset.py`;",
        "it holds only the operations the toolkit's tools call (response bodies dropped).",
        "",
        "| | |",
        "| --- | --- |",
        f"| source | {args.source} |",
        f"| description | {describe(document)} |",
        f"| path in source | {args.spec_path or args.spec} |",
        f"| license | {args.license} |",
        f"| extracted | {dt.date.today().isoformat()} for toolkit `{args.toolkit.name}` |",
        "",
        "Regenerate:",
        "",
        "```",
        f"python scripts/extract_spec_subset.py {args.spec} --toolkit {args.toolkit} --out {args.out} \\",
        f'    --name {args.name} --source "{args.source}" --license "{args.license}"'
        + (f" --path-prefix {args.path_prefix}" if args.path_prefix else "")
        + (f' \\\n    --spec-path "{args.spec_path}"' if args.spec_path else "")
        + "".join(f' \\\n    --extra "{extra}"' for extra in args.extra),
        "```",
        "",
        "| tool | operation |",
        "| --- | --- |",
    ]
    lines += [
        f"| {tools[key]} | `{op}` |" for key, op in sorted(matched.items(), key=lambda kv: tools[kv[0]])
    ]
    lines += ["", "Tools with no published description: " + (", ".join(missing) or "none") + "."]
    return "\n".join(lines) + "\n"


def extra_tools(pairs: list[str], toolkit) -> list[tuple[tuple[str, str], str]]:
    """``TOOL=METHOD /path`` arguments as ((METHOD, path), tool): the requests Python tools send."""
    slugs = {t.slug for t in toolkit.tools}
    out = []
    for pair in pairs:
        slug, _, request = pair.partition("=")
        method, _, path = request.strip().partition(" ")
        if slug not in slugs or not path.startswith("/"):
            raise SystemExit(f"--extra {pair!r}: expected TOOL=METHOD /path with a tool of the toolkit")
        out.append(((method.upper(), path.strip()), slug))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("spec", type=Path)
    parser.add_argument("--toolkit", type=Path, required=True, help="the toolkit folder (with toolkit.yaml)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--name", required=True, help="file name of the subset, e.g. api.github.com.subset.json"
    )
    parser.add_argument(
        "--source", required=True, help="where the description comes from (package, version, file)"
    )
    parser.add_argument("--license", required=True)
    parser.add_argument("--spec-path", default="", help="path to record in PROVENANCE.md (default: SPEC)")
    parser.add_argument(
        "--path-prefix", default="", help="prefix of the spec's paths the toolkit's base_url already holds"
    )
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="TOOL=METHOD /path",
        help="a request a Python-handler tool sends (repeatable), e.g. "
        "'GMAIL_SEND_EMAIL=POST /gmail/v1/users/{userId}/messages/send'",
    )
    args = parser.parse_args(argv)

    document = read_document(args.spec)
    discovery = document.get("kind") == "discovery#restDescription"
    if not discovery and not str(document.get("openapi", "")).startswith("3."):
        parser.error("only OpenAPI 3.x and Google discovery documents are supported")
    toolkit = load_toolkit(args.toolkit)
    tools = {(t.operation.method, t.operation.path): t.slug for t in toolkit.tools if t.operation}
    for key, slug in extra_tools(args.extra, toolkit):
        tools[key] = f"{tools[key]}, {slug}" if key in tools else slug
    extract = discovery_subset if discovery else subset
    part, matched = extract(document, list(tools), args.path_prefix)
    missing = sorted(slug for key, slug in tools.items() if key not in matched)
    handled = {slug for names in tools.values() for slug in names.split(", ")}
    missing += sorted(t.slug for t in toolkit.tools if not t.operation and t.slug not in handled)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / args.name).write_text(json.dumps(part, indent=1, ensure_ascii=False) + "\n")
    (args.out / "PROVENANCE.md").write_text(provenance(args, document, matched, missing, tools))
    print(f"{len(matched)} operations -> {args.out / args.name}; no description: {missing or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
