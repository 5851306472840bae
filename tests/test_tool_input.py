"""`POST /tools/execute/{slug}/input`: arguments from natural language, by the operator's model.

The model is a loopback fake of an OpenAI-compatible chat completions API that records what it
is asked and answers what the test queues.
"""

from __future__ import annotations

import json

import pytest
from composio import Composio
from composio_client import BadRequestError

from tests.support.app import database_url_for, start_server
from tests.support.errors import assert_error
from tests.support.fake_model import running_fake_model

V3 = "/api/v3.1"


@pytest.fixture(scope="module")
def model():
    with running_fake_model() as fake:
        yield fake


@pytest.fixture(scope="module")
def llm_server(model, toolkits_dir, request):
    threaded, running = start_server(
        database_url_for("sqlite", request),
        [toolkits_dir],
        llm_base_url=f"{model.url}/v1",
        llm_model="fake-model-1",
        llm_api_key="sk-operator-key",
    )
    yield running
    threaded.stop()


@pytest.fixture
def sdk(llm_server):
    keys = llm_server.new_project()
    return Composio(api_key=keys.api_key, base_url=llm_server.url)


def test_the_model_fills_in_the_arguments_from_the_tools_schema(sdk, model):
    model.answers.append((200, json.dumps({"arguments": {"item_id": "42", "page_size": 10}})))
    answer = sdk.client.tools.get_input("LOOPBACK_ECHO_GET", text="get item 42, ten per page")
    assert answer.arguments == {"item_id": "42", "page_size": 10} and answer.error is None
    asked = model.requests[-1]
    assert asked["model"] == "fake-model-1" and asked["response_format"]["type"] == "json_schema"
    schema = asked["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["arguments"]["required"] == ["item_id"]
    user = json.loads(asked["messages"][-1]["content"])
    assert user["tool"] == "LOOPBACK_ECHO_GET" and user["request"] == "get item 42, ten per page"
    assert model.headers[-1]["authorization"] == "Bearer sk-operator-key"


def test_arguments_that_break_the_schema_come_back_with_the_reason(sdk, model):
    model.answers.append((200, json.dumps({"arguments": {"page_size": 500}})))
    answer = sdk.client.tools.get_input(
        "LOOPBACK_ECHO_GET", text="lots of items", custom_description="Reads items", system_prompt="Be terse."
    )
    assert answer.arguments == {"page_size": 500} and answer.error and "item_id" in answer.error
    asked = model.requests[-1]
    assert asked["messages"][0]["content"].endswith("Be terse.")
    assert json.loads(asked["messages"][-1]["content"])["description"] == "Reads items"


def test_a_failing_or_nonsense_model_is_a_502(llm_server, sdk, model):
    import httpx

    keys = llm_server.new_project()
    url = f"{llm_server.url}{V3}/tools/execute/LOOPBACK_ECHO_GET/input"
    with httpx.Client(headers={"x-api-key": keys.api_key}, timeout=30) as http:
        model.answers.append((200, "this is not JSON"))
        error = assert_error(http.post(url, json={"text": "item 1"}), 502, contains="not the JSON object")
        assert error["slug"] == "LlmFailed"
        model.answers.append((500, "{}"))
        assert_error(http.post(url, json={"text": "item 1"}), 502, contains="HTTP 500")
        calls = len(model.requests)
        assert_error(
            http.post(f"{llm_server.url}{V3}/tools/execute/LOOPBACK_NOPE/input", json={"text": "x"}), 404
        )
        assert_error(http.post(url, json={"text": ""}), 400)
        assert_error(http.post(url, json={"text": "x", "temperature": 1}), 400, contains="temperature")
        assert len(model.requests) == calls  # refused before the model is asked


def test_without_a_model_the_error_says_what_to_set(composio, client):
    with pytest.raises(BadRequestError, match="none configured"):
        composio.client.tools.get_input("LOOPBACK_ECHO_GET", text="item 1")
    error = assert_error(
        client.post(f"{V3}/tools/execute/LOOPBACK_ECHO_GET/input", json={"text": "item 1"}), 400
    )
    assert error["slug"] == "LlmNotConfigured" and "VALETKEY_LLM_BASE_URL" in error["suggested_fix"]
