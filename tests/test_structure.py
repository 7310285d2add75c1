"""The layout shows the architecture: rules about imports, modules and function sizes.

- no import circle in model/ or experiments/, except Mesa's agent<->model pattern (the model
  and its crossings and provincial enforcement know each other); imports under TYPE_CHECKING
  and inside functions count too;
- experiments/core/ imports no command's package;
- every module of experiments/ lives in a package, except the command-line entry points;
- no function of model/, experiments/ or benchmarks/ is longer than 60 lines, except in the
  explorer's page (Solara components).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AGENT_MODEL = {"model.model", "model.checkpoint", "model.enforcement"}
COMMANDS = ("run", "compare", "sweep", "calibration", "explorer")
ENTRY_POINTS = {"__init__.py", "__main__.py", "cli.py"}
LONG_FUNCTIONS_ALLOWED = {"experiments/explorer/app.py"}
MAX_LINES = 60


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted([*ROOT.glob("model/**/*.py"), *ROOT.glob("experiments/**/*.py")]):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports anywhere in it (`from a import b` may name a
    module b of package a)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return found & known


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(path, set(found)) - {name} for name, path in found.items()}


def circles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    result = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(component)

    for node in edges:
        if node not in index:
            visit(node)
    return result


def test_no_import_circle_but_mesas_agent_model_pattern():
    found = [c for c in circles(graph()) if not c <= AGENT_MODEL]
    assert not found, f"import circles: {found}"


def test_the_circle_detector_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_core_imports_no_command():
    edges = graph()
    upward = {
        (module, target)
        for module, targets in edges.items()
        if module.startswith("experiments.core")
        for target in targets
        if target.split(".")[1:2] and target.split(".")[1] in COMMANDS
    }
    assert not upward, f"experiments/core imports commands: {sorted(upward)}"


def test_every_experiments_module_lives_in_a_package():
    loose = [p.name for p in (ROOT / "experiments").glob("*.py") if p.name not in ENTRY_POINTS]
    assert not loose, f"modules of experiments/ outside a package: {loose}"
    packages = [p for p in (ROOT / "experiments").iterdir() if any(p.glob("*.py"))]
    missing = [p.name for p in packages if not (p / "__init__.py").is_file()]
    assert not missing, (
        f"folders of modules without __init__.py (a wheel leaves them out): {missing}"
    )


def test_no_function_is_longer_than_60_lines():
    long = []
    for path in [*modules().values(), *ROOT.glob("benchmarks/**/*.py")]:
        relative = path.relative_to(ROOT).as_posix()
        if relative in LONG_FUNCTIONS_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_LINES:
                    long.append(f"{relative}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "functions over 60 lines: " + ", ".join(long)
