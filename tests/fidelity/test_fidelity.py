"""What every toolkit's fidelity check shares, parametrized over the toolkits (`tests.fidelity.profiles`).

Statically, each tool's request with every argument set, and with only the
required ones, must be one its reference accepts: a tool whose schema or
binding drifts from the published API fails here, naming the toolkit.
Then each profile's drifts (a renamed parameter, a wrong path, method or
value) must be reported as such, proving the check can fail.
"""

from __future__ import annotations

import pytest

from tests.fidelity.profile import Drift, Fidelity
from tests.fidelity.profiles import ALL


@pytest.mark.parametrize("fidelity", ALL, ids=str)
def test_every_tool_with_every_argument_builds_a_described_request(fidelity: Fidelity):
    problems = []
    for tool in fidelity.toolkit().tools:
        if tool.operation is None or tool.slug in fidelity.undescribed:
            continue
        for optional in (True, False):
            request = fidelity.request(tool, fidelity.arguments(tool, optional))
            problems += [
                f"{tool.slug}: {p}"
                for p in fidelity.check(request)
                if not fidelity.tolerated(tool, optional, p)
            ]
    assert not problems, "\n".join(problems)


DRIFTS = [pytest.param(f, d, id=f"{f}-{d.name.replace(' ', '_')}") for f in ALL for d in f.drifts]


@pytest.mark.parametrize(("fidelity", "drift"), DRIFTS)
def test_drift_is_caught(fidelity: Fidelity, drift: Drift):
    drift.verify(fidelity.check(drift.request(fidelity.toolkit())))
