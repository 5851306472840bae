"""The workbench: COMPOSIO_REMOTE_WORKBENCH and COMPOSIO_REMOTE_BASH_TOOL in a real sandbox.

A real server on loopback with the built-in catalog routed to the app emulators, the
sandbox venv built once (`workbench_venv`, cached between runs), bubblewrap and the
seccomp filter as in production. The agent sequence of issue 11 runs through the
official SDK and through MCP; the escape suite (test_workbench_escapes.py) reuses
these fixtures.
"""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest

from tests.support.errors import assert_error
from tests.support.mcp import mcp_session, text_of
from tests.support.oauth import V3
from tests.support.workbench import call, needs_sandbox, workbench_session

pytestmark = needs_sandbox
SESSIONS = f"{V3}/tool_router/session"


_session = workbench_session
AGENT_CODE = """
import pandas as pd
created = []
for i in range(20):
    data, error = run_composio_tool("GITHUB_CREATE_ISSUE", {
        "owner": "octocat", "repo": "Hello-World", "title": f"Task {i}", "labels": ["even" if i % 2 == 0 else "odd"]})
    assert error is None, error
    created.append({"number": data["number"], "title": data["title"], "label": data["labels"][0]["name"]})
frame = pd.DataFrame(created)
summary = frame.groupby("label").size().rename("count").reset_index()
summary.to_csv("/mnt/files/issues_by_label.csv", index=False)
link = upload_local_file("/mnt/files/issues_by_label.csv")
print(len(created))
link["downloadUrl"]
"""


def test_the_agent_sequence_through_the_sdk(wb_github, loopback_files):
    session = _session(wb_github)
    offered = json.dumps(session.tools(), default=str)
    assert "COMPOSIO_REMOTE_WORKBENCH" in offered and "COMPOSIO_REMOTE_BASH_TOOL" in offered
    found = session.search(query="create a github issue")
    assert found is not None
    code = AGENT_CODE
    first = session.execute_meta("COMPOSIO_REMOTE_WORKBENCH", arguments={"code_to_execute": code})
    assert first.error is None, first.data
    data = first.data
    assert data["stdout"].strip() == "20"
    assert data["files_written"] == ["/mnt/files/issues_by_label.csv"]
    url = json.loads(data["results"].replace("'", '"'))
    rows = list(csv.DictReader(io.StringIO(httpx.get(url).text)))
    assert sorted((r["label"], r["count"]) for r in rows) == [("even", "10"), ("odd", "10")]
    assert len(wb_github.state.repo("octocat", "Hello-World").issues) >= 20

    second = session.execute_meta(
        "COMPOSIO_REMOTE_WORKBENCH", arguments={"code_to_execute": "len(frame), int(summary['count'].sum())"}
    )
    assert second.error is None and second.data["results"] == "(20, 20)"
    bash = session.execute_meta("COMPOSIO_REMOTE_BASH_TOOL", arguments={"command": "ls /mnt/files"})
    assert bash.error is None and bash.data["stdout"].split() == ["issues_by_label.csv"]
    assert bash.data["exit_code"] == 0
    # The same file through session.experimental.files: one folder.
    listed = session.experimental.files.list()
    assert [item.mount_relative_path for item in listed.items] == ["issues_by_label.csv"]


def test_the_meta_tools_are_offered_only_with_the_workbench(wb_github, wb_server):
    with httpx.Client(
        base_url=wb_server.url, headers={"x-api-key": wb_github.project.api_key}, timeout=60
    ) as c:
        off = c.post(SESSIONS, json={"user_id": "u"}).json()
        on = c.post(
            SESSIONS, json={"user_id": "u", "workbench": {"enable": True, "sandbox_size": "medium"}}
        ).json()
        assert on["config"]["workbench"] == {
            "enable": True,
            "sandbox_size": "medium",
            "proxy_execution_enabled": True,
            "tool_execution_enabled": True,
        }

        def slugs(session_id):
            return {t["slug"] for t in c.get(f"{SESSIONS}/{session_id}/tools").json()["items"]}

        assert {"COMPOSIO_REMOTE_WORKBENCH", "COMPOSIO_REMOTE_BASH_TOOL"} <= slugs(on["session_id"])
        assert not {"COMPOSIO_REMOTE_WORKBENCH", "COMPOSIO_REMOTE_BASH_TOOL"} & slugs(off["session_id"])
        refused = c.post(
            f"{SESSIONS}/{off['session_id']}/execute_meta",
            json={"slug": "COMPOSIO_REMOTE_WORKBENCH", "arguments": {"code_to_execute": "1"}},
        )
        assert_error(refused, 400, contains="turned off")
        for bad, why in [
            ({"enable": True, "sandbox_size": "huge"}, "sandbox_size"),
            ({"enable": True, "auto_offload_threshold": 100}, "auto_offload_threshold"),
            ({"enable": True, "gpu": True}, "gpu"),
        ]:
            assert_error(c.post(SESSIONS, json={"user_id": "u", "workbench": bad}), 400, contains=why)
        assert_error(
            c.post(
                SESSIONS,
                json={
                    "user_id": "u",
                    "proxy_execute": {"enable": False},
                    "workbench": {"enable": True, "enable_proxy_execution": True},
                },
            ),
            400,
            contains="enable_proxy_execution",
        )


