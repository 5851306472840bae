"""The Linear emulator: Linear's GraphQL API (``POST /graphql``) and OAuth endpoints.

Mounted at ``{sandbox}/linear``: ``https://api.linear.app/graphql`` becomes
``{sandbox}/linear/graphql``; OAuth at ``/oauth/authorize`` (linear.app),
``/oauth/token`` and ``/oauth/revoke`` (api.linear.app), comma-separated
scopes, tokens prefixed ``lin_oauth_``. Requests are parsed and validated by
graphql-core against `sdl.SDL` (a hand-written subset of Linear's schema) and
answered the way Linear answers:

- no or bad credentials: 401 ``AUTHENTICATION_ERROR``. A personal API key is
  sent raw (``Authorization: <key>``), an OAuth token as ``Bearer <token>``;
  a token minted with `SandboxApp.issue_token` serves as either;
- unparsable or invalid documents, bad variables: 400 with
  ``GRAPHQL_PARSE_FAILED`` / ``GRAPHQL_VALIDATION_FAILED`` / ``BAD_USER_INPUT``;
- errors inside resolvers (entity not found, missing scope): 200 with
  ``data: null`` and ``errors[].extensions`` (type, code, userPresentableMessage);
- every answer: ``X-RateLimit-Requests-*`` and ``X-Complexity`` headers; over
  budget: 400 ``RATELIMITED``.

Starting state (`state.initial_state`): users ada (admin, default login) and
grace, teams ENG and DES with Linear's default workflow, project "Launch" and issue ENG-1.

Webhooks (`webhooks`): ``webhookCreate`` / ``webhookUpdate`` / ``webhookDelete``
and the ``webhooks`` query; issue create/update and comment create are POSTed,
signed with ``Linear-Signature``, to the webhooks listening to them.
"""

from __future__ import annotations

from graphql import GraphQLError, parse, validate
from graphql.execution import execute_sync
from graphql.language import FieldNode, Visitor, visit
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from valetkey.sandbox.emulator import SandboxApp, StateStore
from valetkey.sandbox.emulator_http import RateLimiter, json_response, read_json_body
from valetkey.sandbox.oauth2 import OAuth2Provider
from valetkey.sandbox.oauth2_routes import OAuth2Paths, oauth2_routes
from valetkey.sandbox.oauth2_types import OAuth2Config
from valetkey.sandbox.webhooks import Deliveries

from .resolvers import build
from .state import initial_state, seed
from .views import Ctx
from .webhooks import TIMEOUT, USER_AGENT, LinearWebhooks

SLUG = "linear"


def error_body(message: str, code: str, kind: str, status: int) -> dict:
    return {
        "errors": [
            {
                "message": message,
                "extensions": {
                    "type": kind,
                    "code": code,
                    "statusCode": status,
                    "userError": status < 500,
                    "userPresentableMessage": message,
                },
            }
        ]
    }


def complexity(document) -> int:
    """A rough cost: one point per selected field, as Linear reports it in ``X-Complexity``."""
    count = 0

    class Counter(Visitor):
        def enter_field(self, node: FieldNode, *_):
            nonlocal count
            count += 1

    visit(document, Counter())
    return count


def create_app() -> SandboxApp:
    provider = OAuth2Provider(
        OAuth2Config(
            scope_separator=",",
            token_type="Bearer",
            access_token_prefix="lin_oauth_",
            access_token_lifetime=86_400.0,
            default_subject="ada",
        )
    )
    store = StateStore(initial_state)
    schema = build()
    deliveries = Deliveries(timeout=TIMEOUT, user_agent=USER_AGENT)
    hooks = LinearWebhooks(deliveries)
    limiter = RateLimiter(1500, 3600, header_prefix="X-RateLimit-Requests-", resource=None)

    def credential(request: Request) -> str | None:
        raw = request.headers.get("authorization", "").strip()
        scheme, _, rest = raw.partition(" ")
        return rest.strip() if scheme.lower() == "bearer" else raw or None

    async def graphql_endpoint(request: Request) -> Response:
        grant = provider.validate_access_token(credential(request) or "")
        if grant is None:
            return json_response(
                error_body(
                    "Authentication required, not authenticated",
                    "AUTHENTICATION_ERROR",
                    "authentication error",
                    401,
                ),
                401,
            )
        allowed, headers = limiter.check(grant.subject)
        if not allowed:
            return json_response(
                error_body("Rate limit exceeded", "RATELIMITED", "ratelimited", 400), 400, headers
            )
        body, ok = await read_json_body(request)
        if not ok or not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return json_response(
                error_body(
                    "POST body must be JSON with a `query` string", "BAD_REQUEST", "invalid input", 400
                ),
                400,
                headers,
            )
        try:
            document = parse(body["query"])
        except GraphQLError as error:
            return json_response(_errors([error], "GRAPHQL_PARSE_FAILED"), 400, headers)
        problems = validate(schema, document)
        if problems:
            return json_response(_errors(problems, "GRAPHQL_VALIDATION_FAILED"), 400, headers)
        headers["X-Complexity"] = str(complexity(document))
        variables = body.get("variables") or {}
        with store.transaction() as state:
            ctx = Ctx(state, state.user_for(grant.subject), tuple(grant.scopes))
            # Every resolver is synchronous; execute_sync raises if one ever returns an awaitable.
            result = execute_sync(
                schema,
                document,
                context_value=ctx,
                variable_values=variables,
                operation_name=body.get("operationName"),
            )
            for kind, action, data, team_id, updated_from in ctx.events:
                hooks.emit(state, ctx.viewer, kind, action, data, team_id, updated_from)
        if result.errors and result.data is None and all(not e.path for e in result.errors):
            return json_response(_errors(result.errors, "BAD_USER_INPUT"), 400, headers)
        return json_response(result.formatted, 200, headers)

    routes = oauth2_routes(
        provider,
        paths=OAuth2Paths(
            authorize="/oauth/authorize", token="/oauth/token", revoke="/oauth/revoke", userinfo=None
        ),
    )
    routes.append(Route("/graphql", graphql_endpoint, methods=["POST"]))
    return SandboxApp(
        SLUG, routes, store, oauth2=provider, seed=seed, deliveries=deliveries, on_reset=(limiter.reset,)
    )


def _errors(errors, code: str) -> dict:
    out = []
    for error in errors:
        formatted = error.formatted
        formatted["extensions"] = {
            "code": code,
            "type": "graphql error",
            "userError": True,
            "userPresentableMessage": error.message,
        }
        out.append(formatted)
    return {"errors": out}
