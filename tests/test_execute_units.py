"""Unit tests of the executor's pure parts: request building, credentials, retries, results."""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import types
from email.utils import format_datetime

import aiohttp
import httpx
import pytest
from multidict import CIMultiDict
from yarl import URL

from valetkey.catalog.model import AuthScheme, CredentialPlacement, HttpOperation, ParamBinding, Tool
from valetkey.connections.request_auth import (
    CredentialError,
    apply_credentials,
    apply_parameters,
    basic_authorization,
    secret_names,
)
from valetkey.core.errors import BadRequest
from valetkey.execution.logs import REDACTED, describe_request
from valetkey.execution.outcome import error_message, select, tool_result
from valetkey.execution.proxy import target_url
from valetkey.execution.request import RequestBuildError, build_request
from valetkey.execution.validation import validate_arguments
from valetkey.net.request import UpstreamRequest
from valetkey.net.retry import RetryPolicy, backoff_delay, parse_retry_after, retry_delay
from valetkey.net.upstream import UpstreamOutcome, UpstreamResponse, encode_body

BASE = "https://api.example.com/v1"


def op(method="GET", path="/items", **kw) -> HttpOperation:
    return HttpOperation(method=method, path=path, **kw)


# --- request building -------------------------------------------------------


def test_path_params_are_url_encoded_and_cannot_add_segments():
    req = build_request(op(path="/repos/{owner}/{repo}"), BASE, {"owner": "a b", "repo": "../admin"})
    assert req.url == "https://api.example.com/v1/repos/a%20b/..%2Fadmin"


def test_missing_path_param_names_it():
    with pytest.raises(RequestBuildError) as info:
        build_request(op(path="/repos/{owner}"), BASE, {})
    assert info.value.field == "owner"


def test_query_arrays_repeat_the_key_and_bools_are_lowercase():
    operation = op(params=(ParamBinding("page_size", "query", "per_page"),), query={"v": "2"})
    req = build_request(operation, BASE, {"page_size": 5, "labels": ["a", "b"], "open": True, "skip": None})
    assert req.query == (("v", "2"), ("per_page", "5"), ("labels", "a"), ("labels", "b"), ("open", "true"))
    assert (
        URL("http://h/").extend_query(list(req.query)).raw_query_string
        == "v=2&per_page=5&labels=a&labels=b&open=true"
    )


def test_headers_fixed_and_bound():
    operation = op(
        params=(ParamBinding("trace", "header", "X-Trace-Id"),), headers={"Accept": "application/json"}
    )
    req = build_request(operation, BASE, {"trace": "t-1"})
    assert req.headers == {"Accept": "application/json", "X-Trace-Id": "t-1"}


def test_json_body_with_nested_wire_names():
    operation = op(
        "POST",
        "/issues",
        params=(ParamBinding("title", "body", "issue.title"), ParamBinding("n", "body", "issue.meta.n")),
    )
    req = build_request(operation, BASE, {"title": "Bug", "n": 3, "labels": ["x"]})
    assert req.body_kind == "json"
    assert req.body == {"issue": {"title": "Bug", "meta": {"n": 3}}, "labels": ["x"]}
    assert encode_body(req) == (
        b'{"issue":{"title":"Bug","meta":{"n":3}},"labels":["x"]}',
        "application/json",
    )


def test_unbound_args_go_to_query_for_get_and_body_for_post():
    assert build_request(op("DELETE", "/x"), BASE, {"a": 1}).query == (("a", "1"),)
    post = build_request(op("POST", "/x"), BASE, {"a": 1})
    assert post.query == () and post.body == {"a": 1}


def test_body_arg_is_the_whole_body_and_others_still_bind():
    operation = op("POST", "/flaky/{key}", params=(ParamBinding("fail", "query"),), body_arg="payload")
    req = build_request(operation, BASE, {"key": "k", "fail": 2, "payload": {"a": [1]}})
    assert req.url.endswith("/flaky/k") and req.query == (("fail", "2"),)
    assert req.body_kind == "json" and req.body == {"a": [1]}


async def test_form_and_multipart_bodies():
    form = build_request(op("POST", "/f", body="form"), BASE, {"a": "1 2", "tags": ["x", "y"]})
    assert encode_body(form) == (b"a=1+2&tags=x&tags=y", "application/x-www-form-urlencoded")
    multi = build_request(
        op("POST", "/u", body="multipart"),
        BASE,
        {"note": "hi", "file": {"filename": "a.txt", "content": "hello"}},
    )
    form_data, content_type = encode_body(multi)
    assert isinstance(form_data, aiohttp.FormData) and content_type is None
    payload = form_data()
    assert payload.content_type.startswith("multipart/form-data")
    body = await payload.as_bytes() if hasattr(payload, "as_bytes") else b""
    assert b'filename="a.txt"' in body and b"hello" in body and b"hi" in body


