"""Settings: read from VALETKEY_* variables once, bad values named, the README table in step."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from valetkey.core.settings import Settings, variables

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_variables() -> set[str]:
    """The VALETKEY_* names in the first column of the README configuration table."""
    names = set()
    for line in README.read_text().splitlines():
        found = re.match(r"\|\s*`(VALETKEY_[A-Z0-9_]+)`", line)
        if found:
            names.add(found.group(1))
    return names


def test_every_setting_is_in_the_readme_table_and_every_row_is_a_setting():
    declared = set(variables())
    # VALETKEY_MANAGED_AUTH_<TOOLKIT>_*: per-toolkit names read by valetkey.connections.managed, not settings.
    documented = {name for name in readme_variables() if not name.startswith("VALETKEY_MANAGED_AUTH_")}
    assert declared - documented == set(), "settings missing from the README configuration table"
    assert documented - declared == set(), "README rows with no setting behind them"


def test_every_setting_has_a_description():
    assert all(variables().values()), [name for name, text in variables().items() if not text]


def test_defaults_and_parsing_from_the_environment(tmp_path):
    settings = Settings.from_env(
        {
            "VALETKEY_HOME": str(tmp_path),
            "VALETKEY_RATE_LIMIT": " ",  # blanks count as unset
            "VALETKEY_RATE_LIMIT_WINDOW": "5",
            "VALETKEY_PUBLIC_URL": "http://example.test/",
            "VALETKEY_LOG_LEVEL": "debug",
            "VALETKEY_CATALOG_DIRS": f"{tmp_path}/a:{tmp_path}/b",
            "VALETKEY_UPSTREAM_TIMEOUT": "2.5",
        }
    )
    assert settings.home == tmp_path and settings.database_url == f"sqlite:///{tmp_path / 'valetkey.db'}"
    assert settings.rate_limit == 20_000 and settings.rate_limit_window_seconds == 5
    assert settings.public_url == "http://example.test" and settings.log_level == "DEBUG"
    assert settings.catalog_dirs == (tmp_path / "a", tmp_path / "b") and settings.upstream_timeout == 2.5
    assert settings.encryption_keys is None and settings.egress_allow == ()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VALETKEY_RATE_LIMIT", "lots"),
        ("VALETKEY_RATE_LIMIT_WINDOW", "10m"),
        ("VALETKEY_UPSTREAM_TIMEOUT", "soon"),
        ("VALETKEY_REFRESH_FAILURE_LIMIT", "1.5"),
        ("VALETKEY_UPSTREAM_OVERRIDES", "hn.algolia.com"),
    ],
)
def test_a_bad_value_stops_the_start_naming_the_variable(name, value):
    with pytest.raises(SystemExit, match=f"^{name}: .*{re.escape(value)}"):
        Settings.from_env({name: value})


def test_the_server_command_refuses_a_bad_variable_by_name(tmp_path):
    """At the level an operator sees: the process exits 1 with the variable's name, no traceback."""
    env = {"VALETKEY_HOME": str(tmp_path), "VALETKEY_RATE_LIMIT_WINDOW": "ten", "PATH": "/usr/bin:/bin"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent / "src")
    code = "from valetkey.core.settings import Settings; Settings.from_env()"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "VALETKEY_RATE_LIMIT_WINDOW" in done.stderr
    assert "Traceback" not in done.stderr


def test_keyword_construction_never_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("VALETKEY_RATE_LIMIT", "7")
    monkeypatch.setenv("VALETKEY_EGRESS_ALLOW", "10.0.0.0/8")
    settings = Settings(home=tmp_path, database_url="sqlite://", rate_limit=1)
    assert settings.rate_limit == 1 and settings.egress_allow == ()
    assert Settings.from_env().rate_limit == 7
    with pytest.raises(ValueError, match="rate_limt"):
        Settings(home=tmp_path, rate_limt=1)  # a misspelt keyword is an error, not ignored
