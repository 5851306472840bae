"""docs/quickstart.md, run: every fenced block in order against a real server and sandbox, so the doc cannot drift.

Blocks whose info string says ``skip`` (``bash skip``) are the ones this test
does itself (starting the two servers). Ports 8000 and 8001 in the text become
the free ports the test chose. ``bash`` blocks run with ``set -euo pipefail`` in
one folder, each seeing what the blocks before it exported; ``python`` blocks
run in one namespace, with the environment the bash blocks built.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import _free_port
from tests.test_first_run import SRC, _env, _start

DOC = Path(__file__).resolve().parents[1] / "docs" / "quickstart.md"
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.M | re.S)


def blocks(text: str) -> list[tuple[str, str]]:
    """(language, code) of every block not marked skip."""
    return [(lang, code) for lang, info, code in BLOCK.findall(text) if "skip" not in info.split()]


def test_the_doc_has_blocks_of_both_kinds():
    found = blocks(DOC.read_text())
    assert {lang for lang, _ in found} == {"bash", "python"} and len(found) >= 8
    assert all(lang in ("bash", "python") for lang, _ in found), "an unknown block language would not run"


def test_quickstart(tmp_path, monkeypatch):
    sandbox_port, port = _free_port(), _free_port()
    sandbox, server = f"http://127.0.0.1:{sandbox_port}", f"http://127.0.0.1:{port}"
    work = tmp_path / "work"
    shims = tmp_path / "bin"
    work.mkdir()
    shims.mkdir()
    # `valetkey` and `python3` as a reader's venv has them.
    (shims / "valetkey").write_text(f'#!/usr/bin/env bash\nexec "{sys.executable}" -m valetkey "$@"\n')
    (shims / "python3").write_text(f'#!/usr/bin/env bash\nexec "{sys.executable}" "$@"\n')
    for shim in shims.iterdir():
        shim.chmod(0o755)
    env = _env(tmp_path, VALETKEY_PUBLIC_URL=server)
    env["PATH"] = f"{shims}:{env['PATH']}"
    procs = [
        _start(["sandbox", "serve", "--port", str(sandbox_port)], env, sandbox, tmp_path / "sandbox.log")
    ]
    try:
        procs.append(
            _start(
                ["serve", "--port", str(port), "--sandbox", sandbox],
                env,
                f"{server}/health",
                tmp_path / "serve.log",
            )
        )
        text = DOC.read_text().replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        text = text.replace("127.0.0.1:8001", f"127.0.0.1:{sandbox_port}")
        state = tmp_path / "state.sh"
        state.write_text("")
        namespace: dict[str, object] = {"__name__": "quickstart"}
        monkeypatch.chdir(work)
        monkeypatch.syspath_prepend(str(work))
        for n, (lang, code) in enumerate(blocks(text), 1):
            if lang == "bash":
                script = f"set -euo pipefail\nsource {state}\n{code}\nexport -p > {state}\n"
                run = subprocess.run(
                    ["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=300
                )
                assert run.returncode == 0, (
                    f"block {n} failed:\n{code}\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}"
                )
            else:
                exported = subprocess.run(
                    ["bash", "-c", f"source {state}; env -0"], env=env, capture_output=True, check=True
                ).stdout.decode()
                for item in filter(None, exported.split("\0")):
                    name, _, value = item.partition("=")
                    if name.startswith(("COMPOSIO_", "VALETKEY_")):
                        monkeypatch.setenv(name, value)
                try:
                    exec(compile(code, f"quickstart block {n}", "exec"), namespace)
                except Exception as exc:  # the block and the error, not only a traceback into exec
                    pytest.fail(f"block {n} failed: {exc!r}\n{code}")
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)
    assert os.path.exists(work / "my_types" / "github.py")
    assert SRC  # the servers ran this checkout's code
