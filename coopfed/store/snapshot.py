"""Consistent copies of the database for `coopfed backup`, and putting one back for `restore`.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot while
the node writes in WAL mode; copying the file itself can lose what is still in `-wal`, and with it
the co-op's keys. PostgreSQL: `pg_dump --format=custom` (one consistent snapshot) and
`pg_restore` into an empty database. Credentials go to the tools through the environment, not
their command lines (visible to every user in `ps`).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import text, update
from sqlalchemy.engine import make_url

from coopfed.store.db import create_engine
from coopfed.store.tables import deliveries, inbox_items, outgoing_mail, pending_recipients

PG_TOOL_TIMEOUT_SECONDS = 3600


class SnapshotError(Exception):
    """A copy could not be made or put back; the message says why, for an operator."""


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database, as one self-contained file (no -wal)."""
    live = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # the copy carries everything in its one file
    except sqlite3.Error as exc:
        raise SnapshotError(f"SQLite backup of {source} failed: {exc}") from None
    finally:
        copy.close()
        live.close()


def sqlite_holds_data(path: Path) -> bool:
    """Whether a SQLite file exists with any table in it (a node restore must not overwrite)."""
    if not path.exists():
        return False
    if path.stat().st_size == 0:
        return False
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        found = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        return bool(found.fetchone()[0])
    except sqlite3.DatabaseError:
        return True  # not a database we can read: certainly not ours to overwrite
    finally:
        connection.close()


async def postgres_holds_data(url: str) -> bool:
    engine = create_engine(url, pool_size=0)
    query = text(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    try:
        async with engine.connect() as conn:
            return bool((await conn.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def release_leases(url: str) -> int:
    """Clear every queue lease in a restored database; returns how many rows held one.

    A backup taken while the node runs holds the rows its worker had in hand (a delivery in
    flight: leased for 90 s). No process of the restored node took them, and the one that did
    works on another database, so they would only wait for their leases to run out: the
    restored node resent a queued delivery a minute and a half late. Released now, they are due
    at once. Whether they are tried again is unchanged (an expired lease is retried too); an
    inbox item keeps the attempt its leasing counted, as when a worker dies.
    """
    engine = create_engine(url, pool_size=0)
    released = 0
    try:
        async with engine.begin() as conn:
            for column in (
                deliveries.c.lease_until,
                inbox_items.c.lease_until,
                pending_recipients.c.lease_until,
                outgoing_mail.c.leased_until,
            ):
                statement = update(column.table).where(column.is_not(None)).values({column: None})
                released += int((await conn.execute(statement)).rowcount or 0)
    finally:
        await engine.dispose()
    return released


def _libpq_environment(url: str) -> tuple[dict[str, str], str]:
    """PG* variables for the tools, and the database name."""
    parsed = make_url(url)
    env = dict(os.environ)
    pairs = {
        "PGHOST": parsed.host,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
    }
    env.update({name: value for name, value in pairs.items() if value})
    return env, parsed.database or ""


def _run_tool(tool: str, arguments: list[str], url: str) -> None:
    program = shutil.which(tool)
    if program is None:
        raise SnapshotError(f"{tool} is not installed: install the PostgreSQL client tools")
    env, database = _libpq_environment(url)
    done = subprocess.run(
        [program, *arguments, f"--dbname={database}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=PG_TOOL_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise SnapshotError(f"{tool} failed: {reason}")


def dump_postgres(url: str, target: Path) -> None:
    _run_tool("pg_dump", ["--format=custom", "--no-owner", f"--file={target}"], url)


def restore_postgres(dump: Path, url: str) -> None:
    _run_tool("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", str(dump)], url)
