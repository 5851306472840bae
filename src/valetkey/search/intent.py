"""Read or write? The intent of a query, matched against the tools' readOnlyHint.

"what gmail labels do I have" and "create a label in gmail" share their
nouns; what tells GMAIL_LIST_LABELS from GMAIL_CREATE_LABEL is that the first
asks and the second acts. Every tool already says which it is (the
`readOnlyHint` behaviour tag), so the query's intent is guessed from its
first cue word (questions and reading verbs vs. verbs that change something)
and tools of the matching kind get a modest boost. A query with no cue word
has no intent and no boost.
"""

from __future__ import annotations

from typing import Literal

from valetkey.search.text import words

Intent = Literal["read", "write"]

READ_CUES = frozenset(
    """what which who whom whose when where how why is are was does do did has have any
    list show get fetch read find search see view check look lookup display browse count""".split()
)
WRITE_CUES = frozenset(
    """create make add new open start file report draft write send post dm message mail email
    reply respond comment update change edit set rename modify close reopen assign tag label mark
    move copy duplicate delete remove erase trash archive discard cancel restore untrash merge
    upload share invite star unstar react publish schedule book reschedule append clear log
    define give put save take tick commit""".split()
)


def query_intent(query: str) -> Intent | None:
    """ "read" or "write" by the first cue word of the query; None when there is none."""
    for word in words(query):
        if word in READ_CUES:
            return "read"
        if word in WRITE_CUES:
            return "write"
    return None
