"""Ranking a query against a ToolIndex: BM25F, app boosting, candidate filtering, top k.

1. The query becomes weighted terms (its own words, plus alias expansions).
2. BM25F scores every tool matching any of them, from the postings lists.
3. When the query names an app ("...in GitHub", "my calendar"), that
   toolkit's tools are boosted: the agent has said where to look.
4. Tools whose readOnlyHint matches the query's intent (asking or acting,
   `intent`) are boosted.
5. A faint prior lifts tools their toolkit marks `important` (the common
   ones) among near ties.
6. The best `limit` tools inside the caller's mask (latest versions, a
   route's candidates) that its predicate (a session's filter) admits are
   returned. Scoring and masking are vectorised over one array of the
   catalog's size; the predicate is asked about the best candidates only, so
   a session's filter costs a handful of calls, not one per catalog tool.

An optional `semantic` ranker (embeddings) is fused with the lexical ranking
by reciprocal rank fusion; none is shipped (see docs/search.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from valetkey.catalog.model import Tool, Toolkit
from valetkey.search.aliases import query_weights
from valetkey.search.bm25 import score
from valetkey.search.fusion import Ranker, reciprocal_rank_fusion
from valetkey.search.intent import query_intent
from valetkey.search.steps import split_steps
from valetkey.search.tool_index import ToolIndex

# Extra score factor for tools of a toolkit the query names.
TOOLKIT_BOOST = 1.0
# Extra score factor for tools whose readOnlyHint matches the query's intent (read or write).
INTENT_BOOST = 0.5
# How deep each ranker's list goes into a fusion.
FUSION_DEPTH = 50

# A per-document test that is not a mask (a session's predicate on tools).
Admits = Callable[[int], bool]


@dataclass(frozen=True)
class Hit:
    """One search result: the tool, its toolkit and its score (higher is better)."""

    tool: Tool
    toolkit: Toolkit
    # Higher is better; only the order is meaningful.
    score: float
    doc: int


def named_toolkits(index: ToolIndex, weights: Mapping[str, float]) -> list[int]:
    """Numbers of the toolkits a query's terms name."""
    return sorted({number for term in weights for number in index.toolkit_terms.get(term, ())})


def lexical_scores(index: ToolIndex, query: str) -> np.ndarray:
    """Every document's score for `query` (0: no match), app boost and prior applied."""
    weights = query_weights(query)
    scores = score(index.bm25, weights)
    named = named_toolkits(index, weights)
    if named:
        scores[np.isin(index.toolkit_number, named)] *= 1.0 + TOOLKIT_BOOST
    intent = query_intent(query)
    if intent is not None:
        scores[index.read_only if intent == "read" else ~index.read_only] *= 1.0 + INTENT_BOOST
    scores *= index.prior
    return scores


def _best_first(scores: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """`docs` by descending score, ties by document number."""
    return docs[np.lexsort((docs, -scores[docs]))]


def top(
    scores: np.ndarray, limit: int, mask: np.ndarray | None = None, admits: Admits | None = None
) -> list[int]:
    """The best `limit` matching documents inside `mask` that `admits` lets through.

    Selection is linear (argpartition); `admits` is asked about the best
    candidates first, on a window that widens fourfold until `limit` pass or
    the matches run out, so a filter that admits most tools costs a few calls.
    """
    matching = scores > 0
    if mask is not None:
        matching &= mask
    candidates = np.flatnonzero(matching)
    window = limit if admits is None else 4 * limit + 16
    while True:
        if window < len(candidates):
            head = candidates[np.argpartition(-scores[candidates], window)[:window]]
            # Keep every tie of the last place, so ties resolve by document number, not by chance.
            head = candidates[scores[candidates] >= scores[head].min()]
        else:
            head = candidates
        ranked = [int(doc) for doc in _best_first(scores, head)]
        if admits is not None:
            ranked = [doc for doc in ranked if admits(doc)]
        if len(ranked) >= limit or len(head) == len(candidates):
            return ranked[:limit]
        window *= 4


def _slug_first(
    index: ToolIndex,
    query: str,
    ranked: list[tuple[int, float]],
    mask: np.ndarray | None,
    admits: Admits | None,
) -> list[tuple[int, float]]:
    """`ranked` with the tool the query names exactly (by slug or alias) first, when there is one."""
    exact = [
        doc
        for doc in index.named.get(query.strip().upper(), ())
        if (mask is None or mask[doc]) and (admits is None or admits(doc))
    ]
    if not exact:
        return ranked
    best = max((value for _, value in ranked), default=1.0)
    rest = [(doc, value) for doc, value in ranked if doc not in exact]
    return [(doc, best) for doc in exact] + rest


def search(
    index: ToolIndex,
    query: str,
    *,
    limit: int,
    mask: np.ndarray | None = None,
    admits: Admits | None = None,
    semantic: Ranker | None = None,
) -> list[Hit]:
    """At most `limit` tools for `query` inside `mask` (bools per document) that `admits`, best first.

    No tools when no word of the query matches. `mask` is for filters known
    as arrays (latest versions, a route's candidates); `admits` for filters
    known only as a predicate (a session's), asked lazily.
    """
    if limit <= 0:
        return []
    steps = split_steps(query)
    rankings = [_search_one(index, part, limit, mask, admits, semantic) for part in steps]
    if len(steps) > 1:  # each step's ranking, then the whole query's, one place each in turn
        rankings.append(_search_one(index, query, limit, mask, admits, semantic))
    merged: dict[int, Hit] = {}
    for place in range(limit):
        for ranking in rankings:
            if place < len(ranking):
                merged.setdefault(ranking[place].doc, ranking[place])
    return list(merged.values())[:limit]


def _search_one(
    index: ToolIndex,
    query: str,
    limit: int,
    mask: np.ndarray | None,
    admits: Admits | None,
    semantic: Ranker | None,
) -> list[Hit]:
    scores = lexical_scores(index, query)
    if semantic is None:
        ranked = [(doc, float(scores[doc])) for doc in top(scores, limit, mask, admits)]
    else:
        lexical = top(scores, FUSION_DEPTH, mask, admits)
        meaning = [
            doc
            for doc in semantic(query, FUSION_DEPTH)
            if (mask is None or mask[doc]) and (admits is None or admits(doc))
        ]
        ranked = reciprocal_rank_fusion([lexical, meaning])[:limit]
    ranked = _slug_first(index, query, ranked, mask, admits)[:limit]
    return [Hit(index.tools[doc], index.toolkits[doc], value, doc) for doc, value in ranked]
