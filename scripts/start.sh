#!/usr/bin/env bash
# Install Valetkey into .venv and start it with its embedded defaults
# (SQLite and a generated encryption key under ~/.valetkey, port 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/valetkey serve "$@"
