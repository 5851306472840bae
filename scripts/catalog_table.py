"""Print the catalog table of docs/catalog.md: every built-in toolkit by tier, tools, Composio slugs, source.

    PYTHONPATH=src python scripts/catalog_table.py > /tmp/table.md

"Composio slugs" counts the slugs Composio lists for the toolkit
(`catalog/imports/composio_tool_slugs.txt`) that resolve to one of its tools
here, as a slug or an alias; the source of a silver toolkit is its import.yaml's.
"""

from __future__ import annotations

from valetkey.catalog.imports.config import IMPORT_FILE
from valetkey.catalog.imports.files import read_config
from valetkey.catalog.imports.names import composio_tool_slugs
from valetkey.catalog.loader import BUILTIN_DIR
from valetkey.catalog.registry import load_catalog

TIERS = ("gold", "silver", "directory", "custom")


def main() -> None:
    catalog = load_catalog()
    listed = composio_tool_slugs()
    rows = []
    for toolkit in catalog.toolkits.values():
        theirs = [s for s in listed if s.startswith(toolkit.slug.upper() + "_")]
        resolving = sum(
            1
            for s in theirs
            if (c := catalog.canonical_tool_slug(s)) and catalog.toolkit_of_tool(c) is toolkit
        )
        folder = BUILTIN_DIR / toolkit.slug
        source = read_config(folder).source.origin if (folder / IMPORT_FILE).is_file() else "hand-written"
        rows.append(
            (
                TIERS.index(toolkit.tier),
                toolkit,
                len(catalog.tools_at(toolkit)),
                resolving,
                len(theirs),
                source,
            )
        )
    rows.sort(key=lambda r: (r[0], r[1].slug))
    print("| toolkit | tier | tools | Composio slugs resolving | source |")
    print("| --- | --- | ---: | ---: | --- |")
    for _, toolkit, tools, resolving, listed_count, source in rows:
        composio = f"{resolving} of {listed_count}" if listed_count else "(not in Composio's list)"
        print(f"| {toolkit.slug} | {toolkit.tier} | {tools} | {composio} | {source} |")
    by_tier: dict[str, list[int]] = {}
    for _, toolkit, tools, _, _, _ in rows:
        by_tier.setdefault(toolkit.tier, []).append(tools)
    print()
    print(", ".join(f"{tier}: {len(v)} toolkits, {sum(v)} tools" for tier, v in by_tier.items()))


if __name__ == "__main__":
    main()
