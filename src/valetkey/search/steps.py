"""A task of several steps, told apart from a query of one.

"find a free slot with dana and send her an invite" needs two tools, and one
ranking of the whole sentence lets the step with the rarer words take every
top place. So a query is cut into steps where it joins clauses ("and",
"then", a comma, a semicolon) and each clause begins with an action or a
question cue (`intent`'s cue words), the first clause excepted (a task may
open with any verb: "refund the charge and email them"); every clause needs
two words or more, so "squash and merge pull request 77" stays one step. Each step is searched on its own
and the rankings are interleaved, one place each in turn, so every step's
best tool comes within the first few results.
"""

from __future__ import annotations

import re

from valetkey.search.intent import READ_CUES, WRITE_CUES
from valetkey.search.text import words

# Where one clause ends and the next may begin.
_JOINS = re.compile(
    r"\s*(?:[;,]\s*(?:and\s+)?(?:then\s+)?|\s(?:and\s+then|and|then|after\s+that)\s)\s*", re.I
)
# Words a step may open with before its verb ("then", "also", "and").
_LEADING = frozenset({"then", "also", "and", "finally", "next"})
# At most this many steps are searched apart; a longer list stays one query.
MAX_STEPS = 3


def _opens_with_a_cue(clause: str) -> bool:
    found = [w for w in words(clause) if w not in _LEADING]
    return bool(found) and (found[0] in READ_CUES or found[0] in WRITE_CUES)


def clauses(query: str) -> list[str]:
    """The steps `query` asks for, however many: `[query]` unless it joins clauses that each act.

    The later clauses must open with a cue word and every clause must have two words or more.
    """
    found = [c for c in _JOINS.split(query.strip()) if c and c.strip()]
    if len(found) < 2:
        return [query]
    if any(len(words(c)) < 2 for c in found) or not all(_opens_with_a_cue(c) for c in found[1:]):
        return [query]
    return found


def split_steps(query: str) -> list[str]:
    """The steps of `query` to search apart: its `clauses`, or `[query]` past `MAX_STEPS` of them."""
    found = clauses(query)
    return found if len(found) <= MAX_STEPS else [query]
