"""Agent phrasing to catalog phrasing: a small, hand-written synonym map for queries.

Agents say "DM", "PR", "repo", "ticket" or "meeting"; tool definitions say
"direct message", "pull request", "repository", "issue" and "event". BM25 only
matches words that are there, so a query is expanded with the catalog's
words before scoring, at a lower weight than the words the agent wrote.

Two kinds of entries:

- `SYNONYMS`: groups of interchangeable phrases; any one expands to the others.
- `IMPLIES`: one-way hints, where the reverse would be noise ("reschedule"
  suggests "update event", but "update" does not suggest "reschedule").

Phrases match on stems, stop words included (so "who am I" can match), and
the longest phrase at a position wins. Only the query is expanded; the index
holds the definitions' own words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from valetkey.search.text import stem, terms, words

SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("email", "mail", "e-mail"),
    ("repo", "repository"),
    ("pr", "pull request", "merge request"),
    ("dm", "direct message", "private message"),
    ("spreadsheet", "sheet", "worksheet"),
    ("meeting", "event", "appointment"),
    ("folder", "directory"),
    ("member", "user", "teammate"),
    ("favorite", "star"),
    ("emoji", "reaction"),
    ("permission", "access"),
    ("hn", "hacker news"),
    ("gcal", "google calendar"),
    ("gdrive", "google drive"),
)

IMPLIES: dict[str, tuple[str, ...]] = {
    "dm": ("send", "direct message"),
    "ticket": ("issue",),
    "bug": ("issue",),
    "report a bug": ("create issue",),
    "file a bug": ("create issue",),
    "make": ("create",),
    "new": ("create",),
    "add": ("create", "append"),
    "start": ("create",),
    "open": ("create",),
    "write": ("update", "create"),
    "edit": ("update",),
    "change": ("update",),
    "modify": ("update",),
    "rename": ("update", "name"),
    "set": ("update",),
    "reschedule": ("update event",),
    "postpone": ("update event",),
    "cancel": ("delete",),
    "remove": ("delete",),
    "erase": ("delete",),
    "discard": ("delete",),
    "bin": ("trash",),
    "restore": ("untrash",),
    "undelete": ("untrash",),
    "post": ("send",),
    "tell": ("send message",),
    "notify": ("send message",),
    "ping": ("send message",),
    "reply": ("comment",),
    "respond": ("reply",),
    "schedule": ("create event",),
    "book": ("create event",),
    "availability": ("free busy",),
    "available": ("free busy",),
    "find": ("search",),
    "look for": ("search",),
    "look up": ("search", "get"),
    "lookup": ("search", "get"),
    "show": ("list", "get"),
    "display": ("list", "get"),
    "see": ("list", "get"),
    "view": ("list", "get"),
    "read": ("get", "fetch", "list"),
    "check": ("get",),
    "details": ("get",),
    "info": ("get",),
    "profile": ("user",),
    "person": ("user",),
    "people": ("user", "member"),
    "colleague": ("user", "member"),
    "who am i": ("authenticated user", "viewer", "profile"),
    "whoami": ("authenticated user", "viewer", "profile"),
    "inbox": ("email",),
    "conversation": ("thread",),
    "discussion": ("comment", "thread"),
    "react": ("reaction",),
    "thumbs up": ("reaction",),
    "tick": ("check",),
    "todo": ("to-do",),
    "column": ("property",),
    "field": ("property",),
    "entry": ("row",),
    "record": ("row",),
    "tab": ("sheet",),
    "cell": ("range", "values"),
    "download": ("export",),
    "attached": ("attachment",),
    "doc": ("document", "file"),
    "document": ("file",),
    "link": ("share",),
    "duplicate": ("copy",),
    "version": ("release",),
    "history": ("list",),
    "story": ("post",),
    "stories": ("post",),
    "trending": ("front page",),
    "popular": ("front page",),
    "submissions": ("post",),
    "sha": ("commit",),
    "diff": ("review comment",),
    "code review": ("review",),
}

# Expansion terms score at this fraction of the agent's own words.
ALIAS_WEIGHT = 0.5


@dataclass(frozen=True)
class AliasMap:
    """Phrase (stems) -> extra query terms; built once from the tables above."""

    expansions: dict[tuple[str, ...], tuple[str, ...]]
    longest: int


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(phrase))


def build_alias_map(
    synonyms: Iterable[Sequence[str]] = SYNONYMS, implies: Mapping[str, Sequence[str]] = IMPLIES
) -> AliasMap:
    """Index synonym groups and one-way hints by the stems of their phrases."""
    expansions: dict[tuple[str, ...], list[str]] = {}
    for group in synonyms:
        for phrase in group:
            extra = expansions.setdefault(_key(phrase), [])
            extra += [t for other in group if other != phrase for t in terms(other)]
    for phrase, targets in implies.items():
        extra = expansions.setdefault(_key(phrase), [])
        extra += [t for target in targets for t in terms(target)]
    frozen = {key: tuple(dict.fromkeys(extra)) for key, extra in expansions.items() if key}
    return AliasMap(frozen, max(map(len, frozen), default=0))


DEFAULT_ALIASES = build_alias_map()


def query_weights(query: str, aliases: AliasMap = DEFAULT_ALIASES) -> dict[str, float]:
    """The weighted terms of a query: its own terms at 1.0, alias expansions at ALIAS_WEIGHT."""
    weights = dict.fromkeys(terms(query), 1.0)
    stems = [stem(w) for w in words(query)]
    position = 0
    while position < len(stems):
        for size in range(min(aliases.longest, len(stems) - position), 0, -1):
            extra = aliases.expansions.get(tuple(stems[position : position + size]))
            if extra is not None:
                for term in extra:
                    weights.setdefault(term, ALIAS_WEIGHT)
                position += size
                break
        else:
            position += 1
    return weights
