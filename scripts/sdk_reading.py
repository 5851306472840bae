"""Which REST endpoints the installed `composio` SDK's models call, read from its source.

Static reading, no network and no SDK objects built. `composio_client` publishes
every operation it can send (`composio_client._operations.OPERATIONS`: HTTP method,
path template, and the accessor chain such as ``("connected_accounts", "revoke")``);
the SDK's models (`composio/core/models/*.py`) reach them three ways, all read here:

- an accessor chain on the client: ``self._client.connected_accounts.revoke(...)``,
  ``self._require_client().project.usage.retrieve(...)``, or through a local alias
  (``accounts = self._client.connected_accounts`` then ``accounts.create(...)``);
- a raw call with a literal path: ``client.delete(f"/api/v3.1/tool_router/session/{id}")``,
  ``client.post(path=_FILE_UPLOAD, ...)`` (module constants are followed);
- a URL handed to another library (Pusher's channel-auth endpoint): any other string
  naming ``/api/v3...``, with the method that library uses.

Each use is then attributed to the public methods that reach it: a small call graph over
`self.method` calls, module functions, `Class(...)` construction, and attributes whose class
is known from ``self.x = Class(...)``, an annotation or a property's return type. Walking it
from `composio.Composio`'s attributes (tools, toolkits, sessions, ...) and the classes their
methods return (a session, its files mount, a connection request) names each public method.
An endpoint no public method reaches is still reported, under the function that names it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

RAW_METHODS = {"get", "post", "put", "patch", "delete"}
CLIENT_NAMES = {"client", "_client", "without_retries", "http_client"}
# Strings naming an endpoint that another library calls; the method is that library's.
OUT_OF_BAND_METHODS = {"/internal/sdk/realtime/auth": "POST"}  # pysher's private-channel auth


@dataclass(frozen=True, order=True)
class Endpoint:
    method: str  # upper case
    path: str  # as the SDK writes it, parameters as {name}


@dataclass
class Function:
    qualname: str  # module:Class.method or module:function
    endpoints: set[Endpoint] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)  # qualnames, resolved after every module is read
    pending: list[tuple[str, ...]] = field(default_factory=list)  # unresolved references


@dataclass
class ClassInfo:
    qualname: str
    module: str
    bases: list[str]  # names as written, resolved lazily
    methods: dict[str, str] = field(default_factory=dict)  # name -> function qualname
    attr_types: dict[str, list[str]] = field(default_factory=dict)  # attribute -> class names as written
    returns: dict[str, list[str]] = field(default_factory=dict)  # method -> class names in its return type
    aliases: dict[str, set[Endpoint]] = field(default_factory=dict)  # self.get = self._client.x.retrieve
    properties: set[str] = field(default_factory=set)


@dataclass
class Reading:
    """What the SDK source says: every function's endpoints and calls, every class."""

    functions: dict[str, Function]
    classes: dict[str, ClassInfo]
    imports: dict[str, dict[str, str]]  # module -> local name -> qualified name

    def resolve(self, module: str, name: str) -> str:
        """The qualified name (module:name) `name` means in `module`, re-exports followed."""
        qual = f"{module}:{name}"
        for _ in range(8):  # composio.core.models re-exports what its modules define
            mod, _, local = qual.partition(":")
            if qual in self.classes or qual in self.functions or local not in self.imports.get(mod, {}):
                return qual
            qual = self.imports[mod][local]
        return qual

    def resolve_class(self, module: str, name: str) -> ClassInfo | None:
        return self.classes.get(self.resolve(module, name.split("[")[0].strip("'\" ")))

    def mro(self, cls: ClassInfo) -> Iterator[ClassInfo]:
        seen: set[str] = set()
        todo = [cls]
        while todo:
            current = todo.pop(0)
            if current.qualname in seen:
                continue
            seen.add(current.qualname)
            yield current
            todo.extend(b for b in (self.resolve_class(current.module, n) for n in current.bases) if b)

    def method(self, cls: ClassInfo, name: str) -> str | None:
        return next((c.methods[name] for c in self.mro(cls) if name in c.methods), None)

    def attr_classes(self, cls: ClassInfo, attr: str) -> list[ClassInfo]:
        found: list[ClassInfo] = []
        for c in self.mro(cls):
            for name in c.attr_types.get(attr, []) + c.returns.get(attr, []):
                target = self.resolve_class(c.module, name)
                if target and target not in found:
                    found.append(target)
        return found

    def closure(self, qualname: str) -> set[str]:
        """`qualname` and every function it calls, directly or not."""
        seen: set[str] = set()
        todo = [qualname]
        while todo:
            q = todo.pop()
            if q not in seen and q in self.functions:
                seen.add(q)
                todo.extend(self.functions[q].calls)
        return seen


