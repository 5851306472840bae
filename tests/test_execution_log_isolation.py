"""One bad execution-log row never costs another project its logs (issue 8, finding 2).

Project A executes 200 tools over HTTP while project B's rows, carrying ids
the edge would refuse (NUL bytes, 300 characters, lone surrogates), are
handed straight to the server's log writer, so they share A's batches.
Every one of A's logs lands; B's rows are kept with the offending field
escaped or cut and marked, and findable by log id.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import uuid

import httpx

from tests.support.execution import EXECUTE
from valetkey.core.context import ProjectContext
from valetkey.execution.connection import Connection
from valetkey.execution.recording import record_execution

LOGS = "/api/v3.1/logs/tool_execution"
HOSTILE_USER_IDS = ["nul\x00byte", "x" * 300, "lone\ud800surrogate", "both\x00" + "y" * 400]


def _no_auth() -> Connection:
    return Connection(source="no_auth", base_url="http://127.0.0.1:9")


async def _hostile_rows(state, project_id: str, rounds: int) -> list[str]:
    """B's rows, submitted on the server's loop between A's executions (so they share batches)."""
    project = ProjectContext(project_id=project_id, org_id="org", config={})
    ids = []
    for i in range(rounds):
        user_id = HOSTILE_USER_IDS[i % len(HOSTILE_USER_IDS)]
        ids.append(
            record_execution(
                state,
                project,
                kind="tool",
                tool_slug="LOOPBACK_PY_SUM",
                toolkit_slug="loopback",
                toolkit_version=None,
                user_id=user_id,
                connection=_no_auth(),
                request_id="req\x00" + "r" * 200,
                successful=True,
                error=None,
                upstream_status=None,
                duration_ms=1.0,
                request={"arguments": {"who": user_id}},
                response={"data": {"echo": user_id}},
            )
        )
        await asyncio.sleep(0.001)
    return ids


def _all_logs(client: httpx.Client, user_id: str) -> set[str]:
    seen: set[str] = set()
    cursor = None
    while True:
        body = {"limit": 100, "filters": [{"field": "user_id", "operator": "==", "value": user_id}]}
        if cursor:
            body["cursor"] = cursor
        page = client.post(LOGS, json=body)
        assert page.status_code == 200, page.text
        seen |= {log["id"] for log in page.json()["logs"]}
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return seen


def test_hostile_rows_of_one_project_do_not_drop_anothers_logs(server, caplog):
    victim, attacker = server.new_project(), server.new_project()
    user = "victim-" + uuid.uuid4().hex[:6]
    with httpx.Client(base_url=server.url, headers={"x-api-key": victim.api_key}, timeout=30) as client:
        first = client.post(
            EXECUTE + "LOOPBACK_PY_SUM", json={"arguments": {"a": 0, "b": 0}, "user_id": user}
        )
        assert first.status_code == 200, first.text
        loop = server.state.log_writer._task.get_loop()
        hostile = asyncio.run_coroutine_threadsafe(_hostile_rows(server.state, attacker.id, 120), loop)

        def run(i: int) -> str:
            answer = client.post(
                EXECUTE + "LOOPBACK_PY_SUM", json={"arguments": {"a": i, "b": 1}, "user_id": user}
            )
            assert answer.status_code == 200, answer.text
            return answer.json()["log_id"]

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            ids = {first.json()["log_id"], *pool.map(run, range(199))}
        hostile_ids = hostile.result(timeout=60)

        assert len(ids) == 200
        assert _all_logs(client, user) == ids

    # The attacker's rows are kept, with what could not be stored escaped or cut, and marked.
    with httpx.Client(base_url=server.url, headers={"x-api-key": attacker.api_key}, timeout=30) as theirs:
        stored = {}
        for log_id in hostile_ids[: len(HOSTILE_USER_IDS)]:
            entry = theirs.get(f"{LOGS}/{log_id}")
            assert entry.status_code == 200, entry.text
            stored[log_id] = entry.json()["data"]["user_id"]
    kept = list(stored.values())
    assert all("\x00" not in u for u in kept)
    assert all(len(u) <= 255 for u in kept)
    assert "nul\\x00byte" in kept
    assert any(u.startswith("x" * 200) and u.endswith("[truncated]") for u in kept)
    assert "lone\\ud800surrogate" in kept


def test_a_row_that_cannot_be_kept_is_reported_without_its_data(server, caplog):
    """A row for a project that no longer exists cannot be stored: the others still land."""
    victim = server.new_project()
    user = "victim-" + uuid.uuid4().hex[:6]
    ghost = "proj_" + uuid.uuid4().hex  # no such project: the row breaks its foreign key
    with httpx.Client(base_url=server.url, headers={"x-api-key": victim.api_key}, timeout=30) as client:
        client.post(EXECUTE + "LOOPBACK_PY_SUM", json={"arguments": {"a": 0, "b": 0}, "user_id": user})
        loop = server.state.log_writer._task.get_loop()
        caplog.set_level("WARNING", logger="valetkey.execution")
        hostile = asyncio.run_coroutine_threadsafe(_hostile_rows(server.state, ghost, 5), loop)
        ids = [
            client.post(
                EXECUTE + "LOOPBACK_PY_SUM", json={"arguments": {"a": i, "b": 1}, "user_id": user}
            ).json()["log_id"]
            for i in range(20)
        ]
        hostile.result(timeout=30)
        found = _all_logs(client, user)
    assert set(ids) <= found
    reports = [r for r in caplog.records if "execution log" in r.getMessage()]
    assert reports, "the dropped rows are reported"
    assert all("nul" not in r.getMessage() and "xxxx" not in r.getMessage() for r in reports)
