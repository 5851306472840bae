#!/usr/bin/env bash
# Static checks CI runs before the tests: ruff (lint and format), mypy.
# The import contract (import-linter) runs inside the test suite (tests/test_architecture.py).
# Expects the venv that scripts/test.sh makes; installs it when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! [ -x .venv/bin/ruff ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
fi
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/ruff format --check src tests benchmarks scripts
.venv/bin/mypy
