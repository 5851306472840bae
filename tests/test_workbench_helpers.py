"""The operator-configured helpers (invoke_llm, web_search) against loopback fakes; refusal without namespaces;
the unsafe switch, logged at every start."""

from __future__ import annotations

import logging
import threading
from collections import deque

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.app import database_url_for, start_server
from tests.support.oauth import V3
from tests.support.servers import ThreadedServer
from tests.support.workbench import needs_sandbox
from valetkey.sessions.workbench import sandbox

pytestmark = needs_sandbox
SESSIONS = f"{V3}/tool_router/session"


class Fakes:
    def __init__(self) -> None:
        self.prompts: list[dict] = []
        self.headers: list[dict] = []
        self.queries: list[str] = []
        self.answers: deque = deque()

    async def completions(self, request: Request) -> JSONResponse:
        self.prompts.append(await request.json())
        self.headers.append(dict(request.headers))
        content = self.answers.popleft()
        return JSONResponse({"choices": [{"message": {"role": "assistant", "content": content}}]})

    async def search(self, request: Request) -> JSONResponse:
        self.queries.append(request.query_params["q"])
        return JSONResponse(
            {"results": [{"title": "Valetkey", "url": "https://example.com/v", "content": "tools"}]}
        )


@pytest.fixture(scope="module")
def fakes():
    fake = Fakes()
    threaded = ThreadedServer(
        Starlette(
            routes=[
                Route("/v1/chat/completions", fake.completions, methods=["POST"]),
                Route("/search", fake.search),
            ]
        )
    ).start()
    fake.url = threaded.url
    yield fake
    threaded.stop()


def _server(request, venv, **overrides):
    return start_server(database_url_for("sqlite", request), workbench_venv=venv, **overrides)


@pytest.fixture(scope="module")
def helper_server(request, fakes, workbench_venv):
    threaded, running = _server(
        request,
        workbench_venv,
        llm_base_url=f"{fakes.url}/v1",
        llm_model="fake-model",
        llm_api_key="sk-operator-key",
        web_search_url=f"{fakes.url}/search",
    )
    yield running
    threaded.stop()


def _run(server, code: str, **config) -> dict:
    keys = server.new_project()
    with httpx.Client(base_url=server.url, headers={"x-api-key": keys.api_key}, timeout=120) as c:
        session = c.post(SESSIONS, json={"user_id": "u", "workbench": {"enable": True, **config}}).json()
        answer = c.post(
            f"{SESSIONS}/{session['session_id']}/execute_meta",
            json={"slug": "COMPOSIO_REMOTE_WORKBENCH", "arguments": {"code_to_execute": code}},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()


def test_invoke_llm_reaches_the_operators_model_and_never_shows_its_key(helper_server, fakes):
    fakes.answers.append('{"text": "positive"}')
    result = _run(helper_server, "text, error = invoke_llm('Classify: I love it')\n(text, error)")
    assert result["data"]["results"] == "('positive', None)"
    assert "sk-operator-key" not in str(result)
    assert fakes.prompts[-1]["model"] == "fake-model"
    assert fakes.prompts[-1]["messages"][-1]["content"] == "Classify: I love it"
    assert fakes.headers[-1]["authorization"] == "Bearer sk-operator-key"  # sent to the model only
    fakes.answers.append("not json")
    broken = _run(helper_server, "invoke_llm('x')")
    assert "not the JSON object" in broken["data"]["results"]


def test_web_search_uses_the_operators_provider(helper_server, fakes):
    result = _run(helper_server, "results, error = web_search('valetkey')\n(results[0]['URL'], error)")
    assert result["data"]["results"] == "('https://example.com/v', None)"  # FlexDict: URL finds url
    assert fakes.queries[-1] == "valetkey"


def test_without_namespaces_the_workbench_refuses(request, workbench_venv, monkeypatch):
    def unavailable() -> None:
        raise sandbox.SandboxUnavailable("this host does not allow the namespaces the workbench needs")

    monkeypatch.setattr(sandbox, "check_available", unavailable)
    threaded, running = _server(request, workbench_venv)
    try:
        result = _run(running, "1 + 1")
        assert result["result_type"] == "failed"
        assert "cannot start on this server" in result["error"] and "namespaces" in result["error"]
    finally:
        threaded.stop()


def test_the_unsafe_switch_runs_unsandboxed_and_says_so_at_every_start(request, workbench_venv):
    seen: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Catch(level=logging.WARNING)
    logging.getLogger("valetkey.workbench").addHandler(handler)
    threaded, running = _server(request, workbench_venv, workbench_unsafe_no_sandbox=True)
    try:
        first = _run(running, "import os\nos.getuid()")
        second = _run(running, "2")
        assert first["data"]["results"] == str(__import__("os").getuid()) and second["data"]["results"] == "2"
        assert sum("WITHOUT A SANDBOX" in message for message in seen) == 2  # two sessions, two starts
    finally:
        logging.getLogger("valetkey.workbench").removeHandler(handler)
        threaded.stop()


def test_a_missing_venv_names_the_setup_command(request, tmp_path):
    threaded, running = _server(request, tmp_path / "nothing-here")
    try:
        result = _run(running, "1")
        assert "valetkey workbench setup" in result["error"]
    finally:
        threaded.stop()


def test_idle_sandboxes_stop_files_stay_and_the_next_call_says_so(request, workbench_venv):
    threaded, running = _server(request, workbench_venv, workbench_idle_timeout=1)
    try:
        keys = running.new_project()
        with httpx.Client(base_url=running.url, headers={"x-api-key": keys.api_key}, timeout=120) as c:
            session_id = c.post(SESSIONS, json={"user_id": "u", "workbench": {"enable": True}}).json()[
                "session_id"
            ]

            def run(code: str) -> dict:
                body = {"slug": "COMPOSIO_REMOTE_WORKBENCH", "arguments": {"code_to_execute": code}}
                return c.post(f"{SESSIONS}/{session_id}/execute_meta", json=body).json()

            assert run("x = 1\nopen('/mnt/files/kept.txt', 'w').write('kept')")["error"] is None
            pool = running.state._workbench_pool
            for _ in range(200):  # the reaper runs every idle/4 s
                if session_id not in pool.sandboxes:
                    break
                threading.Event().wait(0.1)
            assert session_id not in pool.sandboxes
            after = run("open('/mnt/files/kept.txt').read()")
            assert after["data"]["results"] == "'kept'"
            assert "idle" in after["data"]["notice"] and after["data"]["kernel_restarted"] is True
            assert "NameError" in run("x")["error"]
            assert c.delete(f"{SESSIONS}/{session_id}").status_code == 200
            assert session_id not in pool.sandboxes  # deleting the session stops its sandbox
    finally:
        threaded.stop()


@needs_sandbox
def test_the_setup_command_finds_a_built_venv_up_to_date_and_checks_the_sandbox(workbench_venv, tmp_path):
    """`valetkey workbench setup` as an operator runs it: on a venv that matches the pins it rebuilds
    nothing, then says whether the sandbox can start on this host."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "VALETKEY_HOME": str(tmp_path),
        "VALETKEY_WORKBENCH_VENV": str(workbench_venv),
        "VALETKEY_WORKBENCH_PYTHON": "/usr/bin/python3",
        "COLUMNS": "200",
    }
    env.pop("VALETKEY_WORKBENCH_UNSAFE_NO_SANDBOX", None)
    done = subprocess.run(
        [sys.executable, "-m", "valetkey", "workbench", "setup"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"Already up to date: {workbench_venv}" in done.stderr
    assert "The sandbox (bubblewrap, namespaces, seccomp) is available." in done.stderr
