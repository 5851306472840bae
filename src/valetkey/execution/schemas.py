"""Request bodies of the execution endpoints, as the Composio v3 API defines them.

Field names and shapes follow `composio_client.types.tool_execute_params` and
`tool_proxy_params`. Unknown fields are ignored, as the hosted API does, so a
newer SDK sending a new optional field keeps working.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.requests import Request

from valetkey.core.validation import QueryText, ResourceId, Slug, UserId
from valetkey.net.headers import is_forwardable

M = TypeVar("M", bound=BaseModel)


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _settable_header(name: str) -> None:
    if not is_forwardable(name):
        raise ValueError(
            f"header {name!r} cannot be set by a caller: Host, Content-Length, Proxy-* and hop-by-hop "
            "headers are set by the server from the URL and body"
        )


class AuthParameter(_Body):
    name: str
    value: str | float
    in_: Literal["query", "header"] = Field(alias="in")

    @model_validator(mode="after")
    def _header_allowed(self) -> AuthParameter:
        if self.in_ == "header":
            _settable_header(self.name)
        return self


class CustomAuthParams(_Body):
    base_url: str | None = None
    body: dict[str, Any] | None = None
    parameters: list[AuthParameter] = []


class CustomConnectionData(_Body):
    auth_scheme: str = Field(alias="authScheme")
    toolkit_slug: Slug | None = Field(default=None, alias="toolkitSlug")
    val: dict[str, Any] = {}


class ExecuteBody(_Body):
    arguments: dict[str, Any] | None = None
    connected_account_id: ResourceId | None = None
    user_id: UserId | None = None
    # Deprecated alias of user_id, still sent by older clients.
    entity_id: UserId | None = None
    version: QueryText | None = None
    text: str | None = None
    custom_auth_params: CustomAuthParams | None = None
    custom_connection_data: CustomConnectionData | None = None
    allow_tracing: bool | None = None


class ProxyParameter(_Body):
    name: str
    value: str
    type: Literal["header", "query"]

    @model_validator(mode="after")
    def _header_allowed(self) -> ProxyParameter:
        if self.type == "header":
            _settable_header(self.name)
        return self


class BinaryBody(_Body):
    base64: str | None = None
    url: str | None = None
    content_type: str | None = Field(
        default=None, validation_alias=AliasChoices("content_type", "contentType")
    )


class ProxyBody(_Body):
    endpoint: str = Field(min_length=1)
    method: Literal["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
    body: Any = None
    binary_body: BinaryBody | None = None
    connected_account_id: ResourceId | None = None
    user_id: UserId | None = None
    parameters: list[ProxyParameter] = []
    custom_connection_data: CustomConnectionData | None = None


async def parse_body(request: Request, model: type[M]) -> M:
    """The JSON body as `model`; errors surface exactly as FastAPI's own body validation does."""
    raw = await request.body()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        errors = [
            {**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_context=False)
        ]
        raise RequestValidationError(errors) from None


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema with its `$defs` inlined, for an OpenAPI requestBody."""
    schema = model.model_json_schema(by_alias=True)
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    inlined: dict[str, Any] = resolve(schema)  # a dict resolves to a dict
    return inlined
