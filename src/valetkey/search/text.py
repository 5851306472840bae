"""Text to search terms: the same analysis for tool definitions and for queries.

Tool text mixes prose ("Opens a new issue in a repository") with identifiers
(`GITHUB_CREATE_ISSUE`, `issue_number`, `timeMin`), and agents write queries in
either style, so identifiers are split at underscores, dashes, dots and case
changes before anything else. Words are then lowercased, stop words dropped
and the rest reduced to their Snowball (Porter2) English stem, so "issues",
"labelling" and "starred" meet "issue", "label" and "star".

Snowball rather than a home-made suffix stripper: English stemming has many
traps ("users" must not become "us", "news" must not become "new") that the
Porter2 rules already handle, and `snowballstemmer` is pure Python with no
dependencies. Stems are memoised, so the stemmer runs once per distinct word.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

# Runs of letters or digits; an uppercase run followed by a capitalised word
# splits before the word ("HTTPServer" -> "HTTP", "Server").
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

# Function words that carry no meaning for picking a tool. Kept short on
# purpose: words like "all", "new", "my" or "not" can matter ("list my
# repositories" vs "list a user's repositories") and are left to IDF.
STOP_WORDS = frozenset(
    """a an the and or of to in on for by with from at as into onto via per
    is are was were be been being do does did has have had it its this that these those
    i me we us you your our can could would should will please want need
    some any what which who whom how when where there here then than so just
    up out about over also""".split()
)

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball English stem of a lowercase word (memoised)."""
    return _STEMMER.stemWord(word)


def words(text: str) -> list[str]:
    """Lowercase words of `text`, identifiers split: "GITHUB_CREATE_ISSUE" -> github, create, issue."""
    return [w.lower() for w in _WORD.findall(text)]


def terms(text: str) -> list[str]:
    """Search terms of `text`: its words without stop words and stray letters, stemmed, in order (repeats kept).

    Single letters are mostly debris ("what's" -> "what", "s"); digits stay.
    """
    return [stem(w) for w in words(text) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