def test_multi_execute_runs_the_workbench_too(wb_github, wb_server):
    session = _session(wb_github)
    result = session.execute_meta(
        "COMPOSIO_MULTI_EXECUTE_TOOL",
        arguments={
            "tools": [
                {
                    "tool_slug": "COMPOSIO_REMOTE_BASH_TOOL",
                    "arguments": {"command": "echo hi > /mnt/files/m.txt; cat m.txt"},
                },
            ]
        },
    )
    assert "hi" in json.dumps(result.data)


async def test_the_agent_sequence_through_the_official_mcp_client(wb_github, wb_server):
    """The same sequence as an MCP host runs it: the `mcp` package's client over streamable HTTP."""
    session = _session(wb_github)
    before = len(wb_github.state.repo("octocat", "Hello-World").issues)
    async with mcp_session(session.mcp.url, session.mcp.headers) as mcp:
        names = {tool.name for tool in (await mcp.list_tools()).tools}
        assert {"COMPOSIO_SEARCH_TOOLS", "COMPOSIO_REMOTE_WORKBENCH", "COMPOSIO_REMOTE_BASH_TOOL"} <= names
        found = await mcp.call_tool(
            "COMPOSIO_SEARCH_TOOLS", {"queries": [{"use_case": "create a github issue"}]}
        )
        assert found.is_error is False and "GITHUB_CREATE_ISSUE" in text_of(found) + json.dumps(
            found.structured_content
        )
        first = await mcp.call_tool("COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": AGENT_CODE})
        second = await mcp.call_tool(
            "COMPOSIO_REMOTE_WORKBENCH", {"code_to_execute": "len(frame), int(summary['count'].sum())"}
        )
        listed = await mcp.call_tool("COMPOSIO_REMOTE_BASH_TOOL", {"command": "ls /mnt/files"})
    assert first.is_error is False, text_of(first)
    data = _data(first)
    assert data["stdout"].strip() == "20" and data["files_written"] == ["/mnt/files/issues_by_label.csv"]
    url = json.loads(data["results"].replace("'", '"'))
    async with httpx.AsyncClient() as client:
        rows = list(csv.DictReader(io.StringIO((await client.get(url)).text)))
    assert sorted((r["label"], r["count"]) for r in rows) == [("even", "10"), ("odd", "10")]
    assert len(wb_github.state.repo("octocat", "Hello-World").issues) == before + 20
    assert second.is_error is False and _data(second)["results"] == "(20, 20)"
    assert listed.is_error is False and _data(listed)["stdout"].split() == ["issues_by_label.csv"]


def _data(result) -> dict:
    """The workbench's output from an MCP tool result (structured content, else the JSON text)."""
    content = result.structured_content
    if not content:
        content = json.loads(result.content[0].text)
    return content.get("data", content) if "stdout" not in content else content


def test_errors_timeouts_and_crashes_are_told_plainly(wb_github, wb_server):
    session = _session(wb_github)
    broken = call(session, "{}['missing_key']")
    assert broken.data["error"] == "KeyError: 'missing_key'" and "KeyError" in broken.data["traceback"]
    assert broken.error.startswith("KeyError")
    call(session, "kept = 'still here'")
    looped = call(session, "while True: pass", timeout=2)
    assert "time limit of 2 s" in looped.error
    assert call(session, "kept").data["results"] == "'still here'"  # interrupted, not restarted
    crashed = call(session, "import os; os._exit(3)")
    assert "restarted" in (crashed.error or "") or crashed.data.get("kernel_restarted")
    after = call(session, "kept")
    assert "NameError" in (after.error or "") or after.data.get("kernel_restarted")
    assert call(session, "1 + 1").data["results"] == "2"
    bash = session.execute_meta("COMPOSIO_REMOTE_BASH_TOOL", arguments={"command": "exit 4"})
    assert bash.data["exit_code"] == 4 and "status 4" in bash.error
    slow = session.execute_meta("COMPOSIO_REMOTE_BASH_TOOL", arguments={"command": "sleep 30", "timeout": 1})
    assert "time limit" in slow.error


