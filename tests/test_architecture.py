"""The import contract (docs/architecture.md) holds: every import points down a layer.

`lint-imports` reads `[tool.importlinter]` in pyproject.toml. The second test
plants an upward import in a copy of the package and checks the contract
catches it, so a contract that checks nothing cannot pass here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_import_points_down_a_layer():
    result = lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    shutil.copytree(
        ROOT / "src" / "valetkey", tmp_path / "valetkey", ignore=shutil.ignore_patterns("__pycache__")
    )
    ids = tmp_path / "valetkey" / "core" / "ids.py"
    ids.write_text(
        ids.read_text()
        + "\n\ndef _upward() -> None:\n    import valetkey.connections.refresh  # noqa: F401\n"
    )
    sandbox_user = tmp_path / "valetkey" / "execution" / "models.py"
    sandbox_user.write_text(
        sandbox_user.read_text() + "\nimport valetkey.sandbox.emulator  # noqa: E402, F401\n"
    )
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "valetkey.core.ids -> valetkey.connections.refresh" in result.stdout
    assert "valetkey.execution.models -> valetkey.sandbox.emulator" in result.stdout
    assert "2 broken" in result.stdout
