"""BM25F over analysed documents: postings lists of precomputed per-term impacts.

Each document is a few fields of terms (slug, name, description...). BM25F
folds them into one pseudo term frequency per term, each field's count
weighted and normalised by that field's length against its average, then
saturates it as BM25 does:

    tf~(t, d) = sum_f  w_f * tf_f(t, d) / (1 - b_f + b_f * len_f(d) / avglen_f)
    impact(t, d) = idf(t) * tf~ * (k1 + 1) / (tf~ + k1)
    idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))

Nothing in `impact` depends on the query, so it is computed once when the
index is built and a query costs one pass over the postings of its terms:
O(sum of their posting lengths) vectorised additions into one score array.
Written here rather than taken from a package (bm25s, rank_bm25) because it is
this small, and because field weights, precomputed impacts and candidate
masks are what a package would have to be bent into.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FieldSpec:
    """One field of a document: how much a match counts, how much its length normalises."""

    name: str
    weight: float
    b: float = 0.75


@dataclass(frozen=True)
class Postings:
    """The documents containing one term, with the term's impact in each (parallel, read-only arrays)."""

    docs: np.ndarray  # int32
    impacts: np.ndarray  # float64


@dataclass(frozen=True)
class Bm25Index:
    """An immutable BM25F index of `size` documents, numbered 0..size-1."""

    size: int
    postings: Mapping[str, Postings]
    k1: float


def build_bm25(
    documents: Sequence[Sequence[Sequence[str]]],
    fields: Sequence[FieldSpec],
    *,
    k1: float = 1.2,
) -> Bm25Index:
    """Index documents given as one term list per field, in the order of `fields`."""
    size = len(documents)
    average = [
        max(1e-9, sum(len(doc[i]) for doc in documents) / size) if size else 1.0 for i in range(len(fields))
    ]
    pseudo_tf: list[dict[str, float]] = []
    document_frequency: Counter[str] = Counter()
    for doc in documents:
        weighted: dict[str, float] = {}
        for spec, field_terms, avg in zip(fields, doc, average, strict=False):
            if not field_terms:
                continue
            norm = spec.weight / (1.0 - spec.b + spec.b * len(field_terms) / avg)
            for term, count in Counter(field_terms).items():
                weighted[term] = weighted.get(term, 0.0) + count * norm
        pseudo_tf.append(weighted)
        document_frequency.update(weighted.keys())

    docs_of: dict[str, list[int]] = {}
    impacts_of: dict[str, list[float]] = {}
    for number, weighted in enumerate(pseudo_tf):
        for term, tf in weighted.items():
            df = document_frequency[term]
            idf = math.log(1.0 + (size - df + 0.5) / (df + 0.5))
            docs_of.setdefault(term, []).append(number)
            impacts_of.setdefault(term, []).append(idf * tf * (k1 + 1.0) / (tf + k1))
    postings = {
        term: Postings(_frozen(docs_of[term], np.int32), _frozen(impacts_of[term], np.float64))
        for term in docs_of
    }
    return Bm25Index(size, postings, k1)


def _frozen(values: list, dtype) -> np.ndarray:
    array = np.array(values, dtype=dtype)
    array.flags.writeable = False
    return array


def score(index: Bm25Index, weights: Mapping[str, float]) -> np.ndarray:
    """BM25F score of every document (0 for those matching no weighted query term)."""
    scores = np.zeros(index.size, dtype=np.float64)
    for term, weight in weights.items():
        found = index.postings.get(term)
        if found is not None:
            # A term's postings hold each document once, so fancy-index += is exact.
            scores[found.docs] += weight * found.impacts
    return scores
