"""Reciprocal rank fusion: the seam where a second ranker (embeddings) would join BM25.

RRF merges ranked lists by position alone, score(d) = sum over lists of
1 / (k + rank of d), so rankers whose scores live on different scales (BM25
sums, cosine similarities) combine without calibration. k = 60 is the value
of the original paper (Cormack, Clarke and Büttcher, SIGIR 2009) and damps
the head of each list so that one ranker's first place does not decide alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

# A ranker: (query, depth) -> document numbers, best first, at most `depth`.
Ranker = Callable[[str, int], Sequence[int]]

RRF_K = 60


def reciprocal_rank_fusion(rankings: Iterable[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """(document, fused score) best first; ties keep the first list's order, then document number."""
    fused: dict[int, float] = {}
    first_seen: dict[int, int] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + rank)
            first_seen.setdefault(doc, len(first_seen))
    return sorted(fused.items(), key=lambda item: (-item[1], first_seen[item[0]]))
