"""The one dependency rule (docs/architecture.md), checked on every import of the package.

Layers, bottom up: `governance/` (standard library only) and `activitypub/` (the protocol
library: no other coopfed package); `store/` (the only SQL); `federation/` (inbox pipeline,
keys, delivery, the wire mapping; never services); `services/` (use cases); the adapters
`web/`, `inbound/` and `cli/`, which alone call services and never import each other; and the
composition roots `app.py` and `worker.py`, which wire it all.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import coopfed

PACKAGE = Path(coopfed.__file__).parent

CORE = {
    "settings",
    "uris",
    "node",
    "metrics",
    "i18n",
    "__version__",
    "coopfed",
}  # coopfed: the package root
# For each layer, the other coopfed layers it may import ("*" = any; governance is special:
# nothing outside the standard library at all).
ALLOWED: dict[str, set[str]] = {
    "governance": set(),
    "activitypub": set(),
    "settings": set(),
    "uris": set(),
    "metrics": set(),
    "i18n": set(),
    "store": {"governance", "activitypub"},
    "node": {"settings", "uris", "store", "federation"},
    "federation": {"governance", "activitypub", "store"} | CORE,
    "services": {"governance", "activitypub", "store", "federation"} | CORE,
    "web": {"governance", "activitypub", "store", "federation", "services"} | CORE,
    "inbound": {"governance", "activitypub", "store", "federation", "services"} | CORE,
    "cli": {"governance", "activitypub", "store", "federation", "services", "app", "worker"} | CORE,
    "app": {"*"},
    "worker": {"*"},
}


def layer_of(module: str) -> str | None:
    """`coopfed.store.members` -> `store`; None for anything outside coopfed."""
    parts = module.split(".")
    if parts[0] != "coopfed":
        return None
    return parts[1] if len(parts) > 1 else "coopfed"


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: inside the package by construction
                continue
            if node.module == "coopfed":  # `from coopfed import __version__`
                found.extend((node.lineno, f"coopfed.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, node.module or ""))
    return found


def refusal(source_layer: str, module: str) -> str | None:
    """Why `source_layer` may not import `module`; None when it may."""
    top = module.split(".")[0]
    if source_layer == "governance":
        stdlib = top in sys.stdlib_module_names or top == "__future__"
        own = layer_of(module) == "governance"
        return None if stdlib or own else "governance imports only the standard library"
    target = layer_of(module)
    if target is None or target == source_layer:
        return None
    allowed = ALLOWED.get(source_layer, set())
    if "*" in allowed or target in allowed:
        return None
    return f"{source_layer} may not import {target}"


def layer_of_file(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def offenders(files: list[Path]) -> list[str]:
    found: list[str] = []
    for path in files:
        source = layer_of_file(path)
        for line, module in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            reason = refusal(source, module)
            if reason is not None:
                found.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}: {reason}")
    return found


def test_every_layer_of_the_package_is_named_in_the_rule() -> None:
    layers = {layer_of_file(path) for path in PACKAGE.rglob("*.py")} - {"__init__", "__main__"}
    assert layers - ALLOWED.keys() == set()


def test_every_import_follows_the_dependency_rule() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 150, "expected to walk the whole package"
    assert offenders(files) == []


def test_governance_imports_only_stdlib_and_itself() -> None:
    files = sorted((PACKAGE / "governance").rglob("*.py"))
    assert len(files) > 10, "expected to walk the whole governance package"
    assert offenders(files) == []


GOVERNANCE_RULE = "governance imports only the standard library"


@pytest.mark.parametrize(
    ("layer", "source", "reason"),
    [
        ("governance", "import httpx", GOVERNANCE_RULE),
        ("governance", "from coopfed.store import x", GOVERNANCE_RULE),
        (
            "activitypub",
            "from coopfed.governance import canonical",
            "activitypub may not import governance",
        ),
        ("store", "from coopfed.services import members", "store may not import services"),
        ("store", "from coopfed.web.app import x", "store may not import web"),
        ("federation", "from coopfed.services import votes", "federation may not import services"),
        ("federation", "from coopfed.inbound import dispatch", "federation may not import inbound"),
        ("services", "from coopfed.web.forms import x", "services may not import web"),
        ("services", "import coopfed.cli.support", "services may not import cli"),
        ("web", "from coopfed.inbound import dispatch", "web may not import inbound"),
        ("inbound", "from coopfed.web import clientaddr", "inbound may not import web"),
        ("cli", "from coopfed.web import admin", "cli may not import web"),
    ],
)
def test_the_check_catches_forbidden_imports(layer: str, source: str, reason: str) -> None:
    [(_, module)] = imported_modules(ast.parse(source))
    assert refusal(layer, module) == reason


def test_the_check_lets_allowed_imports_pass() -> None:
    allowed = [
        ("governance", "from datetime import datetime"),
        ("activitypub", "import httpx"),
        ("store", "from coopfed.governance.members import Member"),
        ("federation", "from coopfed.store import inbox"),
        ("services", "from coopfed.federation.mapping.votes import ap_to_vote"),
        ("inbound", "from coopfed.services import follows"),
        ("cli", "from coopfed.app import create_app"),
    ]
    for layer, source in allowed:
        [(_, module)] = imported_modules(ast.parse(source))
        assert refusal(layer, module) is None, source
