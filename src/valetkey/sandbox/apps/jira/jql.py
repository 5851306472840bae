"""A JQL subset: the clauses agents write, evaluated against the emulator's issues.

``field op value`` clauses joined by ``AND`` / ``OR`` (AND binds tighter,
parentheses group), then ``ORDER BY field [ASC|DESC], ...``. Operators:
``=``, ``!=``, ``~``, ``!~``, ``IN (...)``, ``NOT IN (...)``, ``IS [NOT] EMPTY``,
and ``<``, ``<=``, ``>``, ``>=`` on dates. Fields: project, key/issuekey,
summary, description, text, status, statusCategory, assignee, reporter,
labels, issuetype/type, priority, parent, duedate, created, updated.
``currentUser()`` is the caller. Anything else is Jira's 400
``Error in the JQL Query`` / ``Field 'x' does not exist``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .kit import JiraError
from .state import ISSUE_TYPES, PRIORITIES, STATUSES, Issue, JiraState, adf_text

TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|!~|<=|>=|=|~|<|>|\(|\)|,)"""
    r"""|(?P<word>[A-Za-z0-9_.\-\[\]@*/:+]+(?:\(\))?))"""
)
FIELDS = {
    "project",
    "key",
    "issuekey",
    "id",
    "summary",
    "description",
    "text",
    "status",
    "statuscategory",
    "assignee",
    "reporter",
    "labels",
    "issuetype",
    "type",
    "priority",
    "parent",
    "duedate",
    "created",
    "updated",
}
Predicate = Callable[[Issue], bool]


