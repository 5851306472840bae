"""The generic emulator: any imported toolkit, served from the description its tools came from.

Each toolkit folder with an `import.yaml` (docs/importing.md) carries the
subset of its published description (`api.json`, OpenAPI 3). This emulator
serves that description under ``/<slug>`` + the path of the toolkit's
`base_url`, as the sandbox convention says, and for every request:

1. finds the operation by method and path (literal segments win over
   placeholders); an unknown path or method is a 404 / 405;
2. checks the credential where the operation's security requirement puts it
   (`Authorization: Bearer` for OAuth 2 and bearer schemes, the header or
   query parameter of an API key scheme, HTTP Basic): the value must be a
   token this emulator's provider issued (the OAuth flow, or
   `SandboxApp.issue_token` standing in for a pasted key); otherwise 401;
3. validates the parameters (required ones present, no undeclared query
   parameter, values of the declared types) and the body (a declared media
   type, valid against the schema); any problem is a 400;
4. answers the first 2xx response: the description's example when it has one
   that is valid against the response schema, else an instance built from
   the schema (valid by construction, checked before it is sent).

Errors have one documented shape::

    {"error": {"status": 400, "code": "invalid_request", "message": "...", "problems": ["..."]}}

with codes ``invalid_request`` (400), ``unauthorized`` (401), ``not_found``
(404) and ``method_not_allowed`` (405). Nothing is stored: the emulator
checks requests and answers shapes, it does not keep state between calls
(gold toolkits have stateful emulators; silver ones this).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import jsonschema
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from valetkey.catalog.apispec.openapi import json_schema, lookup
from valetkey.catalog.apispec.openapi import resolve as _full_resolve
from valetkey.sandbox.emulator import SandboxApp, StateStore
from valetkey.sandbox.emulator_http import json_response
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_routes import OAuth2Paths, oauth2_routes
from valetkey.sandbox.oauth2_types import OAuth2Config

METHODS = ("get", "put", "post", "delete", "patch", "head")
MAX_DEPTH = 5


MAX_REFS = 10
# `$ref`s an answer built from a schema follows along one branch before it builds only what is required.
MAX_ANSWER_REFS = 12


def resolve(document: dict[str, Any], node: Any) -> Any:
    """A node with its `$ref`s expanded, at most MAX_REFS deep (for small nodes: parameters, security schemes)."""
    return _full_resolve(document, node, max_refs=MAX_REFS)


def deref(document: dict[str, Any], node: Any) -> Any:
    """`node` with the `$ref` at its top followed (siblings kept), not the ones inside: schemas stay small."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#/"):
            return {}
        seen.add(ref)
        try:
            target = lookup(document, ref)
        except (KeyError, IndexError, ValueError):
            return {}
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **siblings} if isinstance(target, dict) and siblings else target
    return node


def _shallow(document: dict[str, Any], node: Any) -> dict[str, Any]:
    """An operation object with its parameters, request body and responses dereferenced one level each."""
    node = deref(document, node)
    if not isinstance(node, dict):
        return {}
    out = dict(node)
    if isinstance(node.get("parameters"), list):
        out["parameters"] = [deref(document, p) for p in node["parameters"]]
    if "requestBody" in node:
        out["requestBody"] = deref(document, node["requestBody"])
    if isinstance(node.get("responses"), dict):
        out["responses"] = {c: deref(document, r) for c, r in node["responses"].items()}
    return out


