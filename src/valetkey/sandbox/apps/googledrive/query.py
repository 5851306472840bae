"""Drive's search language (the ``q`` parameter of files.list), as a predicate over files.

Supported: ``name`` and ``fullText`` with ``contains``, ``=``, ``!=``;
``mimeType``, ``trashed``, ``starred`` with ``=``/``!=``; ``modifiedTime``
and ``createdTime`` with comparisons; ``'<id>' in parents``, ``'<email>' in
owners|writers|readers``; ``and``, ``or``, ``not`` and parentheses. Anything
else is the 400 ``Invalid Value`` Drive answers. ``name contains`` matches
word prefixes as Drive does (``'hel'`` finds "Hello world"); ``fullText``
matches any substring of the name, description or text content.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from .state import DriveFile, DriveState

Predicate = Callable[[DriveFile], bool]
_TOKEN = re.compile(r"\s*(?:('(?:[^'\\]|\\.)*')|(!=|<=|>=|=|<|>|\(|\))|([A-Za-z]+))")


class QueryError(ValueError):
    pass


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if not match:
            raise QueryError(text[position:])
        string, operator, word = match.groups()
        if string is not None:
            tokens.append(("str", re.sub(r"\\(.)", r"\1", string[1:-1])))
        elif operator is not None:
            tokens.append(("op", operator))
        else:
            tokens.append(("word", word))
        position = match.end()
    return tokens


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda f: a(f) or b(f)


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda f: a(f) and b(f)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], state: DriveState, user: str):
        self.tokens, self.position, self.state, self.user = tokens, 0, state, user

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QueryError("unexpected end")
        self.position += 1
        return token

    def expression(self) -> Predicate:
        left = self.conjunction()
        while self.peek() == ("word", "or"):
            self.take()
            left = _either(left, self.conjunction())
        return left

    def conjunction(self) -> Predicate:
        left = self.negation()
        while self.peek() == ("word", "and"):
            self.take()
            left = _both(left, self.negation())
        return left

    def negation(self) -> Predicate:
        if self.peek() == ("word", "not"):
            self.take()
            inner = self.negation()
            return lambda f: not inner(f)
        if self.peek() == ("op", "("):
            self.take()
            inner = self.expression()
            if self.take() != ("op", ")"):
                raise QueryError("missing )")
            return inner
        return self.term()

    def term(self) -> Predicate:
        first = self.take()
        if first[0] == "str":  # 'value' in collection
            if self.take() != ("word", "in"):
                raise QueryError("expected in")
            kind, collection = self.take()
            return self._membership(first[1], collection if kind == "word" else "")
        if first[0] != "word":
            raise QueryError(first[1])
        field_name = first[1]
        kind, operator = self.take()
        if kind == "word" and operator == "contains":
            operator = "contains"
        elif kind != "op":
            raise QueryError(operator)
        value_kind, value = self.take()
        return self._comparison(field_name, operator, value_kind, value)

    def _membership(self, value: str, collection: str) -> Predicate:
        if collection == "parents":
            folder = self.state.resolve(self.user, value)
            return lambda f: folder in f.parents
        roles = {
            "owners": ("owner",),
            "writers": ("owner", "writer", "fileOrganizer", "organizer"),
            "readers": ("owner", "writer", "fileOrganizer", "organizer", "commenter", "reader"),
        }
        if collection not in roles:
            raise QueryError(collection)
        wanted = roles[collection]
        return lambda f: any(p.email == value and p.role in wanted for p in f.permissions)

    def _comparison(self, name: str, operator: str, kind: str, value: str) -> Predicate:
        if name in ("trashed", "starred"):
            if kind != "word" or value not in ("true", "false") or operator not in ("=", "!="):
                raise QueryError(name)
            expected = (value == "true") == (operator == "=")
            return lambda f: getattr(f, name) is expected
        if kind != "str":
            raise QueryError(name)
        if name == "name":
            return _text_test(operator, value, lambda f: f.name, prefix_words=True)
        if name == "fullText" and operator == "contains":
            needle = value.lower()
            return lambda f: needle in " ".join([f.name, f.description or "", _text(f)]).lower()
        if name == "mimeType" and operator in ("=", "!="):
            return lambda f: (f.mime_type == value) == (operator == "=")
        if name in ("modifiedTime", "createdTime") and operator in ("=", "!=", "<", "<=", ">", ">="):
            try:
                moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError as exc:
                raise QueryError(value) from exc
            moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
            attribute = "modified" if name == "modifiedTime" else "created"
            compare = {
                "=": lambda a: a == moment,
                "!=": lambda a: a != moment,
                "<": lambda a: a < moment,
                "<=": lambda a: a <= moment,
                ">": lambda a: a > moment,
                ">=": lambda a: a >= moment,
            }[operator]
            return lambda f: compare(getattr(f, attribute))
        raise QueryError(name)


def _text(file: DriveFile) -> str:
    return file.content.decode("utf-8", "ignore") if file.content and not file.is_folder else ""


def _text_test(operator: str, value: str, of: Callable[[DriveFile], str], *, prefix_words: bool) -> Predicate:
    if operator == "=":
        return lambda f: of(f) == value
    if operator == "!=":
        return lambda f: of(f) != value
    if operator == "contains":
        needle = value.lower()
        if prefix_words:  # from the start of a word: 'hel' finds "Hello", 'llo' does not
            return lambda f: any(of(f).lower()[i:].startswith(needle) for i, _ in _words(of(f).lower()))
        return lambda f: needle in of(f).lower()
    raise QueryError(operator)


def _words(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in re.finditer(r"[^\s._-]+", text)]


def compile_query(text: str, state: DriveState, user: str) -> Predicate:
    parser = _Parser(tokenize(text), state, user)
    if not parser.tokens:
        return lambda f: True
    predicate = parser.expression()
    if parser.peek() is not None:
        raise QueryError("trailing input")
    return predicate
