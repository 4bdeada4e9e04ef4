"""The architecture holds: no import circle between afpak_data's modules; one schema reader."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node, functions included (a lazy import is still a dependency), but not the
    ``if TYPE_CHECKING:`` blocks (annotations only)."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def imports(path: Path, modules: set[str]) -> set[str]:
    """afpak_data modules imported anywhere in the file (except under TYPE_CHECKING);
    ``from package import module`` counts as importing the module, not the package."""
    found = set()
    for node in _nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("afpak_data"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else str(node.module))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("afpak_data"))
    return found


def test_no_import_circle() -> None:
    """Following the imports (lazy ones too) from any module never leads back to it."""
    files = {module_name(p): p for p in SRC.rglob("*.py")}
    graph = {
        name: {m for m in imports(path, set(files)) if m in files and m != name}
        for name, path in files.items()
    }
    for start in graph:
        seen: set[str] = set()
        stack = [(m, [start, m]) for m in graph[start]]
        while stack:
            current, path = stack.pop()
            assert current != start, "import circle: " + " -> ".join(path)
            if current not in seen:
                seen.add(current)
                stack.extend((m, [*path, m]) for m in graph[current])


def test_one_table_schema_reader() -> None:
    """``parse_schema`` is defined once in src/ (the model's)."""
    defined = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "def parse_schema(" in p.read_text(encoding="utf-8")
    ]
    assert defined == ["afpak_data/_model/descriptor.py"]


#: The folders of src/afpak_data/ from the bottom up (docs/architecture.md's module map): a module
#: imports only from its own layer or the ones below it.
LAYERS = [
    {"_errors", "_atomic", "_csvfmt", "_paragraphs", "_names"},
    {"_model"},
    {"_validate"},
    {"_load"},
    {"_release", "_publish"},
    {"__init__"},
    {"cli"},
]


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    return next(rank for rank, layer in enumerate(LAYERS) if top in layer)


def test_layers_import_downwards() -> None:
    """No module imports from a layer above its own (e.g. the model never imports the loader)."""
    files = {module_name(p): p for p in SRC.rglob("*.py")}
    upward = [
        f"{name} -> {m}"
        for name, path in files.items()
        for m in imports(path, set(files))
        if m in files and _layer(m) > _layer(name)
    ]
    assert upward == []
