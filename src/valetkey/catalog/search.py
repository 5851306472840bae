"""A small keyword search over the catalog, for the `search`/`query` parameters.

Deliberately simple and replaceable: a query is split into words, and an item
scores the weights of the fields each word appears in (slug and name count
most). Items matching no word are dropped; the rest come best first, ties in
catalog order. A real search engine can replace these two functions without
touching their callers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from valetkey.catalog.model import Toolkit

T = TypeVar("T")
WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset({"a", "an", "and", "the", "of", "to", "in", "on", "for", "by", "with", "my", "me"})


def words(text: str) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if w not in STOP_WORDS]


def _rank(items: Iterable[T], query: str, fields: Sequence[tuple[float, Callable[[T], str]]]) -> list[T]:
    terms = words(query)
    if not terms:
        return list(items)
    scored = []
    for position, item in enumerate(items):
        texts = [(weight, get(item).lower()) for weight, get in fields]
        score = sum(weight for term in terms for weight, text in texts if term in text)
        if score:
            scored.append((-score, position, item))
    scored.sort(key=lambda entry: entry[:2])
    return [item for _, _, item in scored]


TOOLKIT_FIELDS = (
    (3.0, lambda k: k.slug),
    (3.0, lambda k: k.name),
    (1.0, lambda k: " ".join(k.categories)),
    (1.0, lambda k: k.description),
)


def search_toolkits(toolkits: Iterable[Toolkit], query: str) -> list[Toolkit]:
    return _rank(toolkits, query, TOOLKIT_FIELDS)
