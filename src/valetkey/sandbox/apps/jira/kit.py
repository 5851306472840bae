"""How every Jira emulator route behaves: authentication, errors, offset pagination.

Jira Cloud takes OAuth 2.0 (3LO) bearer tokens and Basic auth with an
account's email and an API token; a missing or bad credential is 401 with
Jira's ``{"errorMessages": [...], "errors": {}}`` body (the shape of every
Jira error), and a scope the token lacks is 401 too, as Jira answers it.
Lists page with ``startAt``/``maxResults`` and answer ``total`` (and
``isLast`` for the newer paginated resources).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.emulator_http import json_response, mount_root, read_json_body
from valetkey.sandbox.oauth2 import OAuth2Provider

from .state import JiraState, User

API = "/rest/api/3"
NOT_AUTHENTICATED = "You are not authenticated. Authentication required to perform this operation."
READ, WRITE, USER = "read:jira-work", "write:jira-work", "read:jira-user"


class JiraError(Exception):
    """An answer Jira gives instead of a result: ``{"errorMessages": [...], "errors": {field: message}}``."""

    def __init__(self, status: int, *messages: str, errors: dict[str, str] | None = None):
        super().__init__("; ".join(messages) or str(errors))
        self.status, self.messages, self.errors = status, list(messages), dict(errors or {})

    def body(self) -> dict[str, Any]:
        return {"errorMessages": self.messages, "errors": self.errors}


def field_error(name: str, message: str) -> JiraError:
    return JiraError(400, errors={name: message})


@dataclass
class Call:
    request: Request
    state: JiraState
    me: User
    body: Any
    api: str  # absolute URL of /rest/api/3, for `self` links

    @property
    def params(self) -> dict[str, str]:
        return self.request.path_params

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def query_list(self, name: str) -> list[str]:
        """A multi-valued, comma-separated query parameter (``fields=a,b&fields=c``)."""
        return [
            v.strip() for raw in self.request.query_params.getlist(name) for v in raw.split(",") if v.strip()
        ]

    def integer(self, name: str, default: int) -> int:
        raw = self.query(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise JiraError(400, f"The '{name}' parameter must be an integer; got '{raw}'.") from None

    def window(
        self, default_max: int = 50, cap: int = 100, source: dict[str, Any] | None = None
    ) -> tuple[int, int]:
        """(startAt, maxResults) from the query (or a POST body), bounded as Jira bounds them."""
        if source is not None:
            start, size = source.get("startAt", 0), source.get("maxResults", default_max)
            if not isinstance(start, int) or not isinstance(size, int):
                raise JiraError(400, "startAt and maxResults must be integers.")
        else:
            start, size = self.integer("startAt", 0), self.integer("maxResults", default_max)
        if start < 0:
            raise JiraError(400, "The 'startAt' parameter must be 0 or more.")
        return start, max(0, min(size, cap))

    def body_object(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise JiraError(400, "The request body must be a JSON object.")
        return self.body


def paged(items: Sequence[Any], start: int, size: int, key: str, **extra: Any) -> dict[str, Any]:
    """The classic page: ``{"startAt", "maxResults", "total", <key>: [...]}``."""
    return {
        "startAt": start,
        "maxResults": size,
        "total": len(items),
        key: list(items[start : start + size]),
        **extra,
    }


def page_bean(call: Call, items: Sequence[Any], start: int, size: int) -> dict[str, Any]:
    """The newer PageBean: ``values``, ``isLast`` and a ``nextPage`` link when there is more."""
    chunk = list(items[start : start + size])
    last = start + len(chunk) >= len(items)
    out: dict[str, Any] = {
        "self": str(call.request.url),
        "maxResults": size,
        "startAt": start,
        "total": len(items),
        "isLast": last,
        "values": chunk,
    }
    if not last:
        out["nextPage"] = str(call.request.url.include_query_params(startAt=start + size, maxResults=size))
    return out


Handler = Callable[[Call], Response]


class Jira:
    """Shared services of the app's routes: the state, the token provider."""

    def __init__(self, store: StateStore[JiraState], provider: OAuth2Provider):
        self.store, self.provider = store, provider

    def _authenticate(self, request: Request, state: JiraState) -> tuple[User, tuple[str, ...]] | None:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        credential = credential.strip()
        if scheme.lower() == "bearer":
            grant = self.provider.validate_access_token(credential)
            user = state.user(grant.subject) if grant else None
            return (user, grant.scopes) if grant and user else None
        if scheme.lower() == "basic":  # email:api_token
            try:
                email, _, token = base64.b64decode(credential, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            grant = self.provider.validate_access_token(token)
            user = state.user(grant.subject) if grant else None
            if grant is None or user is None or user.email.lower() != email.lower():
                return None
            return user, grant.scopes
        return None

    def route(self, method: str, path: str, handler: Handler, scope: str | None = READ) -> Route:
        async def endpoint(request: Request) -> Response:
            body, ok = await read_json_body(request)
            if not ok:
                return json_response(JiraError(400, "Unexpected character in the JSON body.").body(), 400)
            with self.store.transaction() as state:
                who = self._authenticate(request, state)
                if who is None:
                    return json_response({"errorMessages": [NOT_AUTHENTICATED], "errors": {}}, 401)
                user, scopes = who
                if scope and scope not in scopes:
                    return json_response({"code": 401, "message": "Unauthorized; scope does not match"}, 401)
                call = Call(request, state, user, body, mount_root(request) + API)
                try:
                    result = handler(call)
                except JiraError as exc:
                    return json_response(exc.body(), exc.status)
                return result

        return Route(API + path, endpoint, methods=[method])
