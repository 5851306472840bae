"""`valetkey workbench setup`: build the workbench sandbox's Python venv from its pinned requirements."""

from __future__ import annotations

import typer
from rich.console import Console

from valetkey.core.settings import Settings

console = Console(stderr=True)
app = typer.Typer(no_args_is_help=True, help="The sessions' code workbench (docs/workbench.md).")


@app.command()
def setup(
    force: bool = typer.Option(False, "--force", help="Rebuild even when the venv matches the pins."),
) -> None:
    """Create VALETKEY_WORKBENCH_VENV (default VALETKEY_HOME/workbench/venv) with pandas, numpy, matplotlib, ..."""
    from valetkey.sessions.workbench import sandbox
    from valetkey.sessions.workbench.setup import setup_venv

    settings = Settings.from_env()
    result = setup_venv(
        settings.workbench_venv_path, settings.workbench_python, force=force, log=console.print
    )
    verb = "Built" if result.rebuilt else "Already up to date:"
    console.print(f"{verb} {result.venv} ({result.seconds:.1f} s)")
    if settings.workbench_unsafe_no_sandbox:
        console.print(
            "[bold red]VALETKEY_WORKBENCH_UNSAFE_NO_SANDBOX=1: workbench code will run unsandboxed.[/]"
        )
        return
    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as exc:
        console.print(f"[bold red]The sandbox cannot start on this host:[/] {exc}")
        raise typer.Exit(1) from None
    console.print("The sandbox (bubblewrap, namespaces, seccomp) is available.")
