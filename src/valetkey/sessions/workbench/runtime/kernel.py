"""Runs INSIDE the sandbox: the session's ipykernel, started by the bridge (``python kernel.py CONNECTION_FILE``).

Two things differ from ``python -m ipykernel_launcher``:

- **No debugger.** ipykernel imports debugpy (pydevd) at start when it is installed, to
  serve Jupyter's debug protocol: about 0.2 s of CPU, most of the kernel's own start-up,
  and a debugger is the last thing a sandbox should offer. Marking ``debugpy`` absent in
  ``sys.modules`` makes ipykernel start without one (``import debugpy`` in the session's
  code then fails too).
- **The helpers are in the namespace before the first request**, pushed into the shell
  here rather than run as a first cell by the bridge (one round trip fewer at start;
  ``%pip`` is registered once the shell exists).

``sys.path[0]`` is then the session's folder (``''``, the kernel's working directory
``/mnt/files``), as under ``-m``: modules the session writes there import.
"""

from __future__ import annotations

import sys

sys.modules["debugpy"] = None  # type: ignore[assignment]  # ipykernel then runs without a debugger

from ipykernel.kernelapp import IPKernelApp  # noqa: E402


def main(connection_file: str) -> None:
    app = IPKernelApp.instance()
    app.initialize(["-f", connection_file])
    import workbench_helpers  # the runtime folder is sys.path[0]: this script's folder

    sys.path[0] = ""
    app.shell.push({name: getattr(workbench_helpers, name) for name in workbench_helpers.__all__}, False)
    app.start()


if __name__ == "__main__":
    main(sys.argv[1])