def _chain(node: ast.expr) -> tuple[ast.expr, tuple[str, ...]]:
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    return node, tuple(reversed(names))


def _is_client(base: ast.expr, prefix: tuple[str, ...]) -> bool:
    """Whether `base.prefix...` is the SDK's HTTP client (what an accessor chain hangs off)."""
    if prefix:
        return prefix[-1] in CLIENT_NAMES
    if isinstance(base, ast.Name):
        return base.id in CLIENT_NAMES
    if isinstance(base, ast.Call):  # self._require_client().custom.upsert(...)
        return "client" in ast.unparse(base.func).lower()
    return False


def _path_of(node: ast.expr | None, constants: dict[str, str]) -> str | None:
    """The literal path an argument holds: a string, a module constant, or an f-string's template."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.Name) and node.id in constants:
        text = constants[node.id]
    elif isinstance(node, ast.JoinedStr):
        text = "".join(
            str(v.value) if isinstance(v, ast.Constant) else "{" + _param_name(v) + "}" for v in node.values
        )
    else:
        return None
    return text if "/api/" in text else None


def _param_name(value: ast.expr) -> str:
    names = [n.id for n in ast.walk(value) if isinstance(n, ast.Name)]
    return names[-1] if names else "param"


def _annotation_names(node: ast.expr | None) -> list[str]:
    if node is None:
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return []
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id[:1].isupper()] + [
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute) and n.attr[:1].isupper()
    ]


def _callee(func: ast.expr) -> list[str]:
    """The name a call's callee is known by: `Tools(...)`, `models.Tools(...)`."""
    if isinstance(func, ast.Name):
        return [func.id]
    return [func.attr] if isinstance(func, ast.Attribute) else []