def error(status: int, code: str, message: str, problems: list[str] | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if problems:
        body["problems"] = problems
    return json_response({"error": body}, status)


@dataclass
class Operation:
    """One operation of the description, resolved on first use."""

    document: dict[str, Any]
    method: str
    path: str
    raw: dict[str, Any]
    shared: list[Any]
    openapi_30: bool
    regex: re.Pattern[str] = field(init=False)
    names: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.names = re.findall(r"\{([^}]+)\}", self.path)
        pattern = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(self.path.rstrip("/") or "/"))
        self.regex = re.compile(f"^{pattern}/?$")

    @property
    def literal_segments(self) -> int:
        return sum(not s.startswith("{") for s in self.path.strip("/").split("/"))

    @cached_property
    def resolved(self) -> dict[str, Any]:
        """The operation with its parameters, body and responses dereferenced; schemas keep their `$ref`s
        (expanding them all grows exponentially on descriptions that share a lot, like Microsoft Graph's)."""
        return _shallow(self.document, self.raw)

    @cached_property
    def params(self) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        shared = [deref(self.document, p) for p in self.shared]
        for raw in [*shared, *(self.resolved.get("parameters") or [])]:
            if isinstance(raw, dict) and raw.get("name") and raw.get("in"):
                raw = dict(raw)
                # Parameter schemas are small: expanded, so their kind is known for coercion.
                raw["schema"] = self.schema(resolve(self.document, raw.get("schema") or {}))
                found[(raw["name"] if raw["in"] != "header" else raw["name"].lower(), raw["in"])] = raw
        return found

    def schema(self, schema: Any) -> dict[str, Any]:
        converted = json_schema(deref(self.document, schema), openapi_30=self.openapi_30)
        return converted if isinstance(converted, dict) else {}

    @cached_property
    def bodies(self) -> dict[str, dict[str, Any]]:
        """Request body schemas by media type (lower case, without parameters)."""
        content = (self.resolved.get("requestBody") or {}).get("content") or {}
        return {
            m.split(";")[0].strip().lower(): self.schema(c.get("schema") or {}) for m, c in content.items()
        }

    @cached_property
    def answer_parts(self) -> tuple[int, str | None, dict[str, Any], list[Any]] | None:
        """(status, JSON media type, schema, examples) of the first 2xx response; None without one."""
        responses = self.resolved.get("responses") or {}
        code = next((c for c in sorted(responses, key=str) if str(c).startswith("2")), None)
        if code is None:
            return None
        content = (responses[code] or {}).get("content") or {}
        media = next((m for m in content if "json" in m), None)
        status = int(code) if str(code).isdigit() else 200
        if media is None:
            return status, None, {}, ([{}] if content else [])
        return status, media, self.schema(content[media].get("schema") or {}), _examples(content[media])

    @cached_property
    def security(self) -> list[dict[str, Any]]:
        return list(self.resolved.get("security", self.document.get("security") or []))


