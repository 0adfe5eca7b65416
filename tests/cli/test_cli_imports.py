"""`coopfed.cli` (the parser of every command) loads no database, HTTP or migration library:
`coopfed --help` and a command's start-up do not wait for what the command does not use."""

from __future__ import annotations

import json
import subprocess
import sys

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
