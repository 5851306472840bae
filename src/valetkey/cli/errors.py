"""CLI errors: what was wrong and how to fix it, printed without a traceback (exit code 1, or 2 for usage).

Raise `CliError` from any command; typer prints it through click's error path.
`from_api_error` keeps a domain error's `suggested_fix`; `remote.py` builds one
from a server's error object.
"""

from __future__ import annotations

import typer

from valetkey.core.errors import ApiError

# typer 0.2x vendors its own click and catches only that click's exceptions; BadParameter is the
# public name of one of them, so its base is the ClickException typer prints without a traceback.
ClickException: type[Exception] = next(
    base for base in typer.BadParameter.__mro__ if base.__name__ == "ClickException"
)


class CliError(ClickException):  # type: ignore[valid-type,misc]
    """A failure the user can act on: `message` says what went wrong, `fix` what to do about it."""

    def __init__(self, message: str, fix: str | None = None, *, exit_code: int = 1):
        super().__init__(message)
        self.fix = fix
        self.exit_code = exit_code

    def format_message(self) -> str:
        return f"{self.message}\nfix: {self.fix}" if self.fix else self.message

    def show(self, file: object = None) -> None:  # without rich: the same two lines on stderr
        typer.echo(f"error: {self.format_message()}", err=True)


def from_api_error(exc: ApiError) -> CliError:
    return CliError(exc.message, exc.suggested_fix)
