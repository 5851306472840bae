"""The search index of a catalog: every tool definition as a BM25F document, built once.

A document is one tool definition (every version's, so `GET /tools` can rank
the definitions a version selector picked); sessions search only the latest
ones (`ToolIndex.latest`). Fields and their weights say where a word counts
most: the slug's own words and the display name are what a tool *is*, the
description says what it does and when to use it, argument names hint at what
it takes, and the toolkit's slug and name say which app it belongs to.

Descriptions mention other tools by slug ("replies come from
SLACK_FETCH_CONVERSATION_REPLIES"); those mentions are cut before indexing,
or every tool would also match the words of its neighbours.

`index_for(catalog)` builds the index on first use and keeps it for the life
of the catalog (a catalog never changes once loaded).
"""

from __future__ import annotations

import dataclasses
import re
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from valetkey.catalog.model import BEHAVIOUR_TAGS, Tool, Toolkit
from valetkey.search.bm25 import Bm25Index, FieldSpec, build_bm25
from valetkey.search.text import terms

if TYPE_CHECKING:
    from valetkey.catalog.registry import Catalog

FIELDS = (
    FieldSpec("slug", 3.0, b=0.3),
    FieldSpec("name", 3.0, b=0.3),
    FieldSpec("toolkit", 1.0, b=0.0),
    FieldSpec("tags", 1.0, b=0.0),
    FieldSpec("description", 1.0, b=0.75),
    FieldSpec("arguments", 0.5, b=0.5),
)

# Score factor of tools tagged `important` (their toolkit's common ones): a
# light prior that only reorders near ties.
IMPORTANT_PRIOR = 1.05

# Tags that describe behaviour or curation, not what a tool is about.
_QUIET_TAGS = frozenset((*BEHAVIOUR_TAGS, "important"))
_SLUG_MENTION = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")


@dataclass(frozen=True)
class ToolIndex:
    """A BM25F index over tool definitions plus what ranking needs besides text.

    Document numbers follow catalog order (toolkits, then tools as defined),
    which is also the tie-break order of results.
    """

    bm25: Bm25Index
    # Document number -> definition and its toolkit.
    tools: tuple[Tool, ...]
    toolkits: tuple[Toolkit, ...]
    # id(definition) -> document number: the definitions a caller hands in.
    doc_of: Mapping[int, int]
    # Per document (read-only arrays): in its toolkit's latest version? its
    # toolkit's number? its prior score factor? tagged readOnlyHint?
    latest: np.ndarray
    toolkit_number: np.ndarray
    prior: np.ndarray
    read_only: np.ndarray
    # Query term -> numbers of the toolkits it names ("github", "calendar", "hacker").
    toolkit_terms: Mapping[str, tuple[int, ...]]
    # Tool slug or alias (Composio's slug for one of ours) -> its documents: a query that is
    # exactly a slug finds that tool first.
    named: Mapping[str, tuple[int, ...]] = dataclasses.field(default_factory=dict)


def tool_fields(tool: Tool, toolkit: Toolkit) -> list[list[str]]:
    """The analysed fields of one tool, in the order of FIELDS."""
    prefix = tool.toolkit.upper() + "_"
    own_slug = tool.slug[len(prefix) :] if tool.slug.startswith(prefix) else tool.slug
    properties = tool.input_schema.get("properties") or {}
    return [
        terms(own_slug),
        terms(tool.name),
        terms(f"{toolkit.slug} {toolkit.name}"),
        terms(" ".join(t for t in tool.tags if t not in _QUIET_TAGS)),
        terms(_SLUG_MENTION.sub(" ", tool.description)),
        terms(" ".join(properties)),
    ]


def naming_terms(toolkits: Iterable[Toolkit]) -> dict[str, tuple[int, ...]]:
    """Each term of a toolkit's slug or name -> the numbers (positions in `toolkits`) of the toolkits it names."""
    named: dict[str, list[int]] = {}
    for number, toolkit in enumerate(toolkits):
        for term in dict.fromkeys([*terms(toolkit.slug), *terms(toolkit.name)]):
            named.setdefault(term, []).append(number)
    return {term: tuple(numbers) for term, numbers in named.items()}


def _frozen(values: Iterable, dtype) -> np.ndarray:
    array = np.fromiter(values, dtype=dtype)
    array.flags.writeable = False
    return array


def build_tool_index(entries: Iterable[tuple[Tool, Toolkit, bool]]) -> ToolIndex:
    """Index (definition, its toolkit, whether it is in the latest version) triples, in the order given."""
    entries = list(entries)
    tools = tuple(tool for tool, _, _ in entries)
    toolkits = tuple(toolkit for _, toolkit, _ in entries)
    distinct = list({toolkit.slug: toolkit for toolkit in toolkits}.values())
    number_of = {toolkit.slug: number for number, toolkit in enumerate(distinct)}
    return ToolIndex(
        bm25=build_bm25([tool_fields(tool, toolkit) for tool, toolkit, _ in entries], FIELDS),
        tools=tools,
        toolkits=toolkits,
        doc_of={id(tool): number for number, tool in enumerate(tools)},
        latest=_frozen((latest for _, _, latest in entries), bool),
        toolkit_number=_frozen((number_of[toolkit.slug] for toolkit in toolkits), np.int32),
        prior=_frozen((IMPORTANT_PRIOR if "important" in tool.tags else 1.0 for tool in tools), np.float64),
        read_only=_frozen(("readOnlyHint" in tool.tags for tool in tools), bool),
        toolkit_terms=naming_terms(distinct),
        named=_named(tools),
    )


def _named(tools: Iterable[Tool]) -> dict[str, tuple[int, ...]]:
    named: dict[str, list[int]] = {}
    for number, tool in enumerate(tools):
        for slug in (tool.slug, *tool.aliases):
            named.setdefault(slug, []).append(number)
    return {slug: tuple(numbers) for slug, numbers in named.items()}


def catalog_entries(catalog: Catalog) -> list[tuple[Tool, Toolkit, bool]]:
    """Every definition of every toolkit, flagged when it is part of the latest version."""
    entries = []
    for toolkit in catalog.toolkits.values():
        latest = {id(tool) for tool in catalog.tools_at(toolkit)}
        entries += [(tool, toolkit, id(tool) in latest) for tool in toolkit.tools]
    return entries


_INDEXES: weakref.WeakKeyDictionary[Catalog, ToolIndex] = weakref.WeakKeyDictionary()


def index_for(catalog: Catalog) -> ToolIndex:
    """The catalog's index, built on first use and kept as long as the catalog lives."""
    index = _INDEXES.get(catalog)
    if index is None:
        index = _INDEXES[catalog] = build_tool_index(catalog_entries(catalog))
    return index
