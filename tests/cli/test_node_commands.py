"""`coopfed init`, `db`, `admin create`: refusals exit 2 with one line and change nothing."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from coopfed.cli import main

INIT = ["init", "--url", "http://127.0.0.1:8765", "--name", "Test Co-op", "--handle", "testcoop"]


def digest_tree(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "coopfed.toml"


def test_init_creates_config_database_and_keys(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    assert "@testcoop@127.0.0.1:8765" in capsys.readouterr().out
    assert (config.parent / "data" / "coopfed.db").exists()
    assert main(["db", "current", "--json", "--config", str(config)]) == 0
    state = json.loads(capsys.readouterr().out)
    assert state["up_to_date"] is True and state["current"] == state["head"]


def test_init_twice_refuses_and_changes_nothing(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    before = digest_tree(config.parent)
    capsys.readouterr()
    assert main([*INIT, "--name", "Other", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coopfed: error:") and "--force" in err
    assert len(err.strip().splitlines()) == 1
    assert digest_tree(config.parent) == before


def test_init_force_replaces_the_node(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    assert main([*INIT[:-1], "othercoop", "--force", "--config", str(config)]) == 0
    assert 'handle = "othercoop"' in config.read_text()


def test_init_with_bad_values_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "coopfed.toml"
    code = main(
        ["init", "--url", "ftp://x", "--name", "X", "--handle", "x", "--config", str(config)]
    )
    assert code == 2
    assert "server.url" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_init_takes_a_time_zone_and_refuses_a_made_up_one(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*INIT, "--time-zone", "Mars/Olympus", "--config", str(config)]) == 2
    assert "coop.time_zone" in capsys.readouterr().err
    assert list(config.parent.iterdir()) == []
    assert main([*INIT, "--time-zone", "Europe/Paris", "--config", str(config)]) == 0
    assert 'time_zone = "Europe/Paris"' in config.read_text()


def test_broken_config_names_the_setting(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    config.write_text(config.read_text().replace("port = 8765", 'port = "many"'))
    capsys.readouterr()
    assert main(["db", "current", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "server.port" in err and "Traceback" not in err


def test_admin_create_reads_password_from_stdin(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["admin", "create", "alice", "--config", str(config)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    capsys.readouterr()
    assert main(["admin", "create", "alice", "--config", str(config)]) == 2
    assert "already taken" in capsys.readouterr().err


def test_admin_create_refuses_a_short_password(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main([*INIT, "--config", str(config)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    capsys.readouterr()
    assert main(["admin", "create", "alice", "--config", str(config)]) == 2
    assert "at least" in capsys.readouterr().err


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == 2
