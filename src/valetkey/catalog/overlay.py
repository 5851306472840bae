"""A project's view of the catalog: the global catalog plus the project's own custom toolkits.

The global `Catalog` is built once per process. A project that registered custom toolkits
(`valetkey.customkits`) sees a `layered` catalog: the global toolkits and its own, indexed together (a
`Catalog` over both lists takes milliseconds; only the project's toolkits are serialized anew, the
global wire items are shared). No other project sees them: each project's view is its own object.

`ProjectCatalogs` keeps one view per project and rebuilds it only when the project's custom toolkits
changed: this process's writes say so at once (`invalidate`), and another process's writes are seen
within `RECHECK_SECONDS`, when the project's stamp (what `load` reads: a cheap digest of its rows) is
read again and compared. A project without custom toolkits gets the global catalog itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from valetkey.catalog.model import Toolkit
from valetkey.catalog.registry import Catalog
from valetkey.catalog.serializers import Wire, precompute

RECHECK_SECONDS = 5.0
MAX_PROJECTS = 2048

# project id -> a stamp that changes whenever its custom toolkits do (None: it has none).
StampReader = Callable[[str], Hashable | None]
# project id -> its custom toolkits as catalog toolkits.
ToolkitLoader = Callable[[str], Sequence[Toolkit]]


def layered(base: Catalog, extra: Sequence[Toolkit]) -> Catalog:
    """`base` with `extra` toolkits added (an extra slug never replaces a base one)."""
    own = Catalog(t for t in extra if base.find_toolkit(t.slug) is None)
    precompute(own)
    combined = Catalog([*base.toolkits.values(), *own.toolkits.values()])
    combined.wire = Wire(
        tools={**base.wire.tools, **own.wire.tools},
        toolkit_items={**base.wire.toolkit_items, **own.wire.toolkit_items},
        toolkit_details={**base.wire.toolkit_details, **own.wire.toolkit_details},
    )
    return combined


@dataclass
class _View:
    stamp: Hashable
    catalog: Catalog
    checked: float


class ProjectCatalogs:
    """One catalog view per project, rebuilt when its custom toolkits change."""

    def __init__(self, base: Catalog, stamp_of: StampReader, load: ToolkitLoader):
        self.base = base
        self._stamp_of = stamp_of
        self._load = load
        self._views: dict[str, _View] = {}
        self._lock = threading.Lock()

    def for_project(self, project_id: str) -> Catalog:
        now = time.monotonic()
        view = self._views.get(project_id)
        if view is not None and now - view.checked < RECHECK_SECONDS:
            return view.catalog
        stamp = self._stamp_of(project_id)
        if stamp is None:
            self._remember(project_id, _View(None, self.base, now))
            return self.base
        if view is not None and view.stamp == stamp:
            view.checked = now
            return view.catalog
        catalog = layered(self.base, self._load(project_id))
        self._remember(project_id, _View(stamp, catalog, now))
        return catalog

    def invalidate(self, project_id: str) -> None:
        """This process changed the project's custom toolkits: the next lookup rebuilds its view."""
        with self._lock:
            self._views.pop(project_id, None)

    def _remember(self, project_id: str, view: _View) -> None:
        with self._lock:
            if len(self._views) >= MAX_PROJECTS and project_id not in self._views:
                self._views.pop(next(iter(self._views)))
            self._views[project_id] = view
