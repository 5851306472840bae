"""What the triggers layer needs of the running server (a Protocol: this layer cannot import `api`)."""

from __future__ import annotations

from typing import Protocol

from valetkey.execution.state import ExecutionState
from valetkey.net.upstream import UpstreamTransport


class TriggersState(ExecutionState, Protocol):
    # Provider registrations (GitHub's hooks API...): the upstream client under the webhook egress
    # policy (VALETKEY_WEBHOOK_ALLOW_PRIVATE exempts loopback and private addresses), maybe rerouted.
    trigger_http: UpstreamTransport
