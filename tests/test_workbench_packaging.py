"""A non-editable install carries what runs inside the sandbox: the wheel has runtime/, and a sandbox starts from it.

The runtime folder (`bridge.py`, `kernel.py`, `workbench_helpers.py`, the `pip` shim) is not a
Python package, so only `[tool.setuptools.package-data]` puts it in a wheel. The test builds the
wheel from a copy of this tree (`pip wheel --no-deps --no-build-isolation`, no index), installs it
into a folder of its own, and starts a real sandbox with that installed copy's runtime.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.support.workbench import needs_sandbox

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = "valetkey/sessions/workbench/runtime/"
EXPECTED = {"bridge.py", "kernel.py", "workbench_helpers.py", "bin/pip", "bin/pip3"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    tree = work / "tree"
    shutil.copytree(
        ROOT,
        tree,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".sdk", "node_modules", "__pycache__", "*.egg-info", "build", "dist", ".*cache"
        ),
    )
    out = work / "out"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(out), str(tree)],
        check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    (built,) = out.glob("valetkey-*.whl")
    return built


def test_the_wheel_holds_the_sandbox_runtime(wheel):
    with zipfile.ZipFile(wheel) as archive:
        infos = {info.filename: info for info in archive.infolist()}
    runtime = {name[len(RUNTIME) :]: info for name, info in infos.items() if name.startswith(RUNTIME)}
    assert EXPECTED <= set(runtime), sorted(runtime)
    for shim in ("bin/pip", "bin/pip3"):  # run from the sandbox's PATH: executable
        assert (runtime[shim].external_attr >> 16) & 0o111, shim
    assert "valetkey/sessions/workbench/requirements.txt" in infos


@needs_sandbox
def test_a_sandbox_runs_from_the_installed_wheel(wheel, tmp_path, workbench_venv):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    script = textwrap.dedent(
        """
        import asyncio, json, sys, tempfile
        from pathlib import Path
        from valetkey.sessions.workbench import sandbox
        from valetkey.sessions.workbench.process import Workbench, new_run_dir

        async def broker(helper, arguments):
            return {"data": None, "error": None}

        async def main():
            root = Path(tempfile.mkdtemp())
            layout = sandbox.Layout(
                venv=Path(sys.argv[1]), files=root / "mount", run=new_run_dir(), packages=root / "packages",
                max_file_bytes=1024 * 1024, size=sandbox.SIZES["standard"],
            )
            workbench = Workbench(layout, broker)
            await workbench.start()
            try:
                python = await workbench.call({"op": "python", "code": "callable(run_composio_tool)"}, 30)
                bash = await workbench.call({"op": "bash", "command": "command -v pip"}, 30)
            finally:
                await workbench.stop()
            print(json.dumps({"runtime": str(sandbox.RUNTIME), "python": python, "bash": bash}))

        asyncio.run(main())
        """
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(workbench_venv)],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]

    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["runtime"].startswith(str(target)), answer["runtime"]  # the installed copy, not this tree
    assert answer["python"]["result"] == "True", answer["python"]
    assert answer["bash"]["stdout"].strip() == "/opt/workbench/runtime/bin/pip", answer["bash"]
