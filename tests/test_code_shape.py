"""The shape of the code, checked: the core knows no bridge, imports run one way, functions stay
short (DESIGN.md §1 and the guide's standards). Read from the sources, not imported."""

from __future__ import annotations

import ast
from pathlib import Path

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "homesmartlink"
PACKAGE = "homesmartlink"
MAX_FUNCTION_LINES = 50


def _module_name(path: Path) -> str:
    parts = [PACKAGE, *path.relative_to(INTEGRATION).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The modules of ours a file imports (relative imports resolved, any depth)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = package.split(".")[: len(package.split(".")) - node.level + 1]
        target = ".".join([*base, *([node.module] if node.module else [])])
        found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in INTEGRATION.rglob("*.py")}
    return {name: _imports(path) & set(modules) for name, path in modules.items()}


def _is_core(module: str) -> bool:
    return not module.startswith(f"{PACKAGE}.bridges")


def test_the_core_knows_no_bridge() -> None:
    """Only the package's set-up reaches the bridges, and only through their plug-in list."""
    for module, imported in _graph().items():
        if not _is_core(module):
            continue
        bridges = {target for target in imported if not _is_core(target)}
        assert bridges == ({f"{PACKAGE}.bridges"} if module == PACKAGE else set()), module


def test_the_write_side_and_the_coordinator_know_no_ven() -> None:
    """No arrow runs back up: the VEN reaches campaigns and writes, never the other way."""
    graph = _graph()
    lower = [
        module
        for module in graph
        if module == f"{PACKAGE}.coordinator"
        or module.startswith((f"{PACKAGE}.writes", f"{PACKAGE}.campaigns"))
    ]
    assert len(lower) > 10
    for module in lower:
        assert not {t for t in graph[module] if t.startswith(f"{PACKAGE}.openadr")}, module
    # The VEN does use them (the test would pass on an empty graph otherwise).
    assert f"{PACKAGE}.campaigns.run" in graph[f"{PACKAGE}.openadr.ven"]


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle of imports, if there is one."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        for target in sorted(graph[module]):
            if (found := visit(target, [*path, module])) is not None:
                return found
        done.add(module)
        return None

    for module in sorted(graph):
        if (found := visit(module, [])) is not None:
            return found
    return None


def test_imports_have_no_circle() -> None:
    assert _circle(_graph()) is None
    # The search does find one when there is one.
    assert _circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_type_checking_imports() -> None:
    """An import only for the type checker is how a circle hides; there is none."""
    for path in INTEGRATION.rglob("*.py"):
        assert "TYPE_CHECKING" not in path.read_text(encoding="utf-8"), path


def test_functions_are_short() -> None:
    long = [
        f"{path.relative_to(INTEGRATION)}:{node.lineno} {node.name} ({length} lines)"
        for path in INTEGRATION.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_the_graph_is_read() -> None:
    """The checks above look at real edges: the known ones are there."""
    graph = _graph()
    assert f"{PACKAGE}.bridges" in graph[PACKAGE]
    assert f"{PACKAGE}.writes.send" in graph[f"{PACKAGE}.bridges.pipeline"]
    assert f"{PACKAGE}.bridges.sber_bridge" in graph[f"{PACKAGE}.bridges"]
    assert f"{PACKAGE}.coordinator" in graph[f"{PACKAGE}.bridges.outward"]


def _platform_names() -> set[str]:
    """Names Home Assistant loads from an integration as a platform, read from its sources.

    Entity platforms (`Platform`), the platforms preloaded for every integration, those an
    integration collects from all others (`async_process_integration_platforms`) and those asked
    for by name (`async_get_platform("...")`).
    """
    import re

    import homeassistant
    from homeassistant import loader
    from homeassistant.const import Platform

    root = Path(homeassistant.__file__).parent
    names = {platform.value for platform in Platform} | set(loader.BASE_PRELOAD_PLATFORMS)
    asked = re.compile(r"(?:async_get_platform|get_platform)\(\s*\"([a-z_]+)\"")
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names.update(asked.findall(text))
        collects = "async_process_integration_platforms(" in text
        if collects and path.parent.parent.name == "components":
            names.add(path.parent.name)
    return names


def test_no_module_is_named_like_a_platform_we_do_not_provide() -> None:
    """Home Assistant loads such a module as that platform (and logs an error when it is not)."""
    from custom_components.homesmartlink import PLATFORMS

    platforms = _platform_names()
    # The list is read, not empty: the names we know are in it.
    assert {"repairs", "diagnostics", "system_health", "climate", "config_flow"} <= platforms
    provided = {platform.value for platform in PLATFORMS} | {"config_flow", "diagnostics"}
    ours = {path.stem for path in INTEGRATION.glob("*.py")} | {
        path.name for path in INTEGRATION.iterdir() if (path / "__init__.py").exists()
    }
    assert (ours & platforms) - provided == set()
