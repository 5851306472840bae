"""Request bodies of the execution endpoints, as the Composio v3 API defines them.

Field names and shapes follow `composio_client.types.tool_execute_params` and
`tool_proxy_params`. Every field the SDK can send is declared; one this server
does not honour is marked `Unsupported`, and an unknown field is a 400 naming
it: nothing is accepted and silently ignored. `arguments`, `custom_auth_params.body`
and `custom_connection_data.val` are free-form by the API's design (checked
against the tool's schema and the toolkit's auth scheme downstream).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import AliasChoices, BaseModel, Field, ValidationError, model_validator
from starlette.requests import Request

from valetkey.core.validation import Name, QueryText, RequestBody, ResourceId, Slug, Unsupported, UserId
from valetkey.net.headers import is_forwardable

M = TypeVar("M", bound=BaseModel)


def _settable_header(name: str) -> None:
    if not is_forwardable(name):
        raise ValueError(
            f"header {name!r} cannot be set by a caller: Host, Content-Length, Proxy-* and hop-by-hop "
            "headers are set by the server from the URL and body"
        )


class AuthParameter(RequestBody):
    name: str
    value: str | float
    in_: Literal["query", "header"] = Field(alias="in")

    @model_validator(mode="after")
    def _header_allowed(self) -> AuthParameter:
        if self.in_ == "header":
            _settable_header(self.name)
        return self


class CustomAuthParams(RequestBody):
    base_url: str | None = None
    body: Annotated[
        dict[str, Any] | None,
        Unsupported("request-body credentials; pass them as parameters or use custom_connection_data"),
    ] = None
    parameters: list[AuthParameter] = Field(default_factory=list)


class CustomConnectionData(RequestBody):
    auth_scheme: str = Field(alias="authScheme")
    toolkit_slug: Slug | None = Field(default=None, alias="toolkitSlug")
    val: dict[str, Any] = Field(default_factory=dict)


def _one_credential_source(
    connected_account_id: str | None,
    custom_connection_data: CustomConnectionData | None,
    custom_auth_params: CustomAuthParams | None = None,
    connection_name: str | None = None,
) -> None:
    """Credentials come from one place; the others would be silently passed over."""
    named = [
        name
        for name, value in (
            ("connected_account_id", connected_account_id),
            ("connection_name", connection_name),
            ("custom_connection_data", custom_connection_data),
            ("custom_auth_params", custom_auth_params),
        )
        if value is not None
    ]
    if len(named) > 1:
        raise ValueError(f"{' and '.join(named)} each name the call's credentials; send one of them")


class ExecuteBody(RequestBody):
    arguments: dict[str, Any] | None = None
    connected_account_id: ResourceId | None = None
    user_id: UserId | None = None
    # Deprecated alias of user_id, still sent by older clients.
    entity_id: UserId | None = None
    version: QueryText | None = None
    text: Annotated[
        str | None, Unsupported("executing a tool from natural-language text; pass `arguments`")
    ] = None
    custom_auth_params: CustomAuthParams | None = None
    custom_connection_data: CustomConnectionData | None = None
    allow_tracing: Annotated[bool | None, Unsupported("execution tracing")] = None
    # Scalekit's stateless spelling: `identifier` is the user id, `connection_name` an auth config's
    # name (unique within a project); the user's ACTIVE account on that auth config is used.
    identifier: UserId | None = None
    connection_name: Name | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ExecuteBody:
        given = {v for v in (self.user_id, self.entity_id, self.identifier) if v}
        if len(given) > 1:
            raise ValueError("user_id, entity_id and identifier name the same user and disagree; send one")
        _one_credential_source(
            self.connected_account_id,
            self.custom_connection_data,
            self.custom_auth_params,
            self.connection_name,
        )
        return self


class ProxyParameter(RequestBody):
    name: str
    value: str
    type: Literal["header", "query"]

    @model_validator(mode="after")
    def _header_allowed(self) -> ProxyParameter:
        if self.type == "header":
            _settable_header(self.name)
        return self


class BinaryBody(RequestBody):
    base64: str | None = None
    url: Annotated[
        str | None, Unsupported("fetching a URL on the caller's behalf; send the bytes as base64")
    ] = None
    content_type: str | None = Field(
        default=None, validation_alias=AliasChoices("content_type", "contentType")
    )


class ProxyBody(RequestBody):
    endpoint: str = Field(min_length=1)
    method: Literal["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
    body: Any = None
    binary_body: BinaryBody | None = None
    connected_account_id: ResourceId | None = None
    user_id: UserId | None = None
    parameters: list[ProxyParameter] = Field(default_factory=list)
    custom_connection_data: CustomConnectionData | None = None
    # Scalekit's `actions.request`: the user (`identifier`) and the connection (an auth config's name).
    identifier: UserId | None = None
    connection_name: Name | None = None

    @model_validator(mode="after")
    def _one_body(self) -> ProxyBody:
        if self.user_id and self.identifier and self.user_id != self.identifier:
            raise ValueError("user_id and identifier name the same user and disagree; send one")
        if self.connection_name and not (self.user_id or self.identifier):
            raise ValueError("connection_name needs identifier (the user whose connection it is)")
        _one_credential_source(
            self.connected_account_id, self.custom_connection_data, None, self.connection_name
        )
        sends_body = self.body is not None or self.binary_body is not None
        if sends_body and self.method in ("GET", "HEAD"):
            raise ValueError(f"a {self.method} request carries no body; drop body and binary_body")
        if self.body is not None and self.binary_body is not None:
            raise ValueError("send body or binary_body, not both")
        if self.binary_body is not None and self.binary_body.base64 is None:
            raise ValueError("binary_body needs base64 (the bytes to send)")
        return self


async def parse_body(request: Request, model: type[M]) -> M:
    """The JSON body as `model`; errors surface exactly as FastAPI's own body validation does."""
    raw = await request.body()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        raise _as_request_error(exc) from None


def body_from(model: type[M], data: dict[str, Any]) -> M:
    """`model` built from `data` a route assembled from its own body: errors as body validation errors."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _as_request_error(exc) from None


def _as_request_error(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_context=False)]
    )


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
