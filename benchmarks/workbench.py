"""Workbench figures: sandbox cold start, warm call latency, memory per idle sandbox, concurrent sandboxes.

    python benchmarks/workbench.py [--venv PATH] [--calls 300] [--concurrent 4] [--cold 20] [--json]

Runs the production sandbox (bubblewrap, seccomp, rlimits, the bridge and an ipykernel)
through `valetkey.sessions.workbench.process.Workbench`, the layer COMPOSIO_REMOTE_WORKBENCH
calls, with a no-op helper broker. The venv is `valetkey workbench setup`'s (default: the
tests' cache, ~/.cache/valetkey-workbench/venv-<pins hash>; built when missing).

- cold start: from spawning bwrap to the kernel answering (the first call of a session), p50 and p99
  (goal ≤ 1.5 s);
- warm call: one ``1 + 1`` round trip to a running kernel, p50 and p99 (goal ≤ 50 ms);
- memory: the resident set of every process of one idle sandbox (from its pids cgroup, or its
  process tree);
- concurrent: N sandboxes started together, then one call on each at once;
- package install: `install_packages` of one small allow-listed wheel from a local
  find-links folder (pip run by the server with the sandbox venv's Python), median of 5.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from valetkey.core.settings import Settings  # noqa: E402
from valetkey.sessions.workbench import disk, packages, sandbox  # noqa: E402
from valetkey.sessions.workbench.process import Workbench, new_run_dir  # noqa: E402
from valetkey.sessions.workbench.setup import REQUIREMENTS, is_ready, setup_venv  # noqa: E402


def default_venv() -> Path:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    return Path("~/.cache/valetkey-workbench").expanduser() / f"venv-{digest}"


async def broker(helper: str, arguments: dict) -> dict:
    return {"data": None, "error": None}


CREATED: list[Path] = []


def new_workbench(venv: Path) -> Workbench:
    CREATED.append(Path(tempfile.mkdtemp(prefix="vkwb-bench-")))
    files = CREATED[-1] / "mount"
    layout = sandbox.Layout(
        venv=venv,
        files=files,
        run=new_run_dir(),
        packages=CREATED[-1] / "packages",
        max_file_bytes=100 * 1024 * 1024,
        size=sandbox.SIZES["standard"],
    )
    # As in production (VALETKEY_WORKBENCH_FILES_QUOTA=auto): the hard /mnt/files bound where this host allows it.
    quota = Settings().session_files_max_bytes if disk.unavailable() is None else None
    return Workbench(layout, broker, files_quota=quota)


def _children(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def rss_bytes(workbench: Workbench) -> int:
    assert workbench.process is not None
    pids: set[int] = set()
    queue = [workbench.process.pid]
    while queue:
        pid = queue.pop()
        if pid in pids:
            continue
        pids.add(pid)
        try:
            queue += _children(pid)[1:]
        except OSError:
            continue
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def package_install_s(venv: Path) -> float:
    """Median seconds of one brokered install (the server's side: checks, pip, dist-info checks, move)."""
    root = Path(tempfile.mkdtemp(prefix="vkwb-bench-pkgs-"))
    CREATED.append(root)
    wheels = root / "wheels"
    wheels.mkdir()
    with zipfile.ZipFile(wheels / "vkbench-1.0-py3-none-any.whl", "w") as archive:
        archive.writestr("vkbench/__init__.py", "VALUE = 1\n")
        archive.writestr(
            "vkbench-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: vkbench\nVersion: 1.0\n"
        )
        archive.writestr(
            "vkbench-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        archive.writestr(
            "vkbench-1.0.dist-info/RECORD",
            "vkbench/__init__.py,,\nvkbench-1.0.dist-info/METADATA,,\nvkbench-1.0.dist-info/WHEEL,,\n"
            "vkbench-1.0.dist-info/RECORD,,\n",
        )
    settings = Settings(
        home=root,
        workbench_venv=venv,
        workbench_packages_allow="vkbench==1.0",
        workbench_package_find_links=wheels,
    )
    times = []
    for attempt in range(5):
        started = time.perf_counter()
        packages.install(settings, root / f"target-{attempt}", ["vkbench"])
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def measure(venv: Path, calls: int, concurrent: int, cold: int) -> dict:
    figures: dict = {}
    colds = []
    for _ in range(cold):
        workbench = new_workbench(venv)
        started = time.perf_counter()
        await workbench.start()
        colds.append(time.perf_counter() - started)
        await workbench.stop()
    figures["cold_start_s"] = {
        "p50": percentile(colds, 0.5),
        "p99": percentile(colds, 0.99),
        "min": min(colds),
        "runs": cold,
    }

    workbench = new_workbench(venv)
    await workbench.start()
    for _ in range(20):
        await workbench.call({"op": "python", "code": "1 + 1"}, 10)
    warm = []
    for _ in range(calls):
        started = time.perf_counter()
        await workbench.call({"op": "python", "code": "1 + 1"}, 10)
        warm.append((time.perf_counter() - started) * 1000)
    figures["warm_call_ms"] = {"p50": percentile(warm, 0.5), "p99": percentile(warm, 0.99)}
    bash = []
    for _ in range(max(20, calls // 10)):
        started = time.perf_counter()
        await workbench.call({"op": "bash", "command": "true"}, 10)
        bash.append((time.perf_counter() - started) * 1000)
    figures["warm_bash_ms"] = {"p50": percentile(bash, 0.5), "p99": percentile(bash, 0.99)}
    await asyncio.sleep(1)
    figures["idle_rss_mib"] = rss_bytes(workbench) / 1024 / 1024
    await workbench.call({"op": "python", "code": "import pandas, numpy, matplotlib.pyplot"}, 60)
    figures["idle_rss_with_pandas_mib"] = rss_bytes(workbench) / 1024 / 1024
    await workbench.stop()

    many = [new_workbench(venv) for _ in range(concurrent)]
    started = time.perf_counter()
    await asyncio.gather(*(w.start() for w in many))
    figures["concurrent_start_s"] = {"sandboxes": concurrent, "all_ready": time.perf_counter() - started}
    latencies: list[float] = []

    async def one(w: Workbench) -> None:
        began = time.perf_counter()
        await w.call({"op": "python", "code": "sum(range(100000))"}, 30)
        latencies.append((time.perf_counter() - began) * 1000)

    for _ in range(10):
        await asyncio.gather(*(one(w) for w in many))
    figures["concurrent_call_ms"] = {"p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99)}
    await asyncio.gather(*(w.stop() for w in many))
    figures["package_install_s"] = package_install_s(venv)
    for made in CREATED:
        shutil.rmtree(made, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--venv", type=Path, default=None)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--concurrent", type=int, default=4)
    parser.add_argument("--cold", type=int, default=20, help="cold starts measured")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    venv = args.venv or default_venv()
    setup_seconds = None
    if not is_ready(venv):
        setup_seconds = setup_venv(venv, "/usr/bin/python3").seconds
    sandbox.check_available()
    figures = asyncio.run(measure(venv, args.calls, args.concurrent, args.cold))
    if setup_seconds is not None:
        figures["setup_s"] = setup_seconds
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for name, value in figures.items():
        if isinstance(value, dict):
            print(
                f"{name:28} "
                + "  ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in value.items())
            )
        else:
            print(f"{name:28} {value:.2f}")


if __name__ == "__main__":
    main()
