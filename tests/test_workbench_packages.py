"""Workbench package installs from the operator's allow-list (sessions/workbench/packages.py).

Wheels of throwaway packages are written with zipfile into a temporary find-links
folder (loopback only: no index is reached). The server runs pip with the sandbox
venv's Python outside the sandbox; the sandbox mounts the session's packages
folder read-only. The refusals are checked on `packages.install` directly (no
sandbox needed) and through the kernel.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.support.app import database_url_for, start_server
from tests.support.oauth import V3
from tests.support.workbench import needs_sandbox
from valetkey.core.settings import Settings
from valetkey.sessions.workbench import packages

SESSIONS = f"{V3}/tool_router/session"
ALLOW = "vktab==1.0,vkpair,vkparent,vkbig"


def _wheel(
    folder: Path, name: str, version: str, requires: tuple[str, ...] = (), payload: bytes = b""
) -> None:
    """A pure-Python wheel of one module `name` with VERSION (and `payload` as a data file)."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n".encode(),
        f"{dist}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            + "".join(f"Requires-Dist: {r}\n" for r in requires)
        ).encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    if payload:
        files[f"{name}/payload.bin"] = payload
    record = []
    for path, content in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(content)}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as archive:
        for path, content in files.items():
            archive.writestr(path, content)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    _wheel(folder, "vktab", "1.0")
    _wheel(folder, "vktab", "2.0")
    _wheel(folder, "vkpair", "1.0", requires=("vktab",))  # its dependency resolves to the allowed 1.0
    _wheel(folder, "vkparent", "1.0", requires=("vkchild",))  # vkchild is not allowed
    _wheel(folder, "vkchild", "1.0")
    _wheel(folder, "vkbig", "1.0", payload=b"\0" * 300_000)
    return folder


def _settings(tmp_path: Path, venv: Path, **values) -> Settings:
    return Settings(home=tmp_path, workbench_venv=venv, **values)


# -- the server's checks, on packages.install directly ------------------------------------------


def test_an_allowed_package_and_its_allowed_dependency_install(tmp_path, workbench_venv, wheels):
    settings = _settings(
        tmp_path, workbench_venv, workbench_packages_allow=ALLOW, workbench_package_find_links=wheels
    )
    target = tmp_path / "pkgs"
    result = packages.install(settings, target, ["vkpair"])
    assert sorted((d["name"], d["version"]) for d in result["installed"]) == [
        ("vkpair", "1.0"),
        ("vktab", "1.0"),
    ]
    assert (
        target / "vktab" / "__init__.py"
    ).read_text() == "VERSION = '1.0'\n"  # not 2.0: the allow-list pins it
    assert "Successfully installed" in result["output"]


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        (
            ["requests"],
            "requests is not on this server's package allow-list (VALETKEY_WORKBENCH_PACKAGES_ALLOW)",
        ),
        (["vktab==2.0"], "vktab 2.0 is outside the versions this server allows (vktab==1.0)"),
        (["vktab>=2"], "pip could not install vktab"),  # no version satisfies both: pip finds none
        (["vkparent"], "vkchild 1.0 (not on the allow-list)"),
        (["vktab @ https://example.com/vktab.whl"], "URLs and environment markers are not accepted"),
        (["--index-url=http://evil"], "is not a requirement specifier"),
        ("vktab", "a list of requirement strings"),
    ],
)
def test_requests_outside_the_allow_list_are_refused_and_leave_nothing(
    tmp_path, workbench_venv, wheels, requested, message
):
    settings = _settings(
        tmp_path, workbench_venv, workbench_packages_allow=ALLOW, workbench_package_find_links=wheels
    )
    target = tmp_path / "pkgs"
    with pytest.raises(packages.PackageRefused) as refused:
        packages.install(settings, target, requested)
    assert message in str(refused.value)
    assert not target.exists() or list(target.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] in ([], ["pkgs"])  # no staging folder left


def test_without_a_package_source_or_allow_list_installs_are_refused(tmp_path, workbench_venv, wheels):
    none = _settings(tmp_path, workbench_venv, workbench_packages_allow=ALLOW)
    with pytest.raises(packages.PackageRefused) as refused:
        packages.install(none, tmp_path / "pkgs", ["vktab"])
    assert "VALETKEY_WORKBENCH_PACKAGE_INDEX" in str(refused.value)
    assert "VALETKEY_WORKBENCH_PACKAGE_FIND_LINKS" in str(refused.value)
    off = _settings(tmp_path, workbench_venv, workbench_package_find_links=wheels)
    with pytest.raises(packages.PackageRefused, match="VALETKEY_WORKBENCH_PACKAGES_ALLOW"):
        packages.install(off, tmp_path / "pkgs", ["vktab"])


def test_the_size_limit_refuses_an_install_past_it(tmp_path, workbench_venv, wheels):
    settings = _settings(
        tmp_path,
        workbench_venv,
        workbench_packages_allow=ALLOW,
        workbench_package_find_links=wheels,
        workbench_packages_max_bytes=200_000,
    )
    target = tmp_path / "pkgs"
    packages.install(settings, target, ["vktab"])  # small: fits
    with pytest.raises(packages.PackageRefused, match="VALETKEY_WORKBENCH_PACKAGES_MAX_BYTES"):
        packages.install(settings, target, ["vkbig"])
    assert sorted(p.name for p in target.iterdir() if not p.name.endswith(".dist-info")) == ["vktab"]


