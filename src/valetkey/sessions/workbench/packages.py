"""Workbench package installs: only what the operator allow-lists, only wheels, run outside the sandbox.

The sandbox has no network, so an install is a brokered helper (`install_packages` in
the kernel, `%pip install` and the `pip` shim on the sandbox's PATH). The server:

1. checks each requirement against `VALETKEY_WORKBENCH_PACKAGES_ALLOW` (requirement
   specifiers): a name not listed is refused, a pinned version outside the listed
   specifier is refused, and what pip is asked for is the request narrowed by the listed
   specifier; the whole allow-list is also pip's constraints file, so dependencies
   resolve to allowed versions;
2. runs pip with the sandbox venv's Python, here on the host (no code of the package
   runs: ``--only-binary=:all:``, so no build scripts, and installing a wheel only
   unpacks it), from the operator's index (`VALETKEY_WORKBENCH_PACKAGE_INDEX`) or
   local folder of wheels (`VALETKEY_WORKBENCH_PACKAGE_FIND_LINKS`, ``--no-index``),
   with ``--isolated`` and an environment of its own (nothing of the server's), within
   `VALETKEY_WORKBENCH_PACKAGE_TIMEOUT`, into a staging folder;
3. checks every distribution pip put there (dependencies included: pip resolves
   them, and each must itself be allowed, name and version) and the session's size
   limit (`VALETKEY_WORKBENCH_PACKAGES_MAX_BYTES`); only then moves them into the
   session's packages folder. A refused install leaves nothing behind.

The session's packages folder is mounted read-only in the sandbox at
``/opt/workbench/packages`` (on ``PYTHONPATH``) and deleted with the session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from valetkey.core.settings import Settings

MAX_REQUIREMENTS = 32
MAX_REQUIREMENT_CHARS = 200
MAX_OUTPUT_CHARS = 16_000
PASSED_THROUGH = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
)
_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


class PackageRefused(Exception):
    """An install the server will not do (or that failed); the message is for the agent."""


@dataclass(frozen=True)
class Distribution:
    name: str
    version: str
    metadata_dir: str


def allow_list(text: str) -> dict[str, SpecifierSet]:
    """The operator's allow-list: canonical name -> the versions allowed (all the item's specifiers, combined)."""
    allowed: dict[str, SpecifierSet] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        requirement = Requirement(item)  # Settings validated every item
        name = canonicalize_name(requirement.name)
        allowed[name] = allowed.get(name, SpecifierSet()) & requirement.specifier
    return allowed


def folder(settings: Settings, project_id: str, session_id: str) -> Path:
    """The session's packages folder on the host (mounted read-only at /opt/workbench/packages)."""
    return settings.home / "workbench" / "packages" / project_id / session_id


def remove(settings: Settings, project_id: str, session_id: str) -> None:
    shutil.rmtree(folder(settings, project_id, session_id), ignore_errors=True)