# --- credentials --------------------------------------------------------------


def test_header_and_query_placements():
    scheme = AuthScheme(
        "API_KEY",
        placements=(
            CredentialPlacement("header", "X-Api-Key", "{api_key}"),
            CredentialPlacement("query", "key", "{api_key}"),
        ),
    )
    req = apply_credentials(
        UpstreamRequest("GET", BASE, {"x-api-key": "caller"}, (("key", "evil"),)),
        scheme,
        {"api_key": "s3cret"},
    )
    assert req.headers == {"X-Api-Key": "s3cret"}
    assert req.query == (("key", "s3cret"),)


def test_oauth2_default_bearer_and_basic():
    req = apply_credentials(UpstreamRequest("GET", BASE), AuthScheme("OAUTH2"), {"access_token": "tok"})
    assert req.headers["Authorization"] == "Bearer tok"
    req = apply_credentials(
        UpstreamRequest("GET", BASE), AuthScheme("BASIC"), {"username": "u", "password": "p"}
    )
    assert (
        req.headers["Authorization"]
        == basic_authorization({"username": "u", "password": "p"})
        == "Basic dTpw"
    )


def test_missing_credential_is_an_error_not_an_empty_header():
    scheme = AuthScheme("API_KEY", placements=(CredentialPlacement("header", "X-Api-Key", "{api_key}"),))
    for values in ({}, {"api_key": ""}):
        with pytest.raises(CredentialError, match="api_key"):
            apply_credentials(UpstreamRequest("GET", BASE), scheme, values)


def test_literal_parameters_and_secret_names():
    params = [
        {"name": "X-Token", "value": "t", "in": "header"},
        {"name": "sig", "value": "s", "type": "query"},
    ]
    req = apply_parameters(UpstreamRequest("GET", BASE), params)
    assert req.headers == {"X-Token": "t"} and req.query == (("sig", "s"),)
    scheme = AuthScheme("API_KEY", placements=(CredentialPlacement("query", "api_key", "{api_key}"),))
    headers, query = secret_names(scheme, params)
    assert {"authorization", "x-token"} <= headers and query == {"api_key", "sig"}
    logged = describe_request(
        req.with_query("api_key", "k").with_header("Authorization", "Bearer x"), headers, query
    )
    assert logged["headers"] == {"X-Token": REDACTED, "Authorization": REDACTED}
    assert logged["query"] == {"sig": [REDACTED], "api_key": [REDACTED]}


# --- retries ----------------------------------------------------------------


def test_parse_retry_after_seconds_and_dates():
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + dt.timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after(format_datetime(now - dt.timedelta(seconds=30), usegmt=True), now) == 0.0
    assert (
        parse_retry_after("soon") is None
        and parse_retry_after("") is None
        and parse_retry_after(None) is None
    )


def test_retry_decisions():
    policy = RetryPolicy(max_attempts=3, base_delay=0.1, max_delay=1.0, max_retry_after=5)
    assert retry_delay(policy, 1, status=404) is None
    assert retry_delay(policy, 1, status=503, retry_after="2") == 2.0
    assert retry_delay(policy, 1, status=429, retry_after="60") is None  # beyond the cap: give up
    assert retry_delay(policy, 3, status=503) is None  # attempts exhausted
    assert 0 <= retry_delay(policy, 1, status=None) <= 0.1  # connection error
    assert retry_delay(RetryPolicy(max_attempts=1), 1, status=503) is None


def test_backoff_is_jittered_exponential_and_capped():
    policy = RetryPolicy(base_delay=0.1, max_delay=0.5)
    rand = random.Random(1)
    samples = [backoff_delay(policy, 3, rand) for _ in range(200)]
    assert all(0 <= s <= 0.4 for s in samples) and len(set(samples)) > 100
    assert max(backoff_delay(policy, 10, rand) for _ in range(200)) <= 0.5


# --- results ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"message": "Not Found"}, "Not Found"),
        ({"error": "invalid_grant", "error_description": "Bad code"}, "Bad code"),
        (
            {"error": {"code": 404, "message": "Requested entity was not found."}},
            "Requested entity was not found.",
        ),
        ({"errors": [{"message": "title is missing"}]}, "title is missing"),
        ({"detail": "nope"}, "nope"),
        ("plain text failure", "plain text failure"),
        ({"unrelated": 1}, None),
    ],
)
def test_error_message_shapes(body, expected):
    assert error_message(body) == expected