def test_the_allow_list_is_checked_at_startup():
    with pytest.raises(
        SystemExit, match="VALETKEY_WORKBENCH_PACKAGES_ALLOW: expected requirement specifiers"
    ):
        Settings.from_env({"VALETKEY_WORKBENCH_PACKAGES_ALLOW": "vktab==1.0,not a requirement"})
    with pytest.raises(SystemExit, match="not both"):
        Settings.from_env(
            {
                "VALETKEY_WORKBENCH_PACKAGE_INDEX": "http://127.0.0.1:1/simple",
                "VALETKEY_WORKBENCH_PACKAGE_FIND_LINKS": "/x",
            }
        )


# -- through the sandbox ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pkg_server(request, workbench_venv, wheels):
    threaded, running = start_server(
        database_url_for("sqlite", request),
        workbench_venv=workbench_venv,
        workbench_call_timeout=60,
        workbench_packages_allow=ALLOW,
        workbench_package_find_links=wheels,
    )
    yield running
    threaded.stop()


class Client:
    def __init__(self, server) -> None:
        self.server = server
        self.keys = server.new_project()
        self.http = httpx.Client(base_url=server.url, headers={"x-api-key": self.keys.api_key}, timeout=120)

    def session(self) -> str:
        return self.http.post(SESSIONS, json={"user_id": "u", "workbench": {"enable": True}}).json()[
            "session_id"
        ]

    def run(self, session_id: str, slug: str, **arguments) -> dict:
        answer = self.http.post(
            f"{SESSIONS}/{session_id}/execute_meta", json={"slug": slug, "arguments": arguments}
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def python(self, session_id: str, code: str) -> dict:
        return self.run(session_id, "COMPOSIO_REMOTE_WORKBENCH", code_to_execute=code)["data"]

    def bash(self, session_id: str, command: str) -> dict:
        return self.run(session_id, "COMPOSIO_REMOTE_BASH_TOOL", command=command)["data"]


@pytest.fixture
def client(pkg_server):
    found = Client(pkg_server)
    yield found
    found.http.close()


@needs_sandbox
def test_an_install_imports_at_once_and_in_later_calls_and_is_logged(client, pkg_server):
    session = client.session()
    first = client.python(
        session,
        "data, error = install_packages(['vktab'])\nimport vktab\n(error, data['installed'], vktab.VERSION)",
    )
    assert first["results"] == "(None, [{'name': 'vktab', 'version': '1.0'}], '1.0')", first
    later = client.python(session, "import vktab, sys\nvktab.__file__")
    assert later["results"] == "'/opt/workbench/packages/vktab/__init__.py'"
    # `pip install` in bash is the same brokered install (runtime/bin/pip), and python in bash sees it
    shell = client.bash(session, "pip install vkpair && python -c 'import vkpair; print(vkpair.VERSION)'")
    assert shell["exit_code"] == 0, shell
    assert shell["stdout"].split()[-1] == "1.0" and "Successfully installed vkpair-1.0" in shell["stdout"]
    assert str(pkg_server.settings.workbench_package_find_links) not in shell["stdout"]  # no server paths
    assert "<find-links>" in shell["stdout"]
    assert client.bash(session, "pip install -q vkpair")["stdout"] == ""
    # `%pip install` in the kernel too, and refusals reach the caller
    magic = client.python(session, "%pip install vktab==2.0")
    assert "vktab 2.0 is outside the versions this server allows" in magic["stderr"]
    refused = client.python(session, "install_packages(['vkparent'])")
    assert "vkchild 1.0 (not on the allow-list)" in refused["results"]
    assert (
        client.python(session, "import importlib.util\nimportlib.util.find_spec('vkparent')")["results"]
        is None
    )

    rows = client.http.post(f"{V3}/logs/tool_execution", json={"limit": 50}).json()["logs"]
    details = [
        json.dumps(client.http.get(f"{V3}/logs/tool_execution/{r['id']}").json())
        for r in rows
        if r["tool_slug"] == "COMPOSIO_REMOTE_WORKBENCH"
    ]
    assert any('"helper": "install_packages"' in d and '"packages": ["vkparent"]' in d for d in details)
    assert any('"packages": ["vktab"]' in d and '"successful": true' in d for d in details)


@needs_sandbox
def test_the_packages_folder_is_read_only_private_and_deleted_with_the_session(client, pkg_server):
    session = client.session()
    installed = client.python(session, "install_packages('vktab')[1] is None")
    assert installed["results"] == "True", installed
    write = client.bash(
        session, "touch /opt/workbench/packages/vktab/evil.py; echo x > /opt/workbench/packages/x"
    )
    assert write["exit_code"] != 0 and "Read-only file system" in write["stderr"]
    folder = packages.folder(pkg_server.settings, client.keys.id, session)
    assert sorted(p.name for p in folder.iterdir()) == ["vktab", "vktab-1.0.dist-info"]

    other = client.session()  # another session of the same project sees none of it
    assert client.bash(other, "ls -A /opt/workbench/packages")["stdout"] == ""
    missing = client.python(other, "import vktab")
    assert missing["error"] == "ModuleNotFoundError: No module named 'vktab'"

    assert client.http.delete(f"{SESSIONS}/{session}").status_code < 300
    assert not folder.exists()