def _pinned(requirement: Requirement) -> Version | None:
    specs = list(requirement.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*"):
        try:
            return Version(specs[0].version)
        except InvalidVersion:
            return None
    return None


def _described(allowed: dict[str, SpecifierSet]) -> str:
    return ", ".join(f"{name}{spec}" for name, spec in sorted(allowed.items()))


def checked_requirements(requested: Any, allowed: dict[str, SpecifierSet]) -> list[str]:
    """What pip is asked for: each request, allowed by name and narrowed to the allowed versions."""
    if (
        not isinstance(requested, list)
        or not requested
        or not all(isinstance(item, str) and item.strip() for item in requested)
    ):
        raise PackageRefused(
            'install_packages(requirements): a list of requirement strings, e.g. ["tabulate"]'
        )
    if len(requested) > MAX_REQUIREMENTS:
        raise PackageRefused(f"install_packages: at most {MAX_REQUIREMENTS} requirements in one install")
    wanted = []
    for item in requested:
        if len(item) > MAX_REQUIREMENT_CHARS:
            raise PackageRefused(
                f"install_packages: a requirement longer than {MAX_REQUIREMENT_CHARS} characters"
            )
        try:
            requirement = Requirement(item.strip())
        except InvalidRequirement:
            raise PackageRefused(
                f"{item!r} is not a requirement specifier (a name and optional versions, e.g. tabulate==0.9.0)"
            ) from None
        if requirement.url or requirement.marker:
            raise PackageRefused(f"{item!r}: URLs and environment markers are not accepted; name a package")
        name = canonicalize_name(requirement.name)
        if name not in allowed:
            raise PackageRefused(
                f"{requirement.name} is not on this server's package allow-list "
                f"(VALETKEY_WORKBENCH_PACKAGES_ALLOW); allowed: {_described(allowed)}."
            )
        pinned = _pinned(requirement)
        if pinned is not None and not allowed[name].contains(pinned, prereleases=True):
            raise PackageRefused(
                f"{requirement.name} {pinned} is outside the versions this server allows "
                f"({requirement.name}{allowed[name] or ' (any)'})."
            )
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        wanted.append(f"{name}{extras}{requirement.specifier & allowed[name]}")
    return wanted


def source_arguments(settings: Settings) -> list[str]:
    if settings.workbench_package_find_links is not None:
        return ["--no-index", "--find-links", str(settings.workbench_package_find_links)]
    if settings.workbench_package_index:
        return ["--index-url", settings.workbench_package_index]
    raise PackageRefused(
        "Package installs need a package source and this server has none configured (the operator sets "
        "VALETKEY_WORKBENCH_PACKAGE_INDEX to an index URL or VALETKEY_WORKBENCH_PACKAGE_FIND_LINKS to a folder "
        "of wheels)."
    )


def distributions(root: Path) -> list[Distribution]:
    """The distributions installed in `root` (their .dist-info metadata)."""
    found = []
    for entry in sorted(root.iterdir()):
        if not entry.name.endswith(".dist-info") or not entry.is_dir():
            continue
        try:
            headers = HeaderParser().parsestr((entry / "METADATA").read_text(errors="replace"))
        except OSError:
            headers = None
        name = headers.get("Name") if headers else None
        version = headers.get("Version") if headers else None
        found.append(Distribution(str(name or entry.name), str(version or ""), entry.name))
    return found


def _refusals(installed: list[Distribution], allowed: dict[str, SpecifierSet]) -> list[str]:
    refused = []
    for dist in installed:
        spec = allowed.get(canonicalize_name(dist.name))
        if spec is None:
            refused.append(f"{dist.name} {dist.version} (not on the allow-list)")
            continue
        try:
            ok = spec.contains(Version(dist.version), prereleases=True)
        except InvalidVersion:
            ok = False
        if not ok:
            refused.append(f"{dist.name} {dist.version} (allowed: {dist.name}{spec})")
    return refused


def tree_bytes(root: Path) -> int:
    total = 0
    for base, _dirs, names in os.walk(root):
        for name in names:
            try:
                total += os.lstat(os.path.join(base, name)).st_size
            except OSError:
                pass
    return total


def _tail(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT_CHARS else "[...]\n" + text[-MAX_OUTPUT_CHARS:]


def _environment(home: str) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    env.update({name: os.environ[name] for name in PASSED_THROUGH if os.environ.get(name)})
    return env


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _merge(source: Path, destination: Path) -> None:
    """Move `source`'s entries into `destination`; folders both have (bin/, namespace packages) are merged."""
    for entry in source.iterdir():
        into = destination / entry.name
        if entry.is_dir() and not entry.is_symlink() and into.is_dir() and not into.is_symlink():
            _merge(entry, into)
        else:
            _remove(into)
            entry.rename(into)


def _commit(staging: Path, target: Path, installed: list[Distribution]) -> None:
    """Move the staged install into the session's folder, replacing earlier versions of the same distributions."""
    names = {canonicalize_name(dist.name) for dist in installed}
    for old in distributions(target):
        if canonicalize_name(old.name) in names:
            _remove(target / old.metadata_dir)
    _merge(staging, target)


def install(settings: Settings, target: Path, requested: Any) -> dict[str, Any]:
    """Install `requested` into the session's folder `target`: {installed, output}; PackageRefused otherwise."""
    allowed = allow_list(settings.workbench_packages_allow)
    if not allowed:
        raise PackageRefused(
            "Package installs are off on this server: the operator lists the packages the workbench may install "
            "in VALETKEY_WORKBENCH_PACKAGES_ALLOW."
        )
    wanted = checked_requirements(requested, allowed)
    source = source_arguments(settings)
    python = settings.workbench_venv_path / "bin" / "python"
    # The install runs inside a workbench call, so it gets no longer than a call may run.
    limit = min(settings.workbench_package_timeout, settings.workbench_call_timeout)
    target.mkdir(parents=True, exist_ok=True, mode=0o755)
    with _locks_guard:
        lock = _locks.setdefault(target, threading.Lock())
    with lock:
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}-pip-", dir=target.parent))
        try:
            staging = work / "target"
            constraints = work / "constraints.txt"
            constraints.write_text("".join(f"{name}{spec}\n" for name, spec in sorted(allowed.items())))
            command = [
                str(python), "-m", "pip", "install", "--isolated", "--no-input", "--disable-pip-version-check",
                "--no-cache-dir", "--progress-bar", "off", "--only-binary=:all:", "--target", str(staging),
                "--constraint", str(constraints), *source, *wanted,
            ]  # fmt: skip
            try:
                done = subprocess.run(
                    command,
                    capture_output=True,
                    text=True,
                    errors="replace",
                    timeout=limit,
                    env=_environment(str(work)),
                    cwd=str(work),
                    stdin=subprocess.DEVNULL,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                output = _text(exc.stdout) + _text(exc.stderr)
                raise PackageRefused(
                    f"pip ran past the install time limit of {limit:g} s and was stopped; nothing was "
                    f"installed.\n{_hide(_tail(output), work, settings)}"
                ) from None
            output = _hide(_tail(done.stdout + done.stderr), work, settings)
            if done.returncode != 0:
                raise PackageRefused(
                    f"pip could not install {', '.join(wanted)}; nothing was installed.\n{output}"
                )
            installed = distributions(staging) if staging.is_dir() else []
            refused = _refusals(installed, allowed)
            if refused:
                raise PackageRefused(
                    f"Installing {', '.join(wanted)} needs distributions this server does not allow: "
                    f"{'; '.join(refused)}. Nothing was installed; the operator may add them to "
                    "VALETKEY_WORKBENCH_PACKAGES_ALLOW."
                )
            used, adding = tree_bytes(target), tree_bytes(staging)
            limit = settings.workbench_packages_max_bytes
            if used + adding > limit:
                raise PackageRefused(
                    f"The install takes {adding} bytes and the session's packages already {used}: over the limit "
                    f"of {limit} (VALETKEY_WORKBENCH_PACKAGES_MAX_BYTES). Nothing was installed."
                )
            _commit(staging, target, installed)
            return {
                "installed": [{"name": dist.name, "version": dist.version} for dist in installed],
                "output": output,
            }
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _hide(output: str, work: Path, settings: Settings) -> str:
    """pip's output for the sandbox, without the server's paths."""
    output = output.replace(str(work / "target"), "/opt/workbench/packages").replace(str(work), "<pip>")
    if settings.workbench_package_find_links is not None:
        output = output.replace(str(settings.workbench_package_find_links), "<find-links>")
    return output


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""
