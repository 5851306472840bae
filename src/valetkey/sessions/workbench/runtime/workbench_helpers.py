"""Runs INSIDE the sandbox: the helpers pre-imported in every workbench kernel.

Each brokered helper is one JSON request over the Unix socket
``/run/workbench/broker.sock`` carrying the session's capability (read from
``/run/workbench/capability``: it names this session and nothing else, and is not an
API key). The server checks every call against the session's policy. There is no
other way out of the sandbox: no network, no credentials in the environment.

Results are `FlexDict`s: a missing key resolves to its case or separator variant
(``result["apiKey"]`` finds ``api_key``), the "error correction" Composio's docs
describe.
"""

from __future__ import annotations

import csv
import importlib
import json
import os
import re
import shlex
import shutil
import socket
import sys
from typing import Any

__all__ = [
    "FlexDict",
    "install_packages",
    "invoke_llm",
    "proxy_execute",
    "run_composio_tool",
    "smart_file_extract",
    "upload_local_file",
    "web_search",
]

RUN = os.environ.get("WORKBENCH_RUN", "/run/workbench")
BROKER = RUN + "/broker.sock"
CAPABILITY = RUN + "/capability"
MOUNT = os.environ.get("WORKBENCH_FILES", "/mnt/files")
PACKAGES = os.environ.get("WORKBENCH_PACKAGES", "/opt/workbench/packages")
PIP_USAGE = (
    "pip in the workbench installs only the packages this server allow-lists, through the server: "
    "pip install [-q] [-U] NAME[==VERSION] ... (other pip options are not accepted)"
)


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


class FlexDict(dict):
    """A dict whose missing keys resolve to a case/separator variant (``apiKey`` ~ ``api_key`` ~ ``API-KEY``)."""

    def __missing__(self, key: Any) -> Any:
        if isinstance(key, str):
            wanted = _norm(key)
            for existing in self.keys():
                if isinstance(existing, str) and _norm(existing) == wanted:
                    return dict.__getitem__(self, existing)
        raise KeyError(key)

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        return isinstance(key, str) and any(
            isinstance(k, str) and _norm(k) == _norm(key) for k in self.keys()
        )


