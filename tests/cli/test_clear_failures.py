"""A database the command cannot use: one line naming the setting and what to do, exit 2.

Each case runs the real CLI as a subprocess (what an operator sees: stderr and the exit status)
and checks that nothing was created by accident: SQLite makes a file on connect.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from coopfed.store import migrate
from tests.support.databases import PG_SKIP_REASON, PG_URL, PostgresDatabases
from tests.support.processes import coopfed, free_port

pytestmark = pytest.mark.slow


def write_config(directory: Path, *, data_dir: str = "data", database_url: str = "") -> Path:
    config = directory / "coopfed.toml"
    config.write_text(
        "\n".join(
            [
                "[coop]",
                'name = "Failing Co-op"',
                'handle = "failing"',
                "[server]",
                'url = "http://127.0.0.1:8765"',
                f'data_dir = "{data_dir}"',
                "[database]",
                f'url = "{database_url}"',
                "",
            ]
        )
    )
    return config


def refused(directory: Path, *argv: str) -> str:
    """The single stderr line of a command that must exit 2 without a traceback."""
    done = coopfed(*argv, "--config", str(directory / "coopfed.toml"), cwd=directory)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("coopfed: error: ")
    return lines[0]


def test_sqlite_file_in_a_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    write_config(tmp_path, database_url=f"sqlite+aiosqlite:///{missing}/coopfed.db")
    line = refused(tmp_path, "member", "list")
    assert "database.url" in line and str(missing) in line and "does not exist" in line
    assert not (tmp_path / "no").exists()


def test_missing_data_dir_is_not_created(tmp_path: Path) -> None:
    write_config(tmp_path, data_dir="gone")
    line = refused(tmp_path, "proposal", "list")
    assert "server.data_dir" in line and "coopfed init" in line
    assert not (tmp_path / "gone").exists()


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "notadir").write_text("x")
    write_config(tmp_path, data_dir="notadir")
    line = refused(tmp_path, "worker")
    assert "server.data_dir" in line and "is not a directory" in line


def test_data_dir_without_a_database_is_left_empty(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    write_config(tmp_path)
    line = refused(tmp_path, "member", "list")
    assert "no database at" in line and "coopfed init" in line
    assert list((tmp_path / "data").iterdir()) == []


def test_postgres_on_a_closed_port(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there once the probe socket is closed
    write_config(tmp_path, database_url=f"postgresql://coopfed:secret@127.0.0.1:{port}/coopfed")
    line = refused(tmp_path, "member", "list")
    assert "database.url" in line and "cannot reach" in line and f"127.0.0.1:{port}" in line
    assert "secret" not in line


def test_init_against_a_closed_postgres_writes_nothing(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/coopfed"
    args = ["init", "--url", "http://127.0.0.1:8765", "--name", "X", "--handle", "x"]
    line = refused(tmp_path, *args, "--database-url", url)
    assert "database.url" in line and "cannot reach" in line
    assert list(tmp_path.iterdir()) == []


def test_command_before_the_schema_exists(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    sqlite3.connect(tmp_path / "data" / "coopfed.db").close()  # an empty database file
    write_config(tmp_path)
    line = refused(tmp_path, "member", "list")
    assert "no coopfed schema" in line and "coopfed db upgrade" in line


def test_schema_behind_the_code_asks_for_an_upgrade(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'coopfed.db'}"
    migrate.upgrade(url, "0014")
    write_config(tmp_path)
    line = refused(tmp_path, "proposal", "list")
    assert "0014" in line and "coopfed db upgrade" in line and "coopfed backup" in line


def test_serve_with_several_workers_on_sqlite(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    write_config(tmp_path)
    line = refused(tmp_path, "serve", "--workers", "2")
    assert "server.workers" in line and "PostgreSQL" in line
    assert list((tmp_path / "data").iterdir()) == []


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_postgres_database_without_schema(
    tmp_path: Path, postgres_databases: PostgresDatabases
) -> None:
    url = asyncio.run(postgres_databases.fresh(migrated=False))
    write_config(tmp_path, database_url=url)
    line = refused(tmp_path, "member", "list")
    assert "database.url" in line and "no coopfed schema" in line