class _ModuleReader:
    def __init__(
        self, module: str, is_package: bool, tree: ast.Module, chains: dict[tuple[str, ...], Endpoint]
    ) -> None:
        self.module = module
        self.is_package = is_package
        self.tree = tree
        self.chains = chains
        self.prefixes = {c[:i] for c in chains for i in range(1, len(c))}
        self.constants = {
            t.id: n.value.value
            for n in tree.body
            if isinstance(n, ast.Assign)
            and isinstance(n.value, ast.Constant)
            and isinstance(n.value.value, str)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        self.functions: dict[str, Function] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.imports: dict[str, str] = {}

    def read(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom):
                source = self._absolute(node.module, node.level)
                for a in node.names:
                    self.imports[a.asname or a.name] = f"{source}:{a.name}"
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._function(f"{self.module}:{node.name}", node, None)
            elif isinstance(node, ast.ClassDef):
                self._class(node)

    def _absolute(self, module: str | None, level: int) -> str:
        if not level:
            return module or ""
        package = self.module.split(".") if self.is_package else self.module.split(".")[:-1]
        base = package[: len(package) - (level - 1)]
        return ".".join(base + ([module] if module else []))

    def _class(self, node: ast.ClassDef) -> None:
        cls = ClassInfo(f"{self.module}:{node.name}", self.module, [ast.unparse(b) for b in node.bases])
        self.classes[cls.qualname] = cls
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                cls.attr_types.setdefault(item.target.id, []).extend(_annotation_names(item.annotation))
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                qual = f"{cls.qualname}.{item.name}"
                cls.methods[item.name] = qual
                cls.returns[item.name] = _annotation_names(item.returns)
                if any(ast.unparse(d).endswith("property") for d in item.decorator_list):
                    cls.properties.add(item.name)
                self._function(qual, item, cls)

    def _function(
        self, qual: str, node: ast.FunctionDef | ast.AsyncFunctionDef, cls: ClassInfo | None
    ) -> None:
        fn = self.functions.setdefault(qual, Function(qual))
        params = {a.arg: _annotation_names(a.annotation) for a in node.args.args + node.args.kwonlyargs}
        aliases: dict[str, tuple[str, ...]] = {}  # local name -> client accessor prefix
        local_types: dict[str, list[str]] = {}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign | ast.AnnAssign):
                self._assignment(sub, fn, cls, params, aliases, local_types)
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute):
                self._attribute(sub, fn, aliases, local_types)
            elif isinstance(sub, ast.Call):
                self._call(sub, fn)
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                fn.pending.append(("name", sub.id))
            elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and "/api/v3" in sub.value:
                self._out_of_band(sub.value, fn)
        for const_name in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & set(self.constants):
            if "/api/v3" in self.constants[const_name]:
                self._out_of_band(self.constants[const_name], fn)

    def _assignment(
        self,
        sub: ast.Assign | ast.AnnAssign,
        fn: Function,
        cls: ClassInfo | None,
        params: dict[str, list[str]],
        aliases: dict[str, tuple[str, ...]],
        local_types: dict[str, list[str]],
    ) -> None:
        targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
        value = sub.value
        types: list[str] = []
        if isinstance(sub, ast.AnnAssign):
            types += _annotation_names(sub.annotation)
        if isinstance(value, ast.Call):
            types += _callee(value.func)
        elif isinstance(value, ast.Name) and value.id in params:
            types += params[value.id]
        # self.get = self._client.x.retrieve, self.enable = functools.partial(self._client.x.update, ...)
        walked = list(ast.walk(value)) if value is not None else []
        endpoints = {e for n in walked if isinstance(n, ast.Attribute) if (e := self._endpoint_of(n, {}))}
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                base, names = _chain(value) if isinstance(value, ast.Attribute) else (value, ())
                for i in range(len(names) + 1):
                    if names[i:] in self.prefixes and _is_client(base, names[:i]):
                        aliases[target.id] = names[i:]
                local_types.setdefault(target.id, []).extend(types)
            elif (
                cls is not None
                and isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                cls.attr_types.setdefault(target.attr, []).extend(types)
                if endpoints and not target.attr.startswith("_"):
                    cls.aliases.setdefault(target.attr, set()).update(endpoints)
                if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
                    if value.value.id == "self" and not target.attr.startswith("_"):
                        fn.pending.append(("alias", target.attr, value.attr))

    def _endpoint_of(self, node: ast.Attribute, aliases: dict[str, tuple[str, ...]]) -> Endpoint | None:
        base, names = _chain(node)
        prefix_ok = isinstance(base, ast.Name) and base.id in aliases
        if isinstance(base, ast.Name) and prefix_ok:
            names = aliases[base.id] + names
        for i in range(len(names)):
            if names[i:] in self.chains and (prefix_ok or _is_client(base, names[:i])):
                return self.chains[names[i:]]
        return None

    def _attribute(
        self,
        sub: ast.Attribute,
        fn: Function,
        aliases: dict[str, tuple[str, ...]],
        local_types: dict[str, list[str]],
    ) -> None:
        endpoint = self._endpoint_of(sub, aliases)
        if endpoint:
            fn.endpoints.add(endpoint)
            return
        base, names = _chain(sub)
        if isinstance(base, ast.Name) and base.id == "self":
            fn.pending.append(("self", *names))
        elif isinstance(base, ast.Name) and base.id in local_types and names:
            fn.pending.append(("typed", ",".join(local_types[base.id]), names[0]))
        elif isinstance(base, ast.Name) and names:
            fn.pending.append(("typed", base.id, names[0]))  # ClassName.method, module-level class refs
        elif isinstance(base, ast.Call) and names:
            fn.pending.append(("typed", ",".join(_callee(base.func)), names[0]))

    def _call(self, call: ast.Call, fn: Function) -> None:
        if not isinstance(call.func, ast.Attribute):
            return
        verb = call.func.attr
        base, names = _chain(call.func.value)
        if verb not in RAW_METHODS and verb != "request":
            return
        if not _is_client(base, names):
            return
        args = list(call.args)
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        if verb == "request":
            method_node = keywords.get("method") or (args.pop(0) if args else None)
            if not (isinstance(method_node, ast.Constant) and isinstance(method_node.value, str)):
                return
            verb = method_node.value.lower()
        path = _path_of(keywords.get("path") or (args[0] if args else None), self.constants)
        if path:
            fn.endpoints.add(Endpoint(verb.upper(), path.split("?")[0]))

    def _out_of_band(self, text: str, fn: Function) -> None:
        path = "/api/" + text.split("/api/", 1)[1].split("?")[0]
        method = next((m for suffix, m in OUT_OF_BAND_METHODS.items() if path.endswith(suffix)), None)
        already = {e.path for e in fn.endpoints}
        if method and path not in already:
            fn.endpoints.add(Endpoint(method, path))


def read_sdk(package_dir: Path, operations: list[tuple[str, str, tuple[str, ...]]]) -> Reading:
    """Read every module of the `composio` package at `package_dir` (its tests left out)."""
    chains = {chain: Endpoint(method.upper(), path) for method, path, chain in operations}
    functions: dict[str, Function] = {}
    classes: dict[str, ClassInfo] = {}
    imports: dict[str, dict[str, str]] = {}
    for file in sorted(package_dir.rglob("*.py")):
        relative = file.relative_to(package_dir.parent).with_suffix("")
        if "integration_test" in relative.parts:
            continue
        module = ".".join(p for p in relative.parts if p != "__init__")
        reader = _ModuleReader(
            module, file.name == "__init__.py", ast.parse(file.read_text(encoding="utf-8")), chains
        )
        reader.read()
        functions.update(reader.functions)
        classes.update(reader.classes)
        imports[module] = reader.imports
    reading = Reading(functions, classes, imports)
    _link(reading)
    return reading


def _link(reading: Reading) -> None:
    """Turn each function's pending references into edges between functions."""
    for fn in reading.functions.values():
        module, _, rest = fn.qualname.partition(":")
        cls = reading.classes.get(f"{module}:{rest.split('.')[0]}") if "." in rest else None
        for ref in fn.pending:
            kind = ref[0]
            if kind == "name":
                _link_name(reading, fn, module, ref[1])
            elif kind == "self" and cls is not None:
                _link_self(reading, fn, cls, ref[1:])
            elif kind == "typed":
                for name in ref[1].split(","):
                    target = reading.resolve_class(module, name) if name else None
                    method = reading.method(target, ref[2]) if target else None
                    if method:
                        fn.calls.add(method)
            elif kind == "alias" and cls is not None:
                method = reading.method(cls, ref[2])
                if method:
                    cls.aliases.setdefault(ref[1], set())
                    cls.methods.setdefault(ref[1], method)
        fn.pending.clear()


def _link_name(reading: Reading, fn: Function, module: str, name: str) -> None:
    qual = reading.resolve(module, name)
    if qual in reading.functions:
        fn.calls.add(qual)
    target = reading.classes.get(qual)
    if target is not None:
        init = reading.method(target, "__init__")
        if init:
            fn.calls.add(init)


def _link_self(reading: Reading, fn: Function, cls: ClassInfo, names: tuple[str, ...]) -> None:
    if not names:
        return
    method = reading.method(cls, names[0])
    if method:
        fn.calls.add(method)
    if len(names) >= 2:
        for target in reading.attr_classes(cls, names[0]):
            inner = reading.method(target, names[1])
            if inner:
                fn.calls.add(inner)


@dataclass(frozen=True)
class Use:
    """One public method (or, failing that, the function naming it) and an endpoint it calls."""

    caller: str
    endpoint: Endpoint


def public_uses(reading: Reading, root: str = "composio.sdk:Composio") -> list[Use]:
    """Walk the public surface from `root`: its public attributes and methods, the classes those hold or
    return, their public methods, and so on. Each public method is named by the path that reaches it."""
    uses: set[Use] = set()
    labels: dict[str, str] = {root: "composio"}
    todo = [root]
    reached: set[str] = set()
    while todo:
        qual = todo.pop(0)
        cls = reading.classes[qual]
        label = labels[qual]
        names: set[str] = set()
        for c in reading.mro(cls):
            names |= {n for n in c.methods if not n.startswith("_")}
            names |= {n for n in c.attr_types if not n.startswith("_")}
            names |= set(c.aliases)
        for name in sorted(names):
            method = reading.method(cls, name)
            endpoints = set().union(*(c.aliases.get(name, set()) for c in reading.mro(cls)))
            if method:
                called = reading.closure(method)
                reached |= called
                endpoints = endpoints.union(*(reading.functions[q].endpoints for q in called))
            for endpoint in endpoints:
                uses.add(Use(f"{label}.{name}", endpoint))
            call = "" if any(name in c.properties for c in reading.mro(cls)) or not method else "()"
            for target in reading.attr_classes(cls, name) + _private_holder(reading, cls, name):
                if target.qualname not in labels:
                    labels[target.qualname] = f"{label}.{name}{call}"
                    todo.append(target.qualname)
    attributed = {u.endpoint for u in uses}
    for fn in reading.functions.values():
        if fn.qualname not in reached:
            for endpoint in fn.endpoints - attributed:
                uses.add(Use(f"({fn.qualname})", endpoint))
    return sorted(uses, key=lambda u: (u.endpoint, u.caller))


def _private_holder(reading: Reading, cls: ClassInfo, name: str) -> list[ClassInfo]:
    """A property's class when the property returns a private attribute (`sessions` -> `self._sessions`)."""
    return reading.attr_classes(cls, "_" + name) if not reading.attr_classes(cls, name) else []


_PARAM = re.compile(r"\{[^}]*\}")


def template_key(path: str) -> str:
    """A path with its parameters blanked, on the current API version: the form routes are compared in."""
    path = re.sub(r"^/api/v3/", "/api/v3.1/", path)
    return _PARAM.sub("{}", path)
