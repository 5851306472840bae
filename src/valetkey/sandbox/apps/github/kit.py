"""How every GitHub emulator route behaves: authentication, rate limits, errors, access rules.

`GitHub.route(method, path, handler)` wraps a plain handler ``(call) ->
Response`` with what api.github.com does around every request: a bad token
is 401 ``Bad credentials``; each answer carries ``X-RateLimit-*`` (core and
search budgets apart) and ``X-OAuth-Scopes``; a private repository you cannot
see is 404, like one that does not exist; errors are ``{"message",
"documentation_url", "status"}``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.emulator import StateStore
from valetkey.sandbox.emulator_http import (
    Page,
    RateLimiter,
    json_response,
    mount_root,
    paginate,
    read_json_body,
    request_token,
)
from valetkey.sandbox.oauth2 import OAuth2Provider

from .state import GitHubState, Repo

DOCS = "https://docs.github.com/rest"
MEDIA_TYPE = "application/json; charset=utf-8"


class GitHubError(Exception):
    """An answer GitHub gives instead of a result; the handler raises it, the route renders it."""

    def __init__(self, status: int, message: str, errors: list[dict] | None = None, docs: str = DOCS):
        super().__init__(message)
        self.status, self.message, self.errors, self.docs = status, message, errors, docs

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(documentation_url=self.docs, status=str(self.status))
        return body


def not_found() -> GitHubError:
    return GitHubError(404, "Not Found")


def invalid(
    resource: str, field_name: str, code: str = "missing_field", message: str | None = None
) -> GitHubError:
    """422 Validation Failed naming the field, the shape GitHub uses for bad input."""
    error = {"resource": resource, "code": code, "field": field_name}
    if message:
        error["message"] = message
    return GitHubError(422, "Validation Failed", [error])


@dataclass
class Call:
    """One request as a handler sees it: who asks, with what, against which state."""

    request: Request
    state: GitHubState
    login: str | None
    scopes: tuple[str, ...]
    body: dict[str, Any]
    api: str
    headers: dict[str, str] = field(default_factory=dict)
    #: Hook events this request causes, sent once it succeeds: (repository, event name, payload).
    events: list[tuple[Repo, str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, repo: Repo, event: str, payload: dict[str, Any]) -> None:
        """Queue a webhook event (``issues``, ``push``...); `repository` and `sender` are added when sent."""
        self.events.append((repo, event, payload))

    @property
    def params(self) -> dict[str, str]:
        return self.request.path_params

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def require_login(self) -> str:
        if self.login is None:
            raise GitHubError(401, "Requires authentication")
        return self.login

    def can_see(self, repo: Repo) -> bool:
        return not repo.private or (self.login == repo.owner and "repo" in self.scopes)

    def readable_repo(self) -> Repo:
        """The repository of the path, or 404 when it is missing *or* private to someone else."""
        repo = self.state.repo(self.params["owner"], self.params["repo"])
        if repo is None or not self.can_see(repo):
            raise not_found()
        return repo

    def writable_repo(self, *, any_user: bool = False) -> Repo:
        """The repository if the caller may change it: the owner (or anyone, for issues) with a repo scope."""
        login = self.require_login()
        repo = self.readable_repo()
        scoped = "repo" in self.scopes or ("public_repo" in self.scopes and not repo.private)
        if not scoped or not (any_user or login == repo.owner):
            raise not_found()
        return repo

    def page(self, items: list[Any]) -> Page:
        page = paginate(self.request, items)
        self.headers.update(page.headers())
        return page

    def reply(self, body: Any, status: int = 200) -> Response:
        return json_response(body, status, self.headers, media_type=MEDIA_TYPE)

    @overload
    def text(self, name: str, *, required: Literal[True], resource: str = "Issue") -> str: ...
    @overload
    def text(self, name: str, *, required: bool = False, resource: str = "Issue") -> str | None: ...
    def text(self, name: str, *, required: bool = False, resource: str = "Issue") -> str | None:
        """The string field `name` of the body; None when absent, 422 when not a string or required."""
        value = self.body.get(name)
        if value is None:
            if required:
                raise invalid(resource, name)
            return None
        if not isinstance(value, str):
            raise GitHubError(422, f"Invalid request.\n\nFor 'properties/{name}', {value!r} is not a string.")
        return value


Handler = Callable[[Call], Response]
#: Sends a request's hook events (`hooks.HookSender.emit`).
Emitter = Callable[[Call, Repo, str, dict[str, Any]], None]


@dataclass
class GitHub:
    """The emulator's shared parts; `route` makes a Starlette route GitHub-shaped."""

    store: StateStore[GitHubState]
    oauth2: OAuth2Provider
    core: RateLimiter = field(default_factory=lambda: RateLimiter(5000, 3600, resource="core"))
    search: RateLimiter = field(default_factory=lambda: RateLimiter(30, 60, resource="search"))
    emitter: Emitter | None = None

    def route(self, method: str, path: str, handler: Handler, *, search: bool = False) -> Route:
        async def endpoint(request: Request) -> Response:
            return await self._handle(request, handler, search)

        return Route(path, endpoint, methods=[method])

    async def _handle(self, request: Request, handler: Handler, search: bool) -> Response:
        headers = {
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Request-Id": secrets.token_hex(8).upper(),
        }
        token = request_token(request, ("bearer", "token"))
        grant = self.oauth2.validate_access_token(token) if token else None
        if request.headers.get("authorization") and grant is None:
            return self._error(GitHubError(401, "Bad credentials"), headers)
        limiter = self.search if search else self.core
        allowed, limits = limiter.check(
            grant.subject if grant else f"ip:{request.client.host if request.client else ''}"
        )
        headers.update(limits)
        if grant is not None:
            headers["X-OAuth-Scopes"] = ", ".join(grant.scopes)
        if not allowed:
            who = grant.subject if grant else "your IP"
            return self._error(GitHubError(403, f"API rate limit exceeded for {who}."), headers)
        body, ok = await read_json_body(request)
        if not ok or (body is not None and not isinstance(body, dict)):
            return self._error(GitHubError(400, "Problems parsing JSON"), headers)
        with self.store.transaction() as state:
            login = state.ensure_user(grant.subject).login if grant else None
            call = Call(
                request, state, login, grant.scopes if grant else (), body or {}, mount_root(request), headers
            )
            try:
                response = handler(call)
            except GitHubError as error:
                return self._error(error, call.headers)
            if self.emitter is not None and response.status_code < 400:
                for repo, event, payload in call.events:
                    self.emitter(call, repo, event, payload)
            return response

    @staticmethod
    def _error(error: GitHubError, headers: dict[str, str]) -> Response:
        return json_response(error.body(), error.status, headers, media_type=MEDIA_TYPE)
