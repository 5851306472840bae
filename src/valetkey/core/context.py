"""Who is calling, as domain code sees it.

The HTTP layer (`valetkey.api.auth`) resolves an API key to one of these;
everything below it takes the context as a plain value and never looks at
keys or headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProjectContext:
    """The calling project, as seen by every project-scoped route."""

    project_id: str
    org_id: str
    config: dict[str, Any]

    def setting(self, name: str) -> Any:
        return self.config.get(name)


@dataclass(frozen=True)
class OrgContext:
    org_id: str
