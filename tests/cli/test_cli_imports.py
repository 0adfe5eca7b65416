"""`coopfed.cli` (the parser of every command) loads no database, HTTP or migration library:
`coopfed --help` and a command's start-up do not wait for what the command does not use."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import coopfed.cli

HEAVY = ("sqlalchemy", "alembic", "httpx", "cryptography", "coopfed.node", "coopfed.services.")
LIGHT = frozenset({"coopfed.services.errors"})  # the refusals the CLI turns into exit code 2


def test_importing_the_cli_and_building_the_parser_loads_no_heavy_module() -> None:
    # Regression guard: the command modules once imported the node, the services and alembic
    # at the top, so every `coopfed` call spent ~1 s importing before parsing its arguments.
    # A fresh interpreter: this test process has long imported all of them.
    code = (
        "import json, sys\n"
        "from coopfed.cli import build_parser\n"
        "build_parser()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    heavy = [
        name
        for name in loaded
        if (name.split(".")[0] in HEAVY or name.startswith(HEAVY)) and name not in LIGHT
    ]
    assert heavy == []


def _cli_imports(path: Path) -> set[str]:
    """The `coopfed.cli` modules `path` imports, at the top or inside functions alike."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module == "coopfed.cli":  # `from coopfed.cli import support`
                found.update(f"coopfed.cli.{alias.name}" for alias in node.names)
            elif node.module.startswith("coopfed.cli."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("coopfed.cli."))
    return found


def test_cli_modules_import_each_other_without_cycles() -> None:
    # Regression: member_commands imported membership_commands, which imported
    # member_commands back (for make_resolver, now in cli/support.py).
    package = Path(coopfed.cli.__file__).parent
    graph = {f"coopfed.cli.{p.stem}": _cli_imports(p) for p in package.glob("*.py")}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, set()) - seen:
            if nxt == goal or reaches(nxt, goal, seen | {nxt}):
                return True
        return False

    cycles = sorted(name for name in graph if reaches(name, name, set()))
    assert cycles == []
