"""`coopfed charter show|set` through `main()`, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.governance_support import Cli, write_config


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


def test_show_then_set_a_new_version(cli: Cli, tmp_path: Path) -> None:
    first = cli.json("charter", "show")
    assert isinstance(first, dict) and first["version"] == 1
    assert first["charter"]["quorum"] is None and len(first["hash"]) == 64
    code, out, _ = cli("charter", "show")
    assert code == 0 and out.startswith("charter version 1 (sha256 ") and "quorum: null" in out
    change = tmp_path / "charter.json"
    change.write_text(json.dumps({"quorum": "1/3", "who_may_propose": "admins"}))
    code, out, _ = cli("charter", "set", str(change))
    assert code == 0 and out.startswith("charter version 2 ")
    second = cli.json("charter", "show")
    assert isinstance(second, dict) and second["version"] == 2
    assert second["charter"]["quorum"] == "1/3" and second["charter"]["who_may_propose"] == "admins"
    # What `show --json` prints can be set again: unchanged, so no new version.
    change.write_text(json.dumps(second))
    again = cli.json("charter", "set", str(change))
    assert isinstance(again, dict) and again["version"] == 2


def test_bad_files_and_bad_settings_exit_2_with_one_line(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    assert "No such file" in cli.refused("charter", "set", str(tmp_path / "missing.json"))
    bad.write_text("{nope")
    assert "not valid JSON" in cli.refused("charter", "set", str(bad))
    bad.write_text("[1, 2]")
    assert "JSON object" in cli.refused("charter", "set", str(bad))
    bad.write_text(json.dumps({"quorum": "7/5", "colour": "red"}))
    error = cli.refused("charter", "set", str(bad))
    assert "quorum:" in error and "colour: Not a charter setting" in error
    bad.write_text(json.dumps({"eligible_classes": ["emperor"]}))
    assert "Unknown classes: emperor" in cli.refused("charter", "set", str(bad))
    shown = cli.json("charter", "show")
    assert isinstance(shown, dict) and shown["version"] == 1
