"""The shape docs/architecture.md describes, kept true: short functions, and each layer importing
only from the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LONGEST = 60
# Top to bottom; a module may import from its own layer and the ones after it.
LAYERS = [
    (
        "rlkit.train",
        "rlkit.play",
        "rlkit.export",
        "rlkit.plot",
        "rlkit.tools",
        "rlkit.compare",
        "rlkit.web",
    ),
    ("rlkit.api",),
    ("rlkit.run",),
    ("rlkit.agents",),
    ("rlkit.fast", "rlkit.envkit"),
    ("rlkit.config",),
    ("rlkit.nets",),
    ("rlkit.parts", "rlkit.storage", "rlkit.envs"),
    ("rlkit.errors",),
]


def _sources() -> list[Path]:
    return sorted([*(ROOT / "rlkit").rglob("*.py"), *(ROOT / "envs").rglob("*.py")])


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    name = ".".join(("rlkit", *parts) if parts[0] == "envs" else parts)
    return name.removesuffix(".__init__")


def _layer(module: str) -> int | None:
    for i, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    return None


def test_no_function_is_longer_than_60_lines() -> None:
    long = []
    for path in [*_sources(), *sorted((ROOT / "scripts").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if lines > LONGEST:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines})")
    assert not long, long


def test_layers_import_only_downwards() -> None:
    upward = []
    for path in _sources():
        here = _layer(_module(path))
        if here is None:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                there = _layer(node.module)
                if there is not None and there < here:
                    upward.append(f"{_module(path)} imports {node.module}")
    assert not upward, upward


def test_scripts_import_no_other_script_but_benchlib() -> None:
    """What scripts share lives in scripts/benchlib.py, so that no benchmark depends on another
    one's internals."""
    scripts = {path.stem for path in (ROOT / "scripts").glob("*.py")} - {"benchlib"}
    crossing = []
    for path in sorted((ROOT / "scripts").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            crossing += [f"{path.name} imports {n}" for n in names if n.split(".")[0] in scripts]
    assert not crossing, crossing


def test_every_slow_marker_says_why() -> None:
    """A skipped slow test tells the reader what it would run and for how long."""
    bare = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                text = ast.unparse(decorator)
                if text.startswith("pytest.mark.slow") and "reason=" not in text:
                    bare.append(f"{path.relative_to(ROOT)}::{node.name}")
    assert not bare, f"@pytest.mark.slow without reason=...: {bare}"


# Import circles that are meant: a pair of modules and why. Any other circle fails the test.
KNOWN_CIRCLES = {
    frozenset({"rlkit.run.callbacks.base", "rlkit.run.context"}): (
        "callbacks are handed the run's context, which holds the callbacks: base.py names "
        "RunContext in type hints only"
    ),
}
# Packages whose __init__ imports its modules lazily (PEP 562 __getattr__, and names for the type
# checker): their imports never run before the package's own modules.
LAZY_PACKAGES = ("rlkit", "rlkit.nets")


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The rlkit modules ``path`` imports anywhere (top level, in functions, for type checking)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def _circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = set()
            while not group or module not in group:
                group.add(stack.pop())
            if len(group) > 1:
                circles.append(group)

    for module in graph:
        if module not in index:
            visit(module)
    return circles


def test_no_import_circles_but_the_known_ones() -> None:
    """docs/architecture.md says which circle exists; this keeps it the only one."""
    paths = {_module(path): path for path in _sources()}
    graph = {
        module: set() if module in LAZY_PACKAGES else _imports(path, set(paths)) - {module}
        for module, path in paths.items()
    }
    circles = [group for group in _circles(graph) if frozenset(group) not in KNOWN_CIRCLES]
    assert not circles, f"import circles: {[sorted(group) for group in circles]}"
