"""A deterministic synthetic catalog for the search latency benchmark at scale.

`synthetic_entries(total, seed)` returns index entries (tool, toolkit,
latest) for `total` tools: the real catalog's tools first, then generated
SaaS-like toolkits of 15 to 40 tools each ("Quillbase", "QUILLBASE_LIST_INVOICES:
Lists the invoices of the workspace..."). The generated words overlap the real
catalog's (list, create, message, file, issue, user...) so that postings lists
are as long as a big real catalog's would be, which is what latency depends on.
The same seed always gives the same catalog.
"""

from __future__ import annotations

import random

from valetkey.catalog.model import Tool, Toolkit
from valetkey.catalog.registry import Catalog
from valetkey.search.tool_index import catalog_entries

SYLLABLES = (
    "ba be bo cal da de fi flo gra ka lo lu ma mi no pa qui ra ri sa so ta ti tro va ve xo za zen".split()
)
SUFFIXES = ["base", "ly", "hub", "desk", "flow", "stack", "io", "works", "cloud", "app", ""]
CATEGORIES = [
    "crm",
    "marketing",
    "productivity",
    "developer-tools",
    "communication",
    "finance",
    "support",
    "analytics",
    "hr",
    "ecommerce",
    "file-management",
    "scheduling",
    "documents",
    "design",
]
RESOURCES = [
    "invoice",
    "customer",
    "contact",
    "deal",
    "order",
    "product",
    "campaign",
    "subscriber",
    "ticket",
    "issue",
    "message",
    "channel",
    "event",
    "file",
    "folder",
    "page",
    "task",
    "project",
    "comment",
    "user",
    "team",
    "label",
    "note",
    "form",
    "survey",
    "report",
    "dashboard",
    "payment",
    "refund",
    "subscription",
    "lead",
    "account",
    "document",
    "repository",
    "branch",
    "release",
    "calendar",
    "meeting",
    "attachment",
    "workspace",
    "board",
    "card",
    "list",
    "record",
    "table",
    "row",
    "webhook",
]
ACTIONS = [
    ("list", "Lists the {rs} of the {scope}, newest first, one page at a time."),
    ("get", "Fetches one {r} by id with all its fields."),
    ("create", "Creates a new {r} in the {scope} from the given fields."),
    ("update", "Changes the given fields of an existing {r}; the others stay as they are."),
    ("delete", "Deletes a {r} permanently; it cannot be undone."),
    ("search", "Finds {rs} whose name or text contains the query words."),
    ("archive", "Archives a {r} so it leaves active lists but stays readable."),
    ("export", "Exports {rs} as CSV or JSON for reporting."),
    ("assign", "Assigns a {r} to a user of the {scope}."),
    ("send", "Sends a {r} to its recipients by email or notification."),
]
SCOPES = ["workspace", "account", "organization", "project", "team", "store", "portal"]
FILLER = (
    "Use it to review recent activity, sync data with other apps or prepare a summary for the team. "
    "Returns the {r} with its id, timestamps and owner. Needs the {app} scope {r}s:write for changes. "
    "Fails with 404 when the {r} does not exist and 429 when rate limited."
).split(". ")


def _app_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = (
            "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) + rng.choice(SUFFIXES)
        ).capitalize()
        if name.lower() not in taken:
            taken.add(name.lower())
            return name


def _toolkit(rng: random.Random, name: str) -> tuple[Toolkit, list[Tool]]:
    slug = name.lower()
    resources = rng.sample(RESOURCES, rng.randint(4, 9))
    scope = rng.choice(SCOPES)
    pairs = [(action, template, r) for r in resources for action, template in ACTIONS]
    rng.shuffle(pairs)
    tools = []
    for action, template, resource in pairs[: rng.randint(15, 40)]:
        plural = resource + "s"
        noun = plural if action in ("list", "search", "export") else resource
        description = (
            template.format(r=resource, rs=plural, scope=scope)
            + " "
            + ". ".join(rng.sample(FILLER, 2)).format(r=resource, app=slug)
            + "."
        )
        properties = {
            f"{resource}_id": {"type": "string"},
            "limit": {"type": "integer"},
            "cursor": {"type": "string"},
        }
        if action in ("create", "update"):
            properties |= {"name": {"type": "string"}, "description": {"type": "string"}}
        tools.append(
            Tool(
                slug=f"{slug.upper()}_{action.upper()}_{noun.upper()}",
                toolkit=slug,
                name=f"{action.capitalize()} {noun}",
                description=description,
                input_schema={"type": "object", "properties": properties},
                output_schema={},
                tags=("readOnlyHint",) if action in ("list", "get", "search", "export") else (),
            )
        )
    tools = list({tool.slug: tool for tool in tools}.values())
    toolkit = Toolkit(
        slug=slug,
        name=name,
        description=f"Work with {name}: " + ", ".join(f"{r}s" for r in resources) + ".",
        logo="",
        categories=tuple(rng.sample(CATEGORIES, 2)),
        base_url=f"https://api.{slug}.invalid",
        auth_schemes=(),
        versions=("20250101_00",),
        tools=tuple(tools),
    )
    return toolkit, tools


def synthetic_entries(
    catalog: Catalog, total: int = 10_000, seed: int = 7
) -> list[tuple[Tool, Toolkit, bool]]:
    """The catalog's own index entries followed by generated ones, `total` tools in all."""
    rng = random.Random(seed)
    entries = catalog_entries(catalog)
    taken = set(catalog.toolkits)
    while len(entries) < total:
        toolkit, tools = _toolkit(rng, _app_name(rng, taken))
        entries += [(tool, toolkit, True) for tool in tools[: total - len(entries)]]
    return entries
