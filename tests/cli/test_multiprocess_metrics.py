"""Which directory a process counts into, and what `serve` sweeps from it as it starts."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from coopfed.cli.multiprocess_metrics import directory_for, sweep
from coopfed.settings import Settings
from tests.conftest import make_settings


def settings_in(tmp_path: Path, multiprocess_dir: str = "") -> Settings:
    settings = make_settings("sqlite+aiosqlite:///:memory:", tmp_path)
    return replace(settings, metrics=replace(settings.metrics, multiprocess_dir=multiprocess_dir))


def test_serve_with_several_web_processes_uses_the_data_dir(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    assert directory_for(settings, web_processes=1) is None
    assert directory_for(settings, web_processes=2) == settings.data_path / "metrics"


def test_a_worker_joins_only_a_directory_that_exists(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    assert directory_for(settings, web_processes=None) is None
    (settings.data_path / "metrics").mkdir(parents=True)
    assert directory_for(settings, web_processes=None) == settings.data_path / "metrics"


def test_the_setting_wins_and_is_relative_to_the_data_dir(tmp_path: Path) -> None:
    settings = settings_in(tmp_path, "counts")
    for processes in (1, 2, None):
        assert directory_for(settings, web_processes=processes) == settings.data_path / "counts"
    absolute = settings_in(tmp_path, str(tmp_path / "elsewhere"))
    assert directory_for(absolute, web_processes=1) == tmp_path / "elsewhere"


def test_sweep_removes_the_files_of_processes_that_are_gone(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead, alive = int(gone.stdout), os.getpid()
    names = [f"counter_{dead}.db", f"histogram_{dead}.db", f"gauge_mostrecent_{dead}.db"]
    kept = [f"counter_{alive}.db", "notes.txt", "counter_x.db"]
    for name in names + kept:
        (tmp_path / name).write_bytes(b"")
    assert sweep(tmp_path) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)