def tokenize(jql: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(jql):
        if not jql[pos:].strip():
            break
        match = TOKEN.match(jql, pos)
        if not match or match.end() == pos:
            raise syntax(f"The character '{jql[pos:].strip()[0]}' is a reserved JQL character.")
        kind = match.lastgroup or "word"
        text = match.group(kind)
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        out.append((kind, text))
        pos = match.end()
    return out


def syntax(detail: str) -> JiraError:
    return JiraError(400, f"Error in the JQL Query: {detail}")


@dataclass
class Query:
    where: Predicate
    order: list[tuple[str, bool]]  # (field, descending)


class Parser:
    def __init__(self, state: JiraState, me: str, tokens: list[tuple[str, str]]):
        self.state, self.me, self.tokens, self.i = state, me, tokens, 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        """The token `offset` ahead, or ``("end", "")`` past the end."""
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else ("end", "")

    def word(self, *options: str) -> bool:
        tok = self.peek()
        return tok[0] == "word" and tok[1].lower() in options

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok[0] == "end":
            raise syntax("Expecting more input at the end of the query.")
        self.i += 1
        return tok

    def parse(self) -> Query:
        where: Predicate = lambda issue: True  # noqa: E731 (an empty query matches every issue)
        if self.peek()[0] != "end" and not (self.word("order") and self.peek(1)[1].lower() == "by"):
            where = self.disjunction()
        order: list[tuple[str, bool]] = []
        if self.word("order"):
            self.take()
            if not self.word("by"):
                raise syntax("Expecting 'by' after 'order'.")
            self.take()
            while True:
                name = self.take()[1].lower()
                if name not in FIELDS:
                    raise unknown_field(name)
                descending = False
                if self.word("asc", "desc"):
                    descending = self.take()[1].lower() == "desc"
                order.append((name, descending))
                if self.peek() == ("op", ","):
                    self.take()
                    continue
                break
        if self.peek()[0] != "end":
            raise syntax(f"Expecting either 'OR' or 'AND' but got '{self.peek()[1]}'.")
        return Query(where, order)

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.word("or"):
            self.take()
            parts.append(self.conjunction())
        return lambda issue: any(p(issue) for p in parts)

    def conjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.word("and"):
            self.take()
            parts.append(self.unary())
        return lambda issue: all(p(issue) for p in parts)

    def unary(self) -> Predicate:
        if self.word("not"):
            self.take()
            inner = self.unary()
            return lambda issue: not inner(issue)
        if self.peek() == ("op", "("):
            self.take()
            inner = self.disjunction()
            if self.take() != ("op", ")"):
                raise syntax("Expecting ')'.")
            return inner
        return self.clause()

    def values(self) -> list[str]:
        if self.take() != ("op", "("):
            raise syntax("Expecting '(' after 'in'.")
        out = []
        while True:
            out.append(self.value())
            sep = self.take()
            if sep == ("op", ")"):
                return out
            if sep != ("op", ","):
                raise syntax("Expecting ',' or ')' in the list of values.")

    def value(self) -> str:
        kind, text = self.take()
        if kind == "op":
            raise syntax(f"Expecting a value but got '{text}'.")
        return self.me if text.lower() == "currentuser()" else text

    def clause(self) -> Predicate:
        kind, name = self.take()
        name = name.lower()
        if kind != "word" or name not in FIELDS:
            raise unknown_field(name)
        if self.word("is"):
            self.take()
            negate = self.word("not")
            if negate:
                self.take()
            if not self.word("empty", "null"):
                raise syntax("Expecting 'EMPTY' after 'is'.")
            self.take()
            return lambda issue: bool(self.field_values(issue, name)) == negate
        if self.word("not") and self.peek(1)[1].lower() == "in":
            self.take(), self.take()
            wanted = self.values()
            return lambda issue: not self.matches(issue, name, wanted)
        if self.word("in"):
            self.take()
            wanted = self.values()
            return lambda issue: self.matches(issue, name, wanted)
        op_kind, op = self.take()
        if op_kind != "op" or op not in ("=", "!=", "~", "!~", "<", "<=", ">", ">="):
            raise syntax(f"Expecting an operator after the field '{name}' but got '{op}'.")
        value = self.value()
        if op in ("~", "!~"):
            needle = value.lower().strip("*")

            def hit(issue):
                return any(needle in v.lower() for v in self.field_values(issue, name, text=True))

            return hit if op == "~" else (lambda issue: not hit(issue))
        if op in ("<", "<=", ">", ">="):
            compare = {"<": str.__lt__, "<=": str.__le__, ">": str.__gt__, ">=": str.__ge__}[op]
            return lambda issue: any(compare(v[: len(value)], value) for v in self.field_values(issue, name))
        if value.lower() == "empty":
            return lambda issue: bool(self.field_values(issue, name)) == (op == "!=")

        def equal(issue):
            return self.matches(issue, name, [value])

        return equal if op == "=" else (lambda issue: not equal(issue))

    def matches(self, issue: Issue, name: str, wanted: list[str]) -> bool:
        have = {v.lower() for v in self.field_values(issue, name)}
        return any(w.lower() in have for w in wanted)

    def field_values(self, issue: Issue, name: str, text: bool = False) -> list[str]:
        """The values one field has on `issue`, in every form a JQL value may name them."""
        state = self.state
        if name in ("summary",):
            return [issue.summary]
        if name == "description":
            return [adf_text(issue.description)] if issue.description else []
        if name == "text":
            comments = [adf_text(c.body) for c in issue.comments]
            return [issue.summary, adf_text(issue.description), *comments]
        if name == "project":
            project = state.projects[issue.project]
            return [project.id, project.key, project.name]
        if name in ("key", "issuekey", "id"):
            return [issue.key, issue.id]
        if name == "status":
            return [issue.status, STATUSES[issue.status]["name"]]
        if name == "statuscategory":
            _, key, label, _ = STATUSES[issue.status]["category"]
            return [key, label]
        if name in ("assignee", "reporter"):
            user = state.user(issue.assignee if name == "assignee" else issue.reporter)
            return [user.account_id, user.email, user.display_name] if user else []
        if name == "labels":
            return list(issue.labels)
        if name in ("issuetype", "type"):
            return [issue.issue_type, ISSUE_TYPES[issue.issue_type]["name"]]
        if name == "priority":
            return [issue.priority, PRIORITIES[issue.priority][0]]
        if name == "parent":
            parent = state.issues.get(issue.parent or "")
            return [parent.id, parent.key] if parent else []
        if name == "duedate":
            return [issue.duedate] if issue.duedate else []
        if name == "created":
            return [issue.created.replace("T", " ")]
        if name == "updated":
            return [issue.updated.replace("T", " ")]
        raise unknown_field(name)


def unknown_field(name: str) -> JiraError:
    return JiraError(400, f"Field '{name}' does not exist or you do not have permission to view it.")


def sort_key(issue: Issue, name: str) -> Any:
    if name in ("key", "issuekey", "id"):
        return (issue.project, int(issue.key.rsplit("-", 1)[1]))
    if name == "priority":
        return int(issue.priority)
    if name == "created":
        return int(issue.id)
    return str(getattr(issue, {"type": "issue_type", "issuetype": "issue_type"}.get(name, name), "") or "")


def _sort_key_for(name: str, issue: Issue) -> Any:
    return sort_key(issue, name)


def search(state: JiraState, me: str, jql: str) -> list[Issue]:
    """The issues `jql` selects, in its ORDER BY (default: newest first, as Jira orders by created)."""
    query = Parser(state, me, tokenize(jql or "")).parse()
    found = [i for i in state.issues.values() if query.where(i)]
    for name, descending in reversed(query.order or [("created", True)]):
        found.sort(key=functools.partial(_sort_key_for, name), reverse=descending)
    return found
