"""`valetkey workbench setup`: the sandbox's own Python, a venv made from pinned requirements.

The venv is built with the operator's interpreter (`VALETKEY_WORKBENCH_PYTHON`, default
``/usr/bin/python3``: it must live under ``/usr``, which the sandbox mounts read-only)
into `VALETKEY_WORKBENCH_VENV` (default ``VALETKEY_HOME/workbench/venv``), and mounted
read-only at ``/opt/workbench/venv`` in every sandbox. Nothing of Valetkey is installed
there. A ``valetkey-requirements.txt`` copy inside the venv records what it was built
from; `is_ready` compares it, so a changed pin means a rebuild.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("requirements.txt")
STAMP = "valetkey-requirements.txt"


@dataclass(frozen=True)
class SetupResult:
    venv: Path
    seconds: float
    rebuilt: bool


def is_ready(venv: Path) -> bool:
    stamp = venv / STAMP
    return (
        (venv / "bin" / "python").exists()
        and stamp.is_file()
        and stamp.read_text() == REQUIREMENTS.read_text()
    )


def setup_venv(venv: Path, python: str, *, force: bool = False, log=print) -> SetupResult:
    """Create (or rebuild, when the pins changed or `force`) the sandbox venv at `venv`."""
    started = time.monotonic()
    if is_ready(venv) and not force:
        return SetupResult(venv, time.monotonic() - started, False)
    if not Path(python).is_file():
        raise SystemExit(f"VALETKEY_WORKBENCH_PYTHON: no interpreter at {python}")
    staging = venv.with_name(venv.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    log(f"Creating the workbench venv with {python} ...")
    subprocess.run([python, "-m", "venv", str(staging)], check=True)
    log(
        "Installing the pinned requirements (pandas, numpy, matplotlib, Pillow, reportlab, ipykernel, ...) ..."
    )
    subprocess.run(
        [
            str(staging / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-input",
            "-r",
            str(REQUIREMENTS),
        ],
        check=True,
    )
    (staging / STAMP).write_text(REQUIREMENTS.read_text())
    # Compile now: the sandbox mounts the venv read-only and could not write its bytecode.
    subprocess.run([str(staging / "bin" / "python"), "-m", "compileall", "-q", str(staging)], check=False)
    shutil.rmtree(venv, ignore_errors=True)
    staging.rename(venv)
    # A venv's paths are absolute; it runs at /opt/workbench/venv in the sandbox, so the scripts are unused.
    return SetupResult(venv, time.monotonic() - started, True)
