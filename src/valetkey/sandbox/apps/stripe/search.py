"""A subset of Stripe's search query language, enough for customer search.

A query is clauses joined by ``AND`` or by ``OR`` (Stripe refuses a mix);
a clause is ``field:value`` (exact, case-insensitive), ``field~value``
(substring, at least 3 characters), ``metadata['key']:value``, or a
comparison on ``created`` (``created>1700000000``); ``-`` before a clause
negates it. Values are quoted with single or double quotes (numbers need
none). Anything else is 400 with ``param: query``, as Stripe answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .kit import StripeError
from .state import Obj

CLAUSE = re.compile(
    r"""\s*(?P<neg>-)?(?P<field>[a-z_]+)(?:\[(?P<q>['"])(?P<key>[^'"]+)(?P=q)\])?"""
    r"""\s*(?P<op>:|~|>=|<=|>|<)\s*(?:(?P<vq>['"])(?P<value>.*?)(?P=vq)|(?P<number>-?\d+))\s*"""
)
COMPARE = {
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
}

Predicate = Callable[[Obj], bool]


def compile_query(query: str, fields: frozenset[str]) -> Predicate:
    """A predicate for `query` over objects whose searchable string fields are `fields`."""
    clauses, joiners, position = [], set(), 0
    while True:
        match = CLAUSE.match(query, position)
        if match is None:
            raise _bad(query, position)
        clauses.append(_clause(match, fields))
        position = match.end()
        if position == len(query):
            break
        joiner = re.compile(r"(AND|OR)\s+").match(query, position)
        if joiner is None:
            raise _bad(query, position)
        joiners.add(joiner.group(1))
        position = joiner.end()
    if len(joiners) > 1:
        raise StripeError(400, "Search queries cannot mix AND and OR; use one of them.", param="query")
    if joiners == {"OR"}:
        return lambda obj: any(c(obj) for c in clauses)
    return lambda obj: all(c(obj) for c in clauses)


def _clause(match: re.Match[str], fields: frozenset[str]) -> Predicate:
    field_name, op, key = match["field"], match["op"], match["key"]
    value = match["value"] if match["value"] is not None else match["number"]
    if field_name == "metadata":
        if key is None or op != ":":
            raise StripeError(400, "metadata is searched as metadata['key']:'value'.", param="query")

        def test(obj):
            return (obj.get("metadata") or {}).get(key) == value
    elif field_name == "created":
        if op not in COMPARE and op != ":":
            raise StripeError(400, "created supports :, >, <, >= and <=.", param="query")
        bound = int(value)
        test = (
            (lambda obj: obj["created"] == bound)
            if op == ":"
            else (lambda obj: COMPARE[op](obj["created"], bound))
        )
    elif field_name in fields and op in (":", "~"):
        if op == "~" and len(value) < 3:
            raise StripeError(400, "Substring (~) searches need at least 3 characters.", param="query")
        wanted = value.lower()
        test = (
            (lambda obj: (obj.get(field_name) or "").lower() == wanted)
            if op == ":"
            else (lambda obj: wanted in (obj.get(field_name) or "").lower())
        )
    else:
        raise StripeError(
            400,
            f"Field '{field_name}' is an unsupported search field for resource `customers`. "
            f"See https://stripe.com/docs/search#query-fields-for-customers for a list of "
            f"supported fields.",
            param="query",
        )
    return (lambda obj: not test(obj)) if match["neg"] else test


def _bad(query: str, position: int) -> StripeError:
    return StripeError(
        400,
        f"Invalid query: could not parse {query[position : position + 30]!r} at position {position}.",
        param="query",
    )