def _flex(value: Any) -> Any:
    if isinstance(value, dict):
        return FlexDict({k: _flex(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_flex(v) for v in value]
    return value


def _call(helper: str, **arguments: Any) -> tuple[Any, Any]:
    with open(CAPABILITY) as file:
        capability = file.read().strip()
    request = (
        json.dumps({"capability": capability, "helper": helper, "arguments": arguments}).encode() + b"\n"
    )
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(BROKER)
        conn.sendall(request)
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            if chunk.endswith(b"\n"):
                break
    answer = json.loads(b"".join(chunks) or b"{}")
    return _flex(answer.get("data")), answer.get("error")


def run_composio_tool(slug: str, arguments: dict | None = None, **kwargs: Any) -> tuple[Any, Any]:
    """Run a tool as the session's user: ``(data, error)``, ``error`` None on success."""
    return _call("run_composio_tool", slug=slug, arguments={**(arguments or {}), **kwargs})


def proxy_execute(
    method: str,
    endpoint: str,
    toolkit: str,
    body: Any = None,
    parameters: list | None = None,
    **_ignored: Any,
) -> tuple[Any, Any]:
    """An authenticated request to a toolkit's API with the session's account: ``(data, error)``."""
    if _ignored:
        return None, f"proxy_execute() got unexpected arguments: {', '.join(sorted(_ignored))}"
    return _call(
        "proxy_execute",
        method=method,
        endpoint=endpoint,
        toolkit=toolkit,
        body=body,
        parameters=parameters or [],
    )


def upload_local_file(*paths: str) -> Any:
    """Store files and get signed download URLs (a dict for one path, a list for several)."""
    results = []
    for path in paths:
        real = os.path.realpath(path)
        if not real.startswith(MOUNT + "/"):
            if not os.path.isfile(real):
                raise FileNotFoundError(path)
            os.makedirs(f"{MOUNT}/uploads", exist_ok=True)
            target = f"{MOUNT}/uploads/{os.path.basename(real)}"
            shutil.copyfile(real, target)
            real = target
        data, error = _call("upload_local_file", path=real[len(MOUNT) + 1 :])
        if error:
            raise RuntimeError(error)
        results.append(data)
    return results[0] if len(results) == 1 else results


def invoke_llm(prompt: str, **_options: Any) -> tuple[Any, Any]:
    """The operator's model: ``(text, error)``."""
    if _options:
        return None, f"invoke_llm() got unexpected arguments: {', '.join(sorted(_options))}"
    return _call("invoke_llm", prompt=prompt)


def web_search(query: str) -> tuple[Any, Any]:
    """The operator's search provider: ``(results, error)``."""
    return _call("web_search", query=query)


def install_packages(requirements: list[str] | str, *more: str) -> tuple[Any, Any]:
    """Install allow-listed packages (the server runs pip, outside the sandbox): ``({installed, output}, error)``.

    They are importable at once (the session's packages folder is on sys.path) and in later calls.
    """
    asked = [requirements] if isinstance(requirements, str) else list(requirements)
    data, error = _call("install_packages", requirements=[*asked, *more])
    if error is None:
        if PACKAGES not in sys.path:
            sys.path.insert(0, PACKAGES)
        importlib.invalidate_caches()
    return data, error


def _pip_install(arguments: list[str]) -> int:
    """``pip install ...`` (the shim and ``%pip``): the brokered install; its output printed, 0 or 1."""
    quiet, requirements = False, []
    for argument in arguments:
        if argument in ("-q", "--quiet"):
            quiet = True
        elif argument in ("-U", "--upgrade"):
            continue  # an install always takes the newest version the allow-list and the request permit
        elif argument.startswith("-"):
            print(f"pip: {argument} is not accepted here. {PIP_USAGE}", file=sys.stderr)
            return 2
        else:
            requirements.append(argument)
    if not requirements:
        print(PIP_USAGE, file=sys.stderr)
        return 2
    data, error = install_packages(requirements)
    if error is not None:
        print(error, file=sys.stderr)
        return 1
    if not quiet:
        print(data.get("output", "").rstrip())  # pip's own, ending "Successfully installed ..."
    return 0


def pip_main(arguments: list[str]) -> int:
    """The sandbox's ``pip`` command: ``install`` goes to the broker; anything else is the venv's pip."""
    if arguments[:1] == ["install"]:
        return _pip_install(arguments[1:])
    os.execv(sys.executable, [sys.executable, "-m", "pip", *arguments])  # noqa: S606 (no shell: argv as given)
    return 1  # not reached


def _register_pip_magic() -> None:
    """``%pip install ...`` in the kernel: the brokered install instead of IPython's (which runs pip here)."""
    ipython = sys.modules.get("IPython")  # imported in a kernel; the pip shim does not pay for it
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return

    def pip(line: str) -> None:
        arguments = shlex.split(line)
        if arguments[:1] != ["install"]:
            print(f"%pip {arguments[0] if arguments else ''}: only install is brokered here. {PIP_USAGE}")
            return
        _pip_install(arguments[1:])

    shell.register_magic_function(pip, "line", "pip")


def smart_file_extract(path: str) -> tuple[Any, Any]:
    """Text of a PDF, DOCX, XLSX, CSV or text file, read here in the sandbox: ``(text, error)``."""
    lower = path.lower()
    try:
        if lower.endswith(".pdf"):
            from pypdf import PdfReader

            return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages), None
        if lower.endswith(".docx"):
            import docx

            return "\n".join(p.text for p in docx.Document(path).paragraphs), None
        if lower.endswith((".xlsx", ".xlsm")):
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            lines = []
            for sheet in book.worksheets:
                lines.append(f"# {sheet.title}")
                for row in sheet.iter_rows(values_only=True):
                    lines.append(",".join("" if v is None else str(v) for v in row))
            return "\n".join(lines), None
        if lower.endswith(".csv"):
            with open(path, newline="") as file:
                return "\n".join(",".join(row) for row in csv.reader(file)), None
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read(), None
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"


_register_pip_magic()