class GenericEmulator:
    """The request checks and answers of one imported toolkit (see the module docstring)."""

    def __init__(
        self,
        document: dict[str, Any],
        base_path: str,
        provider: OAuth2Provider,
        fallback: list[dict[str, Any]] | None = None,
    ):
        self.document = document
        # Credential placements of the toolkit, for operations the description gives no security.
        self.fallback = fallback or []
        self.base_path = base_path.rstrip("/")
        self.provider = provider
        openapi_30 = str(document.get("openapi", "")).startswith("3.0")
        self.operations = [
            Operation(document, method.upper(), path, item[method], item.get("parameters") or [], openapi_30)
            for path, item in (document.get("paths") or {}).items()
            for method in METHODS
            if isinstance(item.get(method), dict)
        ]
        self.schemes = (document.get("components") or {}).get("securitySchemes") or {}
        # The description's schemas as JSON Schema, converted once: every `$ref` of a schema checked or
        # answered here points into this root (``#/components/schemas/...``) and is followed on demand.
        components = dict(document.get("components") or {})
        components["schemas"] = {
            name: json_schema(schema, openapi_30=openapi_30)
            for name, schema in (components.get("schemas") or {}).items()
        }
        self.root: dict[str, Any] = {**document, "components": components}
        self._validators: dict[tuple[int, bool], tuple[dict[str, Any], Any]] = {}
        for op in self.operations:  # index every operation at start: the first call is as fast as the rest
            op.params, op.bodies, op.answer_parts  # noqa: B018

    def errors(self, schema: dict[str, Any], value: Any, *, request: bool = False) -> list[str]:
        """Problems of `value` against `schema`, its `$ref`s into the description followed; in a
        request, a required property the description marks `readOnly` may be left out."""
        if not schema:
            return []
        key = (id(schema), request)
        if key not in self._validators:
            cls = _RequestValidator if request else jsonschema.Draft202012Validator
            self._validators[key] = (schema, cls({**schema, "components": self.root["components"]}))
        return _problems(self._validators[key][1], value)

    def instance(self, schema: Any) -> Any:
        return instance_of(schema, root=self.root)

    def find(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], bool]:
        """(operation, path values, whether the path exists for another method)."""
        if self.base_path and not (path == self.base_path or path.startswith(self.base_path + "/")):
            return None, {}, False
        path = path[len(self.base_path) :] or "/"
        candidates, other_method = [], False
        for op in self.operations:
            match = op.regex.match(path)
            if match is None:
                continue
            if op.method != method:
                other_method = True
                continue
            values = {name: unquote(v) for name, v in zip(op.names, match.groups(), strict=True)}
            candidates.append((op.literal_segments, op, values))
        if not candidates:
            return None, {}, other_method
        _, op, values = max(candidates, key=lambda c: c[0])
        return op, values, False

    async def handle(self, request: Request) -> Response:
        raw_path = (
            (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1").split("?")[0]
        )
        mount = request.scope.get("root_path", "")
        path = raw_path[len(mount) :] if mount and raw_path.startswith(mount) else request.url.path
        op, values, other = self.find(request.method, path)
        if op is None:
            if other:
                return error(405, "method_not_allowed", f"{request.method} is not allowed on {path}")
            return error(404, "not_found", f"no operation at {request.method} {path}")
        query = parse_qsl(urlsplit(str(request.url)).query, keep_blank_values=True)
        if not self.authorized(op, request, query):
            return error(401, "unauthorized", "missing or invalid credentials for this operation")
        raw = await request.body()
        problems = self.check_params(op, values, query, request) + self.check_body(op, request, raw)
        if problems:
            return error(400, "invalid_request", f"the request does not fit {op.method} {op.path}", problems)
        return self.answer(op)

    # -- credentials ----------------------------------------------------------------------------

    def authorized(self, op: Operation, request: Request, query: list[tuple[str, str]]) -> bool:
        if not op.security:
            # The description says nothing (Microsoft Graph): the toolkit's own placements decide.
            return not self.fallback or any(self._placed(p, request, query) for p in self.fallback)
        for requirement in op.security:
            if not requirement:
                return True
            if all(self._satisfied(name, request, query) for name in requirement):
                return True
        return False

    def _satisfied(self, name: str, request: Request, query: list[tuple[str, str]]) -> bool:
        scheme = resolve(self.document, self.schemes.get(name) or {})
        kind = str(scheme.get("type", "")).lower()
        if kind in ("oauth2", "openidconnect") or (
            kind == "http" and scheme.get("scheme", "").lower() == "bearer"
        ):
            kind_, _, token = request.headers.get("authorization", "").partition(" ")
            return kind_.lower() == "bearer" and self.valid(token.strip())
        if kind == "http" and scheme.get("scheme", "").lower() == "basic":
            kind_, _, encoded = request.headers.get("authorization", "").partition(" ")
            if kind_.lower() != "basic":
                return False
            try:
                _, _, password = base64.b64decode(encoded.strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return self.valid(password)
        if kind == "apikey":
            where, key = scheme.get("in"), str(scheme.get("name", ""))
            if where == "header":
                return self.valid(request.headers.get(key, ""))
            if where == "query":
                return self.valid(next((v for k, v in query if k == key), ""))
        return False

    def _placed(self, placement: dict[str, Any], request: Request, query: list[tuple[str, str]]) -> bool:
        where, name = placement.get("in", "header"), str(placement.get("name", "Authorization"))
        value = (
            request.headers.get(name, "")
            if where == "header"
            else next((v for k, v in query if k == name), "")
        )
        if name.lower() == "authorization":
            kind, _, value = value.partition(" ")
            if kind.lower() == "basic":
                try:
                    value = base64.b64decode(value.strip()).decode().partition(":")[2]
                except (ValueError, UnicodeDecodeError):
                    return False
        return self.valid(value.strip())

    def valid(self, token: str) -> bool:
        return bool(token) and self.provider.validate_access_token(token) is not None

    def _credential_params(self) -> set[tuple[str, str]]:
        out = set()
        for scheme in self.schemes.values():
            scheme = resolve(self.document, scheme)
            if str(scheme.get("type", "")).lower() == "apikey":
                name = str(scheme.get("name", ""))
                out.add((name.lower() if scheme.get("in") == "header" else name, scheme.get("in", "")))
        return out

    # -- parameters and body --------------------------------------------------------------------

    def check_params(
        self, op: Operation, values: dict[str, str], query: list[tuple[str, str]], request: Request
    ) -> list[str]:
        problems: list[str] = []
        credentials = self._credential_params()
        sent: dict[str, list[str]] = {}
        for key, value in query:
            sent.setdefault(key, []).append(value)
        for name in sent:
            if (name, "query") not in op.params and (name, "query") not in credentials:
                problems.append(f"query parameter {name!r} is not a parameter of this operation")
        for (name, where), param in op.params.items():
            if where == "path":
                given: list[str] | None = [values[name]] if name in values else None
            elif where == "query":
                given = sent.get(name)
            elif where == "header":
                header = request.headers.get(name)
                given = [header] if header is not None else None
            else:
                continue
            if given is None:
                if param.get("required"):
                    problems.append(f"{where} parameter {name!r} is required")
                continue
            value = _coerce(
                given, param["schema"], explode=param.get("explode", param.get("style", "form") == "form")
            )
            problems += [f"{where} parameter {name!r}: {p}" for p in self.errors(param["schema"], value)]
        return problems

    def check_body(self, op: Operation, request: Request, raw: bytes) -> list[str]:
        body = op.resolved.get("requestBody") or {}
        declared = op.bodies
        if not raw.strip():
            return ["a request body is required"] if body.get("required") and declared else []
        if not declared:
            return ["this operation takes no request body"]
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in declared:
            return [f"content type {media or '(none)'!r} is not one of {sorted(declared)}"]
        schema = declared[media]
        if media == "application/json" or media.endswith("+json"):
            try:
                value: Any = json.loads(raw)
            except ValueError:
                return ["the body is not valid JSON"]
        elif media == "application/x-www-form-urlencoded":
            pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
            value = {}
            properties = deref(self.root, schema).get("properties") or {}
            for key, item in pairs:
                value.setdefault(key, []).append(item)
            value = {
                k: _coerce(v, deref(self.root, properties.get(k)) or {"type": "string"}, explode=True)
                for k, v in value.items()
            }
        else:
            return []
        return [f"body: {p}" for p in self.errors(schema, value, request=True)]

    # -- answers --------------------------------------------------------------------------------

    def answer(self, op: Operation) -> Response:
        parts = op.answer_parts
        if parts is None:
            return json_response({}, 200)
        status, media, schema, examples = parts
        if status == 204:
            return json_response(None, 204)
        if media is None:
            return json_response({}, status) if examples else json_response(None, 204)
        for example in examples:
            if not self.errors(schema, example):
                return json_response(example, status)
        return json_response(self.instance(schema), status)


def _required_unless_read_only(validator: Any, required: Any, instance: Any, schema: dict[str, Any]) -> Any:
    """`required`, except for properties the description marks `readOnly` (a client never sends them)."""
    if not validator.is_type(instance, "object") or not isinstance(required, list):
        return
    properties = schema.get("properties") or {}
    for name in required:
        if name in instance:
            continue
        prop = deref(validator.schema, properties.get(name)) if isinstance(properties, dict) else None
        if isinstance(prop, dict) and prop.get("readOnly") is True:
            continue
        yield jsonschema.ValidationError(f"{name!r} is a required property")


_RequestValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"required": _required_unless_read_only}
)


