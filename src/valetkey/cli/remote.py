"""Calling the logged-in server's REST API (the v3.1 API the SDK uses), with errors a person can act on."""

from __future__ import annotations

from typing import Any

import httpx

from valetkey.cli import config
from valetkey.cli.errors import CliError

API = "/api/v3.1"
TIMEOUT = 60.0


def server_error(response: httpx.Response) -> CliError:
    """The server's error object as a `CliError`: its message, and its `suggested_fix` as the fix."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    if not isinstance(error, dict):
        error = {}
    message = str(error.get("message") or f"HTTP {response.status_code} from {response.request.url}")
    fix = error.get("suggested_fix")
    if response.status_code == 401 and not fix:
        fix = "run `valetkey login` with a current project API key"
    request_id = error.get("request_id") or response.headers.get("x-request-id")
    suffix = (
        f" ({response.status_code}, request {request_id})" if request_id else f" ({response.status_code})"
    )
    return CliError(message + suffix, str(fix) if fix else None)


class Remote:
    """One login's HTTP client: `get`/`post` return the decoded JSON, or raise `CliError`."""

    def __init__(self, login: config.Login, *, transport: httpx.BaseTransport | None = None):
        self.login = login
        self.client = httpx.Client(
            base_url=login.url.rstrip("/") + API,
            headers={"x-api-key": login.api_key, "user-agent": "valetkey-cli"},
            timeout=TIMEOUT,
            transport=transport,
        )

    def __enter__(self) -> Remote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise CliError(
                f"cannot reach {self.login.url}: {exc}",
                "start the server (`valetkey serve`) or log in to the right URL with `valetkey login --url URL`",
            ) from None
        if response.status_code >= 400:
            raise server_error(response)
        try:
            return response.json()
        except ValueError:
            raise CliError(
                f"{self.login.url} answered {path} with something other than JSON",
                "check that the URL is a Valetkey server (`valetkey whoami`)",
            ) from None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, json=body)

    def pages(self, path: str, *, limit: int | None = None, **params: Any) -> list[dict[str, Any]]:
        """Every item of a cursor-paged listing (`items`, `next_cursor`), or the first `limit`."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.get(path, cursor=cursor, **params)
            items.extend(page.get("items") or [])
            cursor = page.get("next_cursor")
            if not cursor or (limit is not None and len(items) >= limit):
                return items[:limit] if limit is not None else items


def connect() -> Remote:
    return Remote(config.load())