def _outcome(status, json_body=None):
    content = json.dumps(json_body).encode() if json_body is not None else b""
    response = UpstreamResponse(status, "", CIMultiDict({"content-type": "application/json"}), content)
    return UpstreamOutcome(response, None, "", 1, 1.0)


def test_tool_result_success_failure_and_transport_error():
    ok = tool_result(_outcome(200, {"data": {"items": [1]}}), "data.items")
    assert ok.successful and ok.data == {"data": [1]} and ok.error is None
    bad = tool_result(_outcome(404, {"message": "no such repo"}))
    assert not bad.successful and bad.error == "404 Not Found: no such repo"
    assert bad.data["status_code"] == 404 and "no such repo" in bad.data["message"]
    down = tool_result(UpstreamOutcome(None, "connect", "Could not reach", 2, 3.0))
    assert not down.successful and down.error == "Could not reach"
    assert select({"a": [{"b": 2}]}, "a.0.b") == 2


# --- validation ---------------------------------------------------------------


def _tool(schema) -> Tool:
    return Tool(
        slug="T_ONE",
        toolkit="t",
        name="t",
        description="",
        input_schema=schema,
        output_schema={},
        operation=op(),
    )


def test_validation_names_the_field():
    tool = _tool(
        {
            "type": "object",
            "properties": {
                "page": {"type": "integer", "minimum": 1},
                "owner": {
                    "type": "object",
                    "properties": {"login": {"type": "string"}},
                    "required": ["login"],
                },
            },
            "required": ["owner"],
            "additionalProperties": False,
        }
    )
    assert validate_arguments(tool, "v1", {"owner": {"login": "x"}}) is None
    assert validate_arguments(tool, "v1", {}).field == "owner"
    assert validate_arguments(tool, "v1", {"owner": {}}).field == "owner.login"
    problem = validate_arguments(tool, "v1", {"owner": {"login": "x"}, "page": 0})
    assert (problem.field == "page" and "minimum" in problem.message) or "less than" in problem.message
    assert validate_arguments(tool, "v1", {"owner": {"login": "x"}, "bogus": 1}).field == "bogus"


# --- proxy target -------------------------------------------------------------


def test_proxy_target_url_stays_on_the_toolkit_origin():
    assert target_url(BASE, "/repos/a") == "https://api.example.com/v1/repos/a"
    assert target_url(BASE, "repos/a?x=1") == "https://api.example.com/v1/repos/a?x=1"
    assert target_url(BASE, "https://api.example.com/other") == "https://api.example.com/other"
    assert target_url(BASE, "https://API.example.com:443/x").startswith("https://api.example.com")
    assert target_url(BASE, "/a b") == "https://api.example.com/v1/a%20b"
    for foreign in (
        "https://evil.com/x",
        "//evil.com/x",
        "http://api.example.com/x",
        "https://api.example.com:8443/",
        "https://api.example.com.evil.com/",
        "https://evil.com@api.example.com.evil.com/",
    ):
        with pytest.raises(BadRequest):
            target_url(BASE, foreign)


# --- Python handler context -----------------------------------------------------


async def test_handler_context_request_applies_base_url_and_credentials(upstream):
    from valetkey.execution.handlers import ToolContext, run_handler
    from valetkey.net.egress import EgressPolicy, parse_allow_list
    from valetkey.net.upstream import UpstreamClient

    client = UpstreamClient(
        timeout=5, egress=EgressPolicy(parse_allow_list(httpx.URL(upstream.url).netloc.decode()))
    )
    scheme = AuthScheme("API_KEY", placements=(CredentialPlacement("header", "X-Api-Key", "{api_key}"),))
    context = ToolContext(
        arguments={"n": 1},
        user_id="u",
        connected_account_id=None,
        base_url=upstream.url + "/echo",
        http=client,
        scheme=scheme,
        credentials={"api_key": "ctx-key"},
    )

    async def handler(arguments, ctx):
        outcome = await ctx.request("POST", "/ctx/items", params={"q": "1"}, json={"n": arguments["n"]})
        return json.loads(outcome.response.content)

    try:
        from valetkey.execution import handlers

        handlers.load_handler.cache_clear()
        sys.modules["tests_ctx_handlers"] = types.SimpleNamespace(ctx_handler=handler)  # type: ignore[assignment]
        seen = await run_handler("tests_ctx_handlers:ctx_handler", context)
    finally:
        sys.modules.pop("tests_ctx_handlers", None)
        handlers.load_handler.cache_clear()
        await client.aclose()
    assert seen["path"] == "/echo/ctx/items" and seen["query"] == {"q": ["1"]} and seen["body"] == {"n": 1}
    assert seen["headers"]["x-api-key"] == "ctx-key"
    assert len(context.calls) == 1
