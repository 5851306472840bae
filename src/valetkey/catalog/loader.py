"""Read toolkit folders from disk into frozen `Toolkit`s, failing loudly on any mistake.

A catalog directory holds one folder per toolkit (a folder with a
`toolkit.yaml`), or is itself a toolkit folder. Each toolkit folder has
`toolkit.yaml`, and its tools in `tools.yaml` and/or `tools/*.yaml` (each a
YAML list of tools). Every problem becomes a `CatalogError` naming the file and,
where there is one, the tool: a broken definition is never skipped.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from valetkey.catalog import checks
from valetkey.catalog.bindings import PLACEHOLDER, build_operation
from valetkey.catalog.format import (
    DEFAULT_FIELDS,
    DEFAULT_PLACEMENTS,
    DEFAULT_SCHEME_NAMES,
    AuthSchemeSpec,
    CategorySpec,
    FieldSpec,
    ToolkitSpec,
    ToolSpec,
    TriggerSpec,
)
from valetkey.catalog.model import AuthField, AuthScheme, CredentialPlacement, Tool, Toolkit, TriggerType
from valetkey.catalog.parse_cache import ParseCache

TRIGGERS_FILE = "triggers.yaml"


def _builtin_origin(package: str) -> str:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"the built-in toolkits package {package} is missing")
    return spec.origin


# The built-in toolkits: a package of YAML definitions and the Python handlers some tools name. It is
# located, not imported: the handlers sit above execution in the layers (docs/architecture.md).
BUILTIN_PACKAGE = "valetkey.toolkits"
BUILTIN_DIR = Path(_builtin_origin(BUILTIN_PACKAGE)).parent
# Credential values a flow produces rather than a user types, usable in placements.
TOKEN_FIELDS = {"OAUTH2": {"access_token", "token_type"}, "OAUTH1": {"oauth_token", "oauth_token_secret"}}
TOOLKIT_FILE = "toolkit.yaml"


class CatalogError(Exception):
    """A toolkit definition is broken. The message names the file (and tool) at fault."""


def find_toolkit_dirs(root: Path) -> list[Path]:
    """Toolkit folders under `root`, in name order; `root` itself if it is one."""
    if not root.is_dir():
        raise CatalogError(f"{root}: catalog directory does not exist")
    if (root / TOOLKIT_FILE).is_file():
        return [root]
    found = []
    for child in sorted(root.iterdir()):
        if not child.is_dir() or child.name.startswith((".", "_")):
            continue
        if (child / TOOLKIT_FILE).is_file():
            found.append(child)
        elif (child / "tools.yaml").exists() or (child / "tools").is_dir():
            raise CatalogError(f"{child}: has tools but no {TOOLKIT_FILE}")
    return found


NO_CACHE = ParseCache(None)


def load_toolkits(dirs: Iterable[Path], cache: ParseCache = NO_CACHE) -> list[Toolkit]:
    """Load every toolkit under `dirs`, in order; a slug defined twice is an error."""
    toolkits: dict[str, Toolkit] = {}
    # Every tool slug and alias claimed so far -> who claims it, for the message of a clash.
    claimed: dict[str, str] = {}
    for root in dirs:
        for folder in find_toolkit_dirs(Path(root)):
            toolkit = load_toolkit(folder, cache)
            if toolkit.slug in toolkits:
                raise CatalogError(
                    f"{toolkit.source}: toolkit {toolkit.slug!r} is already defined in {toolkits[toolkit.slug].source}"
                )
            _claim(toolkit, claimed)
            toolkits[toolkit.slug] = toolkit
    return list(toolkits.values())


def _claim(toolkit: Toolkit, claimed: dict[str, str]) -> None:
    """Record `toolkit`'s slugs and aliases in `claimed`; CatalogError when another toolkit has one."""
    own = {tool.slug: f"a tool of {toolkit.slug}" for tool in toolkit.tools}
    clash = sorted(set(own) & set(claimed))
    if clash:
        raise CatalogError(f"{toolkit.source}: tool {clash[0]} is already {claimed[clash[0]]}")
    try:
        aliases = checks.check_aliases(toolkit.slug, toolkit.tools, claimed)
    except ValueError as exc:
        raise CatalogError(f"{toolkit.source}: {exc}") from None
    claimed.update(own)
    claimed.update({alias: f"an alias of {slug}" for alias, slug in aliases.items()})


