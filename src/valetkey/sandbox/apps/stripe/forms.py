"""Stripe's form encoding, read back: ``a[b][c]=1&items[0][price]=p&expand[]=x`` as nested values.

Stripe takes every parameter form-encoded (bodies of POSTs, query strings of
GETs), nesting with brackets. `parse_form` turns the ordered pairs into
dicts and lists (a level whose keys are all indexes, or ``[]`` appends, is a
list) and raises `FormError` for fields that are both a value and an object,
which Stripe also refuses.
"""

from __future__ import annotations

import re
from typing import Any

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


class FormError(ValueError):
    """A field name Stripe cannot read; `param` names it."""

    def __init__(self, message: str, param: str):
        super().__init__(message)
        self.param = param


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for name, value in pairs:
        match = _KEY.match(name)
        if match is None:
            raise FormError(f"Invalid parameter name: {name}", name)
        path = [match.group(1)] + re.findall(r"\[([^\[\]]*)\]", match.group(2))
        node = root
        for depth, key in enumerate(path):
            key = key if key != "" else str(len(node))
            if depth == len(path) - 1:
                if isinstance(node.get(key), dict):
                    raise FormError(f"Invalid value for {name}: it is also an object", name)
                node[key] = value
            else:
                child = node.setdefault(key, {})
                if not isinstance(child, dict):
                    raise FormError(f"Invalid object: {name} nests inside a plain value", name)
                node = child
    return {key: _lists(value) for key, value in root.items()}


def _lists(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    inner = {key: _lists(item) for key, item in value.items()}
    if inner and all(key.isdigit() for key in inner):
        return [inner[key] for key in sorted(inner, key=int)]
    return inner
