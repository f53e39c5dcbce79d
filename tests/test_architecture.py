"""The app's import graph: no circles, no imports hidden in functions, floors kept.

Reads every module of ``kitsune_livechat`` with ``ast`` (nothing is imported), so a circle
held together by a function-level import fails here rather than at a distance.
"""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = "kitsune_livechat"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

# Function-level imports that are allowed, by module and imported module, each with the reason
# it is not a circle being dodged.
ALLOWED_FUNCTION_IMPORTS = {
    # Checks and receivers import models, which Django allows only once the registry is ready.
    ("kitsune_livechat.apps", "kitsune_livechat.checks"),
    ("kitsune_livechat.apps", "kitsune_livechat.receivers"),
}

DOORS = ("api", "pages", "consumers", "admin", "urls", "page_urls", "api_urls", "routing")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    }


MODULES = _modules()


def _targets(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> set[str]:
    """The app's modules an import statement loads (outside ones are left out)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        names = [
            f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in MODULES else prefix
            for alias in node.names
        ]
    return {name for name in names if name in MODULES and name != module}


def _walk(module: str, tree: ast.AST, is_package: bool) -> tuple[set[str], list]:
    """The app's modules ``tree`` imports at module level, and each import inside a function
    as (module, line, what it imports)."""
    top: set[str] = set()
    inside: list[tuple[str, int, str]] = []

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                targets = _targets(module, child, is_package)
                if in_function:
                    inside.extend((module, child.lineno, t) for t in sorted(targets))
                    if not targets:
                        inside.append((module, child.lineno, ast.unparse(child)))
                else:
                    top.update(targets)
            walk(child, nested)

    walk(tree, False)
    return top, inside


def _imports() -> tuple[dict[str, set[str]], list[tuple[str, int, str]]]:
    """Module-level imports per module, and every import made inside a function."""
    graph: dict[str, set[str]] = {}
    inside: list[tuple[str, int, str]] = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        graph[module], found = _walk(module, tree, path.name == "__init__.py")
        inside.extend(found)
    return graph, inside


GRAPH, FUNCTION_IMPORTS = _imports()


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _is_package_import(module: str, target: str) -> bool:
    """``from . import x`` in a package's module names the package itself only as a path."""
    return MODULES[target].name == "__init__.py" and module.startswith(target + ".")


def test_the_walk_sees_the_app():
    assert "kitsune_livechat.realtime" in GRAPH
    assert (
        "kitsune_livechat.services.conversation.messaging"
        in GRAPH["kitsune_livechat.services.contributors.mentoring"]
    )


def test_the_walk_tells_module_level_from_function_level_imports():
    source = (
        "import os\nfrom .. import realtime\n\n\n"
        "def f():\n    from ..services.contributors import karma\n"
    )
    top, inside = _walk(f"{PACKAGE}.pages.chat", ast.parse(source), False)
    assert top == {f"{PACKAGE}.realtime"}
    assert inside == [(f"{PACKAGE}.pages.chat", 6, f"{PACKAGE}.services.contributors.karma")]


def test_the_circle_finder_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles():
    graph = {
        module: {t for t in targets if not _is_package_import(module, t)}
        for module, targets in GRAPH.items()
    }
    assert _circles(graph) == []


def test_no_imports_inside_functions():
    unexpected = [
        f"{module}:{line} imports {target}"
        for module, line, target in FUNCTION_IMPORTS
        if (module, target) not in ALLOWED_FUNCTION_IMPORTS
    ]
    assert unexpected == []


def test_realtime_imports_no_service():
    services = sorted(
        t for t in GRAPH[f"{PACKAGE}.realtime"] if t.startswith(f"{PACKAGE}.services")
    )
    assert services == []


def _is_door(module: str) -> bool:
    first = module.split(".")[1] if "." in module else ""
    return any(first == door or first.startswith(f"{door}_") for door in DOORS)


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if m.startswith(f"{PACKAGE}.services."))
)
def test_services_import_no_door(module):
    assert sorted(t for t in GRAPH[module] if _is_door(t)) == []


def test_every_module_says_what_it_owns():
    missing = [
        module
        for module, path in MODULES.items()
        if path.stat().st_size and not ast.get_docstring(ast.parse(path.read_text()))
    ]
    assert missing == []


QUERYING = re.compile(r"\.objects\b|_default_manager|get_object_or_404|\.raw\(|connection\.cursor")


@pytest.mark.parametrize(
    "module",
    sorted(m for m in MODULES if m.split(".")[1:2] in (["api"], ["pages"], ["consumers"])),
)
def test_doors_leave_queries_to_the_services(module):
    """Doors parse, call a service and shape the answer; reading rows is a service's job."""
    source = MODULES[module].read_text()
    assert [line for line in source.splitlines() if QUERYING.search(line)] == []