def load_toolkit(folder: Path, cache: ParseCache = NO_CACHE) -> Toolkit:
    """Load and check one toolkit folder."""
    toolkit_file = folder / TOOLKIT_FILE
    spec = _parse(toolkit_file, _read_yaml(toolkit_file, cache), ToolkitSpec)
    tools: list[Tool] = []
    for tools_file in _tool_files(folder):
        raw = _read_yaml(tools_file, cache)
        if raw is None:
            continue
        if not isinstance(raw, list):
            raise CatalogError(f"{tools_file}: must be a YAML list of tools")
        for index, entry in enumerate(raw):
            tools.append(_load_tool(tools_file, index, entry, spec))
    _check_unique_per_version(spec, tools, folder)
    try:
        checks.check_aliases(spec.slug, tools, {})
    except ValueError as exc:
        raise CatalogError(f"{toolkit_file}: {exc}") from None
    triggers = _load_triggers(folder / TRIGGERS_FILE, spec, cache)
    return Toolkit(
        slug=spec.slug,
        name=spec.name,
        description=spec.description.strip(),
        logo=spec.logo,
        categories=tuple(_category_id(c) for c in spec.categories),
        base_url=spec.base_url.rstrip("/"),
        auth_schemes=tuple(_scheme(s, toolkit_file) for s in spec.auth_schemes),
        versions=tuple(spec.versions),
        tools=tuple(tools),
        app_url=spec.app_url,
        source=str(toolkit_file),
        category_names={_category_id(c): _category_name(c) for c in spec.categories},
        changelog=dict(spec.changelog),
        auth_guide_url=spec.auth_guide_url,
        popularity=spec.popularity,
        triggers=triggers,
        tier=spec.tier,
    )


def _load_triggers(path: Path, toolkit: ToolkitSpec, cache: ParseCache) -> tuple[TriggerType, ...]:
    """The trigger types of `triggers.yaml` (none when there is no such file), checked like tools."""
    if not path.is_file():
        return ()
    raw = _read_yaml(path, cache)
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CatalogError(f"{path}: must be a YAML list of trigger types")
    found: list[TriggerType] = []
    for index, entry in enumerate(raw):
        label = (
            f"trigger {entry.get('slug')}"
            if isinstance(entry, dict) and entry.get("slug")
            else f"trigger #{index + 1}"
        )
        spec: TriggerSpec = _parse(path, entry, TriggerSpec, prefix=f"{label}: ")
        try:
            checks.check_slug(spec, toolkit)
            checks.check_schema(spec.config, "config")
            checks.check_schema(spec.payload, "payload")
            added_in, removed_in = checks.version_window(spec, toolkit)
        except ValueError as exc:
            raise CatalogError(f"{path}: trigger {spec.slug}: {exc}") from None
        found.append(
            TriggerType(
                slug=spec.slug,
                toolkit=toolkit.slug,
                name=spec.name,
                description=" ".join(spec.description.split()),
                instructions=spec.instructions.strip(),
                kind=spec.kind,
                config_schema=spec.config,
                payload_schema=spec.payload,
                source=dict(spec.source),
                added_in=added_in,
                removed_in=removed_in,
            )
        )
    for version in toolkit.versions:
        slugs = [t.slug for t in found if active_in(t, version)]
        twice = sorted({slug for slug in slugs if slugs.count(slug) > 1})
        if twice:
            raise CatalogError(f"{path}: trigger {twice[0]}: defined twice for version {version}")
    return tuple(found)


def _tool_files(folder: Path) -> list[Path]:
    files = [folder / "tools.yaml"] if (folder / "tools.yaml").is_file() else []
    if (folder / "tools").is_dir():
        files += sorted(p for p in (folder / "tools").iterdir() if p.suffix in (".yaml", ".yml"))
    return files


# libyaml's parser when PyYAML has it (ten times faster on the imported toolkits' big files).
_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DefinitionLoader(_BaseLoader):
    """YAML 1.1 reads 20250101_00 as the integer 2025010100; versions must stay strings.

    This loader drops the underscore-digit forms of ints and floats, so
    versions need no quotes in definition files.
    """


_DefinitionLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_DefinitionLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_DefinitionLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def _read_yaml(path: Path, cache: ParseCache = NO_CACHE) -> Any:
    try:
        return cache.load(path.read_text(encoding="utf-8"), _parse_yaml)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: invalid YAML: {exc}") from None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc}") from None


def _parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_DefinitionLoader)  # noqa: S506 (a SafeLoader subclass)


def read_definition(path: Path) -> Any:
    """A definition-format YAML file (versions such as 20250101_00 stay strings); CatalogError if unreadable."""
    return _read_yaml(path)


def _parse(path: Path, raw: Any, model: type[BaseModel], prefix: str = "") -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(err) for err in exc.errors())
        raise CatalogError(f"{path}: {prefix}{problems}") from None