def _examples(media: dict[str, Any]) -> list[Any]:
    found = []
    if "example" in media:
        found.append(media["example"])
    for example in (media.get("examples") or {}).values():
        if isinstance(example, dict) and "value" in example:
            found.append(example["value"])
    return found


def _errors(schema: dict[str, Any], value: Any, root: dict[str, Any] | None = None) -> list[str]:
    if not schema:
        return []
    full = {**schema, "components": root["components"]} if root and "components" in root else schema
    try:
        validator = jsonschema.Draft202012Validator(full)
    except (jsonschema.SchemaError, TypeError, ValueError):
        return []
    return _problems(validator, value)


def _problems(validator: Any, value: Any) -> list[str]:
    """At most five problems; a schema jsonschema cannot use, or a broken `$ref`, checks nothing."""
    try:
        return [
            f"{'/'.join(str(p) for p in e.absolute_path) or '(value)'}: {e.message}"[:300]
            for e in itertools.islice(validator.iter_errors(value), 5)
        ]
    except (jsonschema.SchemaError, RecursionError, TypeError, ValueError):
        return []
    except Exception as exc:  # referencing's Unresolvable (a $ref to nowhere)
        if type(exc).__module__.startswith(("referencing", "jsonschema")):
            return []
        raise


def _coerce(values: list[str], schema: dict[str, Any], *, explode: bool) -> Any:
    """Query, path, header or form text as the value its schema describes."""
    kind = _kind(schema)
    if kind == "array":
        items = values if explode or len(values) != 1 else values[0].split(",")
        if len(values) == 1 and "," in values[0]:
            items = values[0].split(",")
        return [_scalar(v, schema.get("items") or {}) for v in items]
    return _scalar(values[-1], schema)


def _scalar(text: str, schema: dict[str, Any]) -> Any:
    kind = _kind(schema)
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
        if kind == "boolean":
            return {"true": True, "false": False, "1": True, "0": False}.get(text.lower(), text)
        if kind in ("object", "array"):
            return json.loads(text)
    except ValueError:
        return text
    return text