def test_helpers_obey_the_session_and_the_operator(wb_github, wb_server):
    session = _session(wb_github, enable_proxy_execution=False)
    proxied = call(session, "proxy_execute('GET', '/user', 'github')")
    assert "turned off" in proxied.data["results"]
    no_llm = call(session, "invoke_llm('hello')")
    assert "VALETKEY_LLM_BASE_URL" in no_llm.data["results"]
    no_search = call(session, "web_search('valetkey')")
    assert "VALETKEY_WEB_SEARCH_URL" in no_search.data["results"]
    flexible = call(
        session,
        "d = FlexDict({'api_key': 1, 'Nested': {'user-name': 'x'}}); (d['apiKey'], d.get('API_KEY'), 'apiKey' in d)",
    )
    assert flexible.data["results"] == "(1, 1, True)"
    extracted = call(
        session,
        "import openpyxl\nbook = openpyxl.Workbook(); book.active.append(['a', 2]); book.save('/mnt/files/t.xlsx')\n"
        "open('/mnt/files/t.csv', 'w').write('x,y\\n1,2\\n')\n"
        "(smart_file_extract('/mnt/files/t.xlsx')[0], smart_file_extract('/mnt/files/t.csv')[0])",
    )
    assert "a,2" in extracted.data["results"] and "x,y" in extracted.data["results"]
    documents = call(
        session,
        "from reportlab.pdfgen import canvas\n"
        "pdf = canvas.Canvas('/mnt/files/r.pdf'); pdf.drawString(72, 720, 'Quarterly report'); pdf.save()\n"
        "import docx\nd = docx.Document(); d.add_paragraph('Meeting notes'); d.save('/mnt/files/n.docx')\n"
        "(smart_file_extract('/mnt/files/r.pdf'), smart_file_extract('/mnt/files/n.docx'), "
        "smart_file_extract('/mnt/files/missing.pdf')[1] is not None)",
    )
    assert "Quarterly report" in documents.data["results"] and "Meeting notes" in documents.data["results"]
    assert documents.data["results"].rstrip(")").endswith("True")


def test_each_call_is_an_execution_log_entry(wb_github, wb_server):
    session = _session(wb_github)
    call(
        session,
        "data, error = run_composio_tool('GITHUB_GET_A_REPOSITORY', {'owner': 'octocat', 'repo': 'Hello-World'})",
    )
    with httpx.Client(
        base_url=wb_server.url, headers={"x-api-key": wb_github.project.api_key}, timeout=30
    ) as c:
        rows = c.post(f"{V3}/logs/tool_execution", json={"limit": 50}).json()["logs"]
        assert "GITHUB_GET_A_REPOSITORY" in {
            r["tool_slug"] for r in rows
        }  # the helper's own call, logged too
        entry = next(r for r in rows if r["tool_slug"] == "COMPOSIO_REMOTE_WORKBENCH")
        detail = c.get(f"{V3}/logs/tool_execution/{entry['id']}").json()
    text = json.dumps(detail)
    assert "code_sha256" in text and "run_composio_tool" in text and "GITHUB_GET_A_REPOSITORY" in text


@pytest.mark.parametrize(("size", "memory_gib"), [("standard", 1), ("large", 4)])
def test_sandbox_sizes_map_to_limits(wb_github, size, memory_gib):
    session = _session(wb_github, sandbox_size=size)
    limits = call(
        session,
        "import os, resource\n(resource.getrlimit(resource.RLIMIT_AS)[0] // 1024**3, "
        "os.environ['OMP_NUM_THREADS'])",
    )
    memory, threads = eval(limits.data["results"])
    assert memory == memory_gib + 1  # the tier's memory plus the allowance for mappings
    assert threads == {"standard": "1", "large": "4"}[size]
    tmp = call(session, "import os\nst = os.statvfs('/tmp'); st.f_blocks * st.f_frsize // 1024**2")
    assert int(tmp.data["results"]) == {"standard": 256, "large": 1024}[size]


def test_processes_and_vcpus_are_cgroup_bounds_where_the_controllers_are(wb_github, wb_server):
    """pids.max holds the tier's processes and a CFS quota its vCPUs (cgroups.py); skipped where neither exists."""
    session = _session(wb_github, sandbox_size="standard")
    assert call(session, "1 + 1").data["results"] == "2"
    workbench, _ = wb_server.state._workbench_pool.sandboxes[session.session_id]
    groups = workbench._groups
    if groups is None or not (groups.pids or groups.cpu):
        pytest.skip("no writable pids or cpu cgroup controller here: RLIMIT_NPROC and RLIMIT_CPU only")
    files = {path.name: path for group in groups.paths for path in group.iterdir()}
    if groups.pids:
        assert files["pids.max"].read_text().strip() == "64"
    if not groups.cpu:
        pytest.skip("no writable cpu cgroup controller here: vCPU is CPU time and thread hints only")
    if "cpu.max" in files:
        assert files["cpu.max"].read_text().split() == ["100000", "100000"]
    else:
        assert files["cpu.cfs_quota_us"].read_text().strip() == "100000"
        assert files["cpu.cfs_period_us"].read_text().strip() == "100000"
    # The bounds hold the whole sandbox: bwrap, the bridge and the kernel are in every group.
    members = [set((group / "cgroup.procs").read_text().split()) for group in groups.paths]
    assert all(found == members[0] for found in members), members
    assert str(workbench.process.pid) in members[0] and len(members[0]) >= 3, members