def _describe(err: ErrorDetails) -> str:
    loc = ".".join(str(p) for p in err.get("loc", ()) if not str(p).startswith(("function-", "literal[")))
    message = err.get("msg", "invalid").removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message


def _load_tool(path: Path, index: int, raw: Any, toolkit: ToolkitSpec) -> Tool:
    label = f"tool {raw.get('slug')}" if isinstance(raw, dict) and raw.get("slug") else f"tool #{index + 1}"
    spec: ToolSpec = _parse(path, raw, ToolSpec, prefix=f"{label}: ")
    try:
        checks.check_slug(spec, toolkit)
        checks.check_tags(spec, toolkit)
        checks.check_schema(spec.input, "input")
        checks.check_schema(spec.output, "output")
        added_in, removed_in = checks.version_window(spec, toolkit)
        operation = build_operation(spec.http, spec.input) if spec.http else None
        if spec.handler:
            checks.import_handler(spec.handler)
    except ValueError as exc:
        raise CatalogError(f"{path}: tool {spec.slug}: {exc}") from None
    return Tool(
        slug=spec.slug,
        toolkit=toolkit.slug,
        name=spec.display_name(toolkit.slug),
        description=" ".join(spec.description.split()),
        input_schema=spec.input,
        output_schema=spec.output,
        tags=tuple(spec.tags),
        scopes=tuple(spec.scopes),
        operation=operation,
        handler=spec.handler,
        no_auth=not any(s.mode != "NO_AUTH" for s in toolkit.auth_schemes),
        added_in=added_in,
        removed_in=removed_in,
        deprecated=spec.deprecated,
        human_description=spec.human_description,
        aliases=tuple(spec.aliases),
    )


def _check_unique_per_version(spec: ToolkitSpec, tools: list[Tool], folder: Path) -> None:
    """One definition per slug per version: windows of the same slug must not overlap."""
    for version in spec.versions:
        seen: dict[str, Tool] = {}
        for tool in tools:
            if not active_in(tool, version):
                continue
            if tool.slug in seen:
                raise CatalogError(
                    f"{folder / 'tools.yaml'}: tool {tool.slug}: defined twice for version {version}; "
                    "give the definitions non-overlapping added_in/removed_in windows"
                )
            seen[tool.slug] = tool


def active_in(tool: Tool | TriggerType, version: str) -> bool:
    """Whether `tool` exists in toolkit `version` (versions sort as strings)."""
    return tool.added_in <= version and (tool.removed_in is None or version < tool.removed_in)


def _scheme(spec: AuthSchemeSpec, path: Path) -> AuthScheme:
    config_default, account_default = DEFAULT_FIELDS[spec.mode]
    config_fields = spec.config_fields if spec.config_fields is not None else config_default
    account_fields = spec.account_fields if spec.account_fields is not None else account_default
    placements = spec.placements if spec.placements is not None else DEFAULT_PLACEMENTS.get(spec.mode, [])
    known = {f.name for f in (*config_fields, *account_fields)} | TOKEN_FIELDS.get(spec.mode, set())
    for placement in placements:
        unknown = sorted(set(PLACEHOLDER.findall(placement.template)) - known)
        if unknown:
            raise CatalogError(
                f"{path}: auth scheme {spec.mode}: placement {placement.name!r} uses {unknown}, "
                f"which are not fields of the scheme ({sorted(known)})"
            )
    return AuthScheme(
        mode=spec.mode,
        name=spec.name or DEFAULT_SCHEME_NAMES[spec.mode],
        config_fields=tuple(_auth_field(f) for f in config_fields),
        account_fields=tuple(_auth_field(f) for f in account_fields),
        placements=tuple(CredentialPlacement(p.location, p.name, p.template) for p in placements),
        default_scopes=tuple(spec.default_scopes),
        oauth=spec.oauth.model_dump() if spec.oauth else {},
        verification=spec.verification.model_dump() if spec.verification else None,
        auth_hint_url=spec.auth_hint_url or "",
    )


def _auth_field(spec: FieldSpec) -> AuthField:
    return AuthField(
        name=spec.name,
        display_name=spec.title,
        type=spec.type,
        description=spec.description,
        required=spec.required,
        default=spec.default,
        secret=spec.secret,
    )


def _category_id(category: str | CategorySpec) -> str:
    return category.id if isinstance(category, CategorySpec) else category


def _category_name(category: str | CategorySpec) -> str:
    if isinstance(category, CategorySpec):
        return category.name
    return category.replace("-", " ").replace("_", " ").title()
