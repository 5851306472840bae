"""Drive's partial responses: the ``fields`` parameter (``files(id,name),nextPageToken`` or ``*``)."""

from __future__ import annotations

from typing import Any

Selection = dict[str, "Selection | None"]  # None: the whole value


def parse_fields(text: str) -> Selection | None:
    """A selection tree; None selects everything (``*`` or no parameter handled by the caller)."""
    text = text.replace(" ", "")
    if text in ("", "*"):
        return None
    selection, position = _parse(text, 0)
    if position != len(text):
        raise ValueError(text)
    return selection


def _parse(text: str, position: int) -> tuple[Selection, int]:
    out: Selection = {}
    while position < len(text) and text[position] != ")":
        end = position
        while end < len(text) and text[end] not in ",()":
            end += 1
        path = text[position:end]
        if not path:
            raise ValueError(text)
        sub: Selection | None = None
        if end < len(text) and text[end] == "(":
            sub, end = _parse(text, end + 1)
            if end >= len(text) or text[end] != ")":
                raise ValueError(text)
            end += 1
        node = out
        *parents, leaf = path.split("/")
        for part in parents:
            node = node.setdefault(part, {}) or {}
        node[leaf] = None if sub is None or "*" in sub else sub
        position = end + 1 if end < len(text) and text[end] == "," else end
    return out, position


def select(value: Any, selection: Selection | None) -> Any:
    if selection is None:
        return value
    if isinstance(value, list):
        return [select(v, selection) for v in value]
    if not isinstance(value, dict):
        return value
    return {k: select(value[k], sub) for k, sub in selection.items() if k in value}
