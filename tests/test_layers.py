"""The layers import downward only, and no product module hides a project import inside a function.

settings → engine → result → figures: ``optimizers`` and ``landscapes`` are leaves that do not know each
other; ``simulation`` combines them; ``mnist`` trains networks with the same rules; ``viz`` draws results;
``ui`` and ``commands`` are the two front ends, and ``app.py``/``cli.py`` start them.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE = {"validation", "numba_setup", "claims", "cores"}
# The project packages each layer may import (besides itself and BASE).
ALLOWED = {
    "optimizers": set(),
    "landscapes": set(),
    "simulation": {"optimizers", "landscapes"},
    "mnist": {"optimizers", "simulation"},
    "viz": {"optimizers", "landscapes", "simulation", "mnist"},
    "ui": {"optimizers", "landscapes", "simulation", "mnist", "viz"},
    "commands": {"optimizers", "landscapes", "simulation", "mnist", "viz"},
    "app": {"ui"},
    "cli": {"commands"},
    "validation": set(),
    "numba_setup": set(),
    "claims": set(),
    "cores": set(),
}
PROJECT = set(ALLOWED)
# Imported inside a function on purpose: SymPy (seconds to import) loads only when a user defines a surface.
LAZY = {"landscapes.expression"}


def _modules() -> list[Path]:
    return sorted([*ROOT.glob("*.py"), *(p for pkg in PROJECT for p in (ROOT / pkg).rglob("*.py"))])


def _imports(tree: ast.AST):
    """(imported module, inside a function?) for every import statement of a module."""
    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                yield from ((alias.name, nested) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                yield from ((f"{child.module}.{alias.name}", nested) for alias in child.names)
            yield from visit(child, nested)
    yield from visit(tree, False)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_lower_layers(path: Path):
    layer = path.relative_to(ROOT).parts[0].removesuffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for module, in_function in _imports(tree):
        top = module.split(".")[0]
        if top not in PROJECT | BASE:
            continue
        assert top in ALLOWED[layer] | BASE | {layer}, f"{path.relative_to(ROOT)} ({layer}) imports {module}"
        lazy = any(module == name or module.startswith(f"{name}.") for name in LAZY)
        assert not in_function or lazy, f"{path.relative_to(ROOT)} imports {module} inside a function"
