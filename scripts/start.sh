#!/usr/bin/env bash
# Install Valetkey into .venv and start it with its embedded defaults
# (SQLite and a generated encryption key under ~/.valetkey, port 8000).
# The install is skipped when pyproject.toml has not changed since the last one
# (its SHA-256 is kept in .venv/.valetkey-install-stamp); the package itself is
# installed editable, so source changes need no reinstall.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.valetkey-install-stamp
want="$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())')"
if [[ ! -x .venv/bin/valetkey || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e .
    echo "$want" > "$stamp"
fi
exec .venv/bin/valetkey serve "$@"
