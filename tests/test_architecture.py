"""The house rules that a reader cannot see in one file (docs/architecture.md): the import graph of
``registry`` has no cycle (module-level and function-level imports both count), layers import only
downwards, only ``registry/web`` imports Flask, only ``registry/store`` touches a store's
``pyoxigraph`` object, and a function-level import of a project module is there for start-up time and
says so (a comment with "start-up" on it or just above it)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "registry"


@dataclass(frozen=True)
class Import:
    module: str  #: the importing module
    target: str  #: the imported module (``registry.x.y``, or a third-party top-level name)
    line: int
    function_level: bool


@cache
def modules() -> dict[str, Path]:
    """Dotted name → file, for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _owner(name: str) -> str:
    """The module that defines ``name`` (``registry.ingest.gases`` or, for ``registry.ingest.X``
    where X is not a submodule, the package ``registry.ingest``)."""
    known = modules()
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _imports_of(module: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    target = _owner(alias.name) if alias.name.startswith("registry") else alias.name
                    found.append(Import(module, target, child.lineno, in_function))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = module.split(".") if is_package else module.split(".")[:-1]
                    package = package[: len(package) - child.level + 1]
                    base = ".".join([*package, base] if base else package)
                if base.split(".")[0] != "registry":
                    found.append(Import(module, base, child.lineno, in_function))
                    continue
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    target = sub if sub in modules() else _owner(base)
                    found.append(Import(module, target, child.lineno, in_function))
            visit(child, inner)

    visit(tree, False)
    return found


@cache
def imports() -> tuple[Import, ...]:
    return tuple(i for module, path in modules().items() for i in _imports_of(module, path))


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in modules()}
    for i in imports():
        if i.target in graph and i.target != i.module:
            graph[i.module].add(i.target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path ``[a, b, …, a]``, or ``None``."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_graph_sees_module_and_function_level_imports():
    graph = import_graph()
    assert "registry.store" in graph["registry.ingest.gate"]  # module level
    assert "registry.web" in graph["registry.cli"]  # inside `serve`
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


#: What each layer may import from the project: the foundations below the domain, the domain below the
#: web layer and the command line (which nothing imports).
FOUNDATIONS = {"registry", "registry.config", "registry.paths"}
LAYERS = {
    "registry.rdf": ("registry.rdf",),
    "registry.store": ("registry.rdf", "registry.store"),
}


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_layers_import_only_downwards():
    offenders = []
    for module, targets in import_graph().items():
        for target in targets - FOUNDATIONS:
            allowed = LAYERS.get(_package(module))
            if allowed is not None and _package(target) not in allowed:
                offenders.append(f"{module} -> {target}")
            if _package(target) == "registry.web" and _package(module) not in (
                "registry.web",
                "registry.cli",
            ):
                offenders.append(f"{module} -> {target}")
            if _package(target) == "registry.cli" and _package(module) != "registry.cli":
                offenders.append(f"{module} -> {target}")
    assert offenders == []


def test_only_the_web_package_imports_flask():
    offenders = [
        f"{i.module} (line {i.line})"
        for i in imports()
        if i.target.split(".")[0] in {"flask", "werkzeug"} and not i.module.startswith("registry.web")
    ]
    assert offenders == []


def test_only_the_store_package_imports_duckdb():
    """The analytic replica's engine, like the store's, stays behind registry.store."""
    offenders = [
        f"{i.module} (line {i.line})"
        for i in imports()
        if i.target.split(".")[0] == "duckdb" and not i.module.startswith("registry.store")
    ]
    assert offenders == []
    assert any(i.target.split(".")[0] == "duckdb" for i in imports())  # the rule checks something


def test_only_the_store_package_touches_pyoxigraph_of_a_store():
    offenders = []
    for module, path in modules().items():
        if module.startswith("registry.store"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = isinstance(node, ast.Attribute) and node.attr == "pyoxigraph"
            looked_up = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"getattr", "hasattr"}
                and any(isinstance(a, ast.Constant) and a.value == "pyoxigraph" for a in node.args)
            )
            if named or looked_up:
                offenders.append(f"{module} (line {node.lineno})")
    assert offenders == []


def _import_groups(path: Path) -> list[tuple[int, int]]:
    """(first line, last line) of each run of consecutive import statements inside a function."""
    groups = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        run: list[ast.stmt] = []
        for stmt in [*node.body, None]:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                run.append(stmt)
                continue
            if run and any(_is_project(s) for s in run):
                groups.append((run[0].lineno, run[-1].end_lineno or run[-1].lineno))
            run = []
    return groups


def _is_project(stmt: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(stmt, ast.ImportFrom):
        return stmt.level > 0 or (stmt.module or "").split(".")[0] == "registry"
    return any(a.name.split(".")[0] == "registry" for a in stmt.names)


def test_function_level_imports_say_they_buy_start_up_time():
    unexplained = []
    for path in modules().values():
        lines = path.read_text(encoding="utf-8").splitlines()
        unexplained += [
            f"{path.relative_to(ROOT)}:{first}"
            for first, last in _import_groups(path)
            if not any("start-up" in line for line in lines[max(first - 2, 0) : last] if "#" in line)
        ]
    assert unexplained == [], "function-level imports of project modules without a start-up reason"


def test_one_dcat_namespace_and_it_has_dcat_3_terms():
    from registry.rdf import namespaces, ontology

    assert ontology.DCAT is namespaces.DCAT
    assert str(namespaces.DCAT.version) == "http://www.w3.org/ns/dcat#version"
