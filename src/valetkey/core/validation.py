"""Validated text and number types for ids, names, user ids, slugs and query parameters.

Every value a client names a thing with crosses the edge through one of these
types, so the database never sees what it cannot store: PostgreSQL rejects
NUL bytes in text, no database (and no UTF-8 encoder) takes a lone surrogate
such as ``"\\ud800"``, and columns are bounded (user ids are 255 characters).
A bad value is a 400 error object naming the field, on both databases.

Use the `Annotated` types in request models and query parameters, and
`check_text` for bodies parsed by hand (sessions). `Limit`, `PageNo` and
`EpochMs` bound numbers: finite, in range.

Request bodies derive from `RequestBody` (unknown fields are a 400) and mark
the wire fields this server does not honour with `Unsupported`, so nothing a
client sends is accepted and silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from valetkey.core.errors import ValidationError

USER_ID_MAX = 255
ID_MAX = 128
NAME_MAX = 255
SLUG_MAX = 200
QUERY_TEXT_MAX = 2048
# Milliseconds since the epoch up to the last moment of year 9999, which every datetime can hold.
EPOCH_MS_MAX = 253_402_300_799_999

_SLUG = re.compile(r"^[A-Za-z0-9_]+$")


def text_problem(value: str, max_length: int) -> str | None:
    """Why `value` cannot be stored as text, or None when it can."""
    if len(value) > max_length:
        return f"is longer than {max_length} characters"
    for char in value:
        if char == "\x00":
            return "contains a NUL byte"
        if "\ud800" <= char <= "\udfff":
            return "contains a lone surrogate (not valid Unicode text)"
        if char < " " or "\x7f" <= char <= "\x9f":
            return "contains a control character"
    return None


def check_text(value: Any, field: str, *, max_length: int = NAME_MAX, required: bool = True) -> str:
    """`value` as clean text, or a 400 naming `field` (for bodies parsed without pydantic)."""
    if not isinstance(value, str) or (required and not value):
        raise ValidationError(
            f"{field} must be a non-empty string",
            suggested_fix=f"Pass {field} as a string of 1 to {max_length} characters.",
        )
    problem = text_problem(value, max_length)
    if problem:
        raise ValidationError(
            f"{field} {problem}",
            suggested_fix=f"Pass {field} as printable text of at most {max_length} characters.",
        )
    return value


def _text(max_length: int) -> AfterValidator:
    def validate(value: str) -> str:
        problem = text_problem(value, max_length)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(validate)


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError("must contain only letters, digits and underscores")
    return value


UserId = Annotated[str, Field(min_length=1, max_length=USER_ID_MAX), _text(USER_ID_MAX)]
"""An end user's id as the caller chose it: 1 to 255 printable characters."""

ResourceId = Annotated[str, Field(min_length=1, max_length=ID_MAX), _text(ID_MAX)]
"""An id Valetkey made (``ca_...``, ``ac_...``, ``trs_...``) or an opaque key."""

Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX), _text(NAME_MAX)]
"""A display name or alias."""

Slug = Annotated[str, Field(min_length=1, max_length=SLUG_MAX), AfterValidator(_slug)]
"""A toolkit or tool slug: letters, digits and underscores (``github``, ``GITHUB_CREATE_ISSUE``)."""

QueryText = Annotated[str, Field(max_length=QUERY_TEXT_MAX), _text(QUERY_TEXT_MAX)]
"""Free text in a query parameter or filter (search words, comma-separated lists)."""

EpochMs = Annotated[float, Field(ge=0, le=EPOCH_MS_MAX, allow_inf_nan=False)]
"""A point in time in milliseconds since the epoch, finite and within datetime's range."""


def limit_query(default: float | None = None, *, maximum: int, description: str | None = None) -> Any:
    """A page size query parameter: finite and at least 1 (NaN, inf, 0, -1 and 1e400 are 400s).

    A size above `maximum` is not an error: the route serves `maximum` items
    (`clamp_limit`), as Composio does, so a client asking for "everything"
    (the TypeScript SDK sends limit=9999) gets the largest page instead of a 400.
    """
    return Query(
        default,
        ge=1,
        allow_inf_nan=False,
        description=description or f"Items per page; more than {maximum} is served as {maximum}.",
        json_schema_extra={"maximum": maximum},  # documented, not enforced
    )


def clamp_limit(value: float | None, *, maximum: int, default: int) -> int:
    """The page size to serve: `default` when none was asked, at most `maximum`."""
    if value is None:
        return default
    return max(1, min(int(value), maximum))


def page_no_query(default: float | None = None) -> Any:
    """A 1-based page number query parameter: finite, from 1 to a million."""
    return Query(default, ge=1, le=1_000_000, allow_inf_nan=False)


# -- request bodies: no field accepted and ignored -------------------------------------------------

UNSUPPORTED = "unsupported_field"
"""The pydantic error type of a field this server does not honour (`valetkey.api.errors` words it)."""


def is_unused(value: Any) -> bool:
    """Whether `value` means "not used": None, False, an empty string or container, or one of only those."""
    if value is None or value is False or value == "":
        return True
    if isinstance(value, BaseModel):
        return is_unused(value.model_dump())
    if isinstance(value, dict):
        return all(is_unused(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return not value
    return False


@dataclass(frozen=True)
class Unsupported:
    """Marks a request field the wire format has but this server does not honour.

    ``Annotated[dict[str, Any] | None, Unsupported("...")] = None``: the field is
    declared (so the body model can forbid unknown fields), a value that means
    "not used" (see `is_unused`, plus any of `unused`) passes, and anything else
    is a 400 naming the field. `reason` says what the field would have done.
    """

    reason: str
    unused: tuple[Any, ...] = ()

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["description"] = f"Not supported by this server ({self.reason}); omit it or send it empty."
        return out

    def _check(self, value: Any) -> Any:
        if is_unused(value) or any(value == allowed for allowed in self.unused):
            return value
        raise PydanticCustomError(UNSUPPORTED, "{reason}", {"reason": self.reason})


class RequestBody(BaseModel):
    """Base of every JSON request body: a field the model does not declare is a 400, never dropped."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def unsupported_field(field: str, reason: str, *, suggested_fix: str | None = None) -> ValidationError:
    """The 400 for a field the server does not honour, when the check needs more than the body (a scheme)."""
    return ValidationError(
        f"`{field}` is not supported by this server: {reason}",
        suggested_fix=suggested_fix or f"Omit `{field}`.",
        extra={"errors": [{"field": field, "in": "body", "message": f"not supported: {reason}"}]},
    )
