"""Checks a command makes before it touches the database: one line naming the setting, exit 2.

An unreachable PostgreSQL, a SQLite file in a missing directory, a data_dir that is a file, or a
command run before the schema exists used to end in a long traceback, and SQLite created an
empty database on connect. Every check here runs before any engine connects, and the SQLite
file is looked at, never opened, so a refused command leaves no file behind.
"""

from __future__ import annotations

import asyncio
import os
from enum import Enum
from typing import TYPE_CHECKING

from coopfed.settings import SettingsError

if TYPE_CHECKING:
    from coopfed.settings import Settings

CONNECT_TIMEOUT_SECONDS = 10.0
BACKUP_HINT = "back up first with `coopfed backup PATH`"


class Need(Enum):
    """How much of the database a command needs before it starts."""

    CREATES = "creates"  # serve, db upgrade: reachable; a SQLite file may still be made
    EXISTING = "existing"  # db current, backup: an existing database, any schema
    SCHEMA = "schema"  # every other command: the schema at this code's head


class DatabaseNotReady(SettingsError):
    """The database cannot serve this command; the message says which setting and what to do.
    (A SettingsError: `coopfed.cli.main` prints it as one line and exits 2.)"""


def check(settings: Settings, need: Need) -> None:
    from coopfed.store.db import is_sqlite

    url = settings.database_url
    _check_data_dir(settings)
    if is_sqlite(url):
        _check_sqlite_file(settings, need)
    revision = _current_revision(url, _setting_of(settings))
    if need is Need.SCHEMA:
        check_schema_at_head(url, revision, _setting_of(settings))


def check_before_init(settings: Settings) -> None:
    """`coopfed init` makes the data dir and the SQLite file itself; PostgreSQL must answer."""
    from coopfed.store.db import is_sqlite

    _check_data_dir(settings)
    if not is_sqlite(settings.database_url):
        _current_revision(settings.database_url, "database.url")


def _setting_of(settings: Settings) -> str:
    return "database.url" if settings.database.url else "server.data_dir"


def _check_data_dir(settings: Settings) -> None:
    data_dir = settings.data_path
    if data_dir.exists() and not data_dir.is_dir():
        raise DatabaseNotReady(
            f"server.data_dir: {data_dir} is not a directory: point server.data_dir at one"
        )
    if data_dir.is_dir() and not os.access(data_dir, os.W_OK | os.X_OK):
        raise DatabaseNotReady(
            f"server.data_dir: {data_dir} is not writable by this user: "
            "fix its owner or the setting"
        )


def _check_sqlite_file(settings: Settings, need: Need) -> None:
    from coopfed.store.db import sqlite_path

    path = sqlite_path(settings.database_url)
    if path is None:
        return
    setting = _setting_of(settings)
    if not path.parent.is_dir():
        raise DatabaseNotReady(
            f"{setting}: directory {path.parent} of the SQLite database does not exist: "
            f"fix {setting}, or create a node there with `coopfed init`"
        )
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise DatabaseNotReady(
            f"{setting}: {path.parent} is not writable by this user (SQLite writes its WAL "
            "beside the database): fix its owner or the setting"
        )
    if need is not Need.CREATES and not path.exists():
        raise DatabaseNotReady(
            f"{setting}: no database at {path}: run `coopfed init` for a new node, or fix {setting}"
        )


def _current_revision(url: str, setting: str) -> str | None:
    from sqlalchemy.exc import SQLAlchemyError

    from coopfed.store import migrate
    from coopfed.store.db import is_sqlite, sqlite_path

    path = sqlite_path(url)
    if is_sqlite(url) and path is not None and not path.exists():
        return None  # Need.CREATES on a new file: nothing to ask, and nothing to create here

    async def ask() -> str | None:
        return await asyncio.wait_for(migrate.current_revision(url), CONNECT_TIMEOUT_SECONDS)

    try:
        return asyncio.run(ask())
    except (OSError, SQLAlchemyError, TimeoutError) as exc:
        raise DatabaseNotReady(
            f"{setting}: cannot reach the database at {_safe(url)} ({_reason(exc)}): "
            f"start it, or fix {setting}"
        ) from None


def check_schema_at_head(url: str, revision: str | None, setting: str) -> None:
    from coopfed.store import migrate

    head = migrate.head_revision(url)
    if revision == head:
        return
    if revision is None:
        raise DatabaseNotReady(
            f"{setting}: the database at {_safe(url)} has no coopfed schema yet: "
            "run `coopfed db upgrade` (or `coopfed init` for a new node)"
        )
    if not migrate.is_known_revision(url, revision):
        raise DatabaseNotReady(
            f"{setting}: the database is at schema {revision}, which this coopfed does not know "
            f"(made by a newer version?): upgrade coopfed (its head is {head})"
        )
    raise DatabaseNotReady(
        f"{setting}: the database is at schema {revision}, this coopfed needs {head}: "
        f"run `coopfed db upgrade` ({BACKUP_HINT})"
    )


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        rendered: str = make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL SQLAlchemy cannot parse is shown as the scheme only
        return url.split("://", 1)[0] + "://…"
    return rendered


def _reason(exc: BaseException) -> str:
    """The innermost cause's first line, short: `Connect call failed …`, `database … not exist`."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    if isinstance(exc, TimeoutError):
        return f"no answer in {CONNECT_TIMEOUT_SECONDS:g} s"
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first[:200]
