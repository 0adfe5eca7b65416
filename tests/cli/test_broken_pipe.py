"""`coopfed ... --json | head -1`: a reader that goes away ends the command quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from coopfed.cli import main

INIT = ["init", "--url", "http://127.0.0.1:8765", "--name", "Test Co-op", "--handle", "testcoop"]


def test_json_into_a_closed_pipe_exits_without_a_traceback(tmp_path: Path) -> None:
    # Regression (issue 13, "Also"): the interpreter's flush raised BrokenPipeError and printed a
    # traceback when the reader (`head -1`) had already exited.
    config = tmp_path / "coopfed.toml"
    assert main([*INIT, "--config", str(config)]) == 0
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes its first line
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-m", "coopfed.cli", "db", "current", "--json", "--config", str(config)],
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr
    assert done.stderr == ""
    assert done.returncode == 141