def _kind(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else None


def instance_of(schema: Any, depth: int = 0, *, root: dict[str, Any] | None = None, refs: int = 0) -> Any:
    """A value valid against `schema` (first branches of combinators, required fields always).

    `$ref`s are followed into `root` (the description); past MAX_ANSWER_REFS
    of them along one branch, only what is required is built.
    """
    if root is not None and isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        if refs >= 3 * MAX_ANSWER_REFS:
            return {}
        schema, refs = deref(root, schema), refs + 1
    if not isinstance(schema, dict) or not schema:
        return {}
    if refs > MAX_ANSWER_REFS:
        depth = max(depth, MAX_DEPTH)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
    if "example" in schema and not _errors(schema, schema["example"], root):
        return schema["example"]
    for key in ("allOf",):
        if schema.get(key):
            merged: dict[str, Any] = {}
            for branch in schema[key]:
                part = instance_of(branch, depth, root=root, refs=refs)
                if isinstance(part, dict):
                    merged.update(part)
            rest = {k: v for k, v in schema.items() if k != key}
            own = instance_of(rest, depth, root=root, refs=refs) if rest.get("properties") else {}
            return {**merged, **own} if isinstance(own, dict) else merged
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            options = [deref(root, b) if root is not None else b for b in schema[key]]
            branches = [b for b in options if isinstance(b, dict) and _kind(b) != "null"]
            if branches:
                rest = {k: v for k, v in schema.items() if k != key}
                return instance_of({**rest, **branches[0]}, depth, root=root, refs=refs + 1)
    kind = _kind(schema) or ("object" if "properties" in schema else "array" if "items" in schema else None)
    if kind == "object":
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        keep = [n for n in properties if n in required or depth < 2]
        return {
            name: instance_of(properties[name], depth + 1, root=root, refs=refs)
            for name in keep
            if depth < MAX_DEPTH or name in required
        }
    if kind == "array":
        count = max(int(schema.get("minItems") or 0), 1 if depth < 3 else 0)
        return [instance_of(schema.get("items") or {}, depth + 1, root=root, refs=refs) for _ in range(count)]
    if kind == "integer":
        return int(schema.get("minimum", 1) if isinstance(schema.get("minimum"), (int, float)) else 1)
    if kind == "number":
        return float(schema.get("minimum", 1.5)) if isinstance(schema.get("minimum"), (int, float)) else 1.5
    if kind == "boolean":
        return True
    if kind == "string":
        fmt = schema.get("format")
        text = {
            "date-time": "2025-01-01T00:00:00Z",
            "date": "2025-01-01",
            "email": "user@example.com",
            "uri": "https://example.com/",
            "url": "https://example.com/",
            "uuid": "00000000-0000-4000-8000-000000000000",
        }.get(str(fmt), "string")
        minimum = int(schema.get("minLength") or 0)
        return text if len(text) >= minimum else text + "x" * (minimum - len(text))
    if kind == "null":
        return None
    return {}


# -- the sandbox app ----------------------------------------------------------------------------


def create_generic_app(folder: Path) -> SandboxApp:
    """The emulator of the imported toolkit in `folder` (its toolkit.yaml and api.json)."""
    toolkit = yaml.safe_load((folder / "toolkit.yaml").read_text(encoding="utf-8"))
    document = json.loads((folder / "api.json").read_text(encoding="utf-8"))
    slug = toolkit["slug"]
    provider = OAuth2Provider(OAuth2Config(default_subject="sandbox-user"))
    base_path = urlsplit(str(toolkit.get("base_url", "")).replace("{", "").replace("}", "")).path
    fallback: list[dict[str, Any]] = []
    for scheme in toolkit.get("auth_schemes") or []:
        mode = scheme.get("mode")
        if mode in ("OAUTH2", "BEARER_TOKEN", "BASIC"):
            fallback += scheme.get("placements") or [{"in": "header", "name": "Authorization"}]
        elif mode == "API_KEY":
            fallback += scheme.get("placements") or []
    emulator = GenericEmulator(document, base_path, provider, fallback)
    routes: list[Any] = []
    oauth = next(
        (s.get("oauth") for s in toolkit.get("auth_schemes") or [] if s.get("mode") == "OAUTH2"), None
    )
    if oauth:
        routes += oauth2_routes(
            provider,
            paths=OAuth2Paths(
                authorize=urlsplit(oauth["authorization_url"]).path,
                token=urlsplit(oauth["token_url"]).path,
                revoke=None,
                userinfo=None,
            ),
        )
    routes.append(
        Route("/{path:path}", emulator.handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"])
    )
    return SandboxApp(slug, routes, StateStore(dict), oauth2=provider)


def imported_apps(root: Path) -> list[SandboxApp]:
    """A generic emulator for every imported toolkit folder under `root`."""
    return [create_generic_app(p.parent) for p in sorted(root.glob("*/import.yaml"))]
