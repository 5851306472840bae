"""The CLI's login: which server and project key `valetkey` commands talk to.

Stored as JSON in ``$XDG_CONFIG_HOME/valetkey/cli.json`` (``~/.config/valetkey/cli.json``
when the variable is unset), not in ``VALETKEY_HOME``: that folder is a server's
data, and the CLI usually talks to a server on another machine. The folder is
created 0700 and the file written 0600 (through a temporary file renamed into
place, so a reader never sees half a file and the key is never world-readable,
even for a moment).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from valetkey.cli.errors import CliError

FILENAME = "cli.json"


@dataclass(frozen=True)
class Login:
    url: str
    api_key: str

    @property
    def key_hint(self) -> str:
        """The key's last four characters, the only part `whoami` shows."""
        return "..." + self.api_key[-4:]


def config_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    root = env.get("XDG_CONFIG_HOME", "").strip() or str(Path("~/.config").expanduser())
    return Path(root) / "valetkey"


def config_path() -> Path:
    return config_dir() / FILENAME


def save(login: Login) -> Path:
    folder = config_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # an existing folder too: it holds a secret
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".cli-", suffix=".json")  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(asdict(login), out)
        os.replace(tmp, folder / FILENAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return folder / FILENAME


def load() -> Login:
    """The stored login; a `CliError` saying to run `valetkey login` when there is none or it is unreadable."""
    path = config_path()
    try:
        data = json.loads(path.read_text())
        return Login(url=str(data["url"]), api_key=str(data["api_key"]))
    except FileNotFoundError:
        raise CliError(
            "not logged in to a Valetkey server",
            "run `valetkey login --url http://127.0.0.1:8000` (it asks for the project API key)",
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CliError(f"cannot read {path}: {exc}", "run `valetkey login` again to rewrite it") from None


def remove() -> bool:
    """Forget the login; False when there was none."""
    try:
        config_path().unlink()
    except FileNotFoundError:
        return False
    return True
