"""Each toolkit's fidelity profile (`tests.fidelity.profile.Fidelity`), one module per toolkit."""

from __future__ import annotations

from tests.fidelity.profile import Fidelity
from tests.fidelity.profiles import (
    asana,
    github,
    gmail,
    googlecalendar,
    googledrive,
    googlesheets,
    hackernews,
    jira,
    linear,
    notion,
    slack,
    stripe,
    trello,
)

ALL: tuple[Fidelity, ...] = tuple(
    module.FIDELITY
    for module in (
        asana,
        github,
        gmail,
        googlecalendar,
        googledrive,
        googlesheets,
        hackernews,
        jira,
        linear,
        notion,
        slack,
        stripe,
        trello,
    )
)
