"""coopfed.governance imports only the standard library and itself (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import coopfed.governance

PACKAGE_DIR = Path(coopfed.governance.__file__).parent


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: inside the package by construction
                continue
            found.append((node.lineno, node.module or ""))
    return found


def allowed(module: str) -> bool:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return True
    return module == "coopfed.governance" or module.startswith("coopfed.governance.")


def test_governance_imports_only_stdlib_and_itself() -> None:
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    assert len(files) > 10, "expected to walk the whole governance package"
    offenders = [
        f"{path.relative_to(PACKAGE_DIR)}:{line} imports {module}"
        for path in files
        for line, module in imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        if not allowed(module)
    ]
    assert offenders == []


def test_the_check_catches_forbidden_imports() -> None:
    tree = ast.parse(
        "import httpx\nfrom starlette.requests import Request\nfrom coopfed.store import x"
    )
    assert [module for _, module in imported_modules(tree) if not allowed(module)] == [
        "httpx",
        "starlette.requests",
        "coopfed.store",
    ]
