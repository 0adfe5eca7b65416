"""`coopfed backup PATH` and `coopfed restore PATH --data-dir DIR`: the co-op's identity kept.

A co-op's identity is its keys, and they live in the database, so a backup is a consistent copy
of the database (never of the live file), with the config and a manifest of checksums. A restore
checks everything before it writes anything, refuses to overwrite a node that holds data, and
migrates an archive made by older code. The restored node has the same actor and keys, and its
queues (deliveries, inbox, scheduled closes) are rows in that database, so they resume.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coopfed import __version__
from coopfed.cli import archive
from coopfed.cli.support import CliError, print_json, run, settings_from

if TYPE_CHECKING:
    from coopfed.settings import Settings


def cmd_backup(args: argparse.Namespace) -> int:
    from coopfed.store import migrate

    settings = settings_from(args, "existing")
    revision = run(migrate.current_revision(settings.database_url))
    if revision is None:
        raise CliError("the database has no coopfed schema: nothing to back up")
    target = _archive_path(args.path, settings)
    created_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    with tempfile.TemporaryDirectory(prefix=".coopfed-backup-", dir=target.parent) as work:
        members = _snapshot(settings, args, Path(work))
        manifest = archive.Manifest(
            coopfed_version=__version__,
            schema_revision=revision,
            actor=_coop_actor(settings),
            database=_kind(settings.database_url),
            created_at=created_at,
            files={name: archive.sha256_of(path) for name, path in members.items()},
        )
        archive.write_archive(target, members, manifest)
    summary = {
        "path": str(target),
        "size": target.stat().st_size,
        "schema_revision": revision,
        "actor": manifest.actor,
        "database": manifest.database,
        "created_at": created_at,
    }
    archive.record_last_backup(settings.data_path, summary)
    if args.json:
        print_json(summary)
    else:
        print(f"backup of {manifest.actor} written to {target} ({summary['size']} bytes)")
    return 0


def _archive_path(given: str, settings: Settings) -> Path:
    """A directory gets a dated file name in it (what a nightly timer wants). A path ending in
    "/" names a directory even when it is missing: written as a file, it would make every later
    run of the timer fail with "already exists"."""
    path = Path(given)
    if given.endswith(("/", os.sep)) and not path.is_dir():
        raise CliError(f"{given}: no such directory: create it (mkdir -p {path}) first")
    if path.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = path / f"coopfed-{settings.coop.handle}-{stamp}.tar.gz"
    if path.exists():
        raise CliError(f"{path} already exists: choose another name (a backup never overwrites)")
    if path.parent.exists() and not path.parent.is_dir():
        raise CliError(f"{path.parent} is a file, not a directory: choose another path")
    if not path.parent.is_dir():
        raise CliError(f"{path.parent} does not exist: create it or choose another path")
    return path.resolve()


def _snapshot(settings: Settings, args: argparse.Namespace, work: Path) -> dict[str, Path]:
    from coopfed.store import snapshot
    from coopfed.store.db import is_sqlite, sqlite_path

    config = work / archive.CONFIG_MEMBER
    config.write_text(_config_text(settings, args), encoding="utf-8")
    url = settings.database_url
    try:
        if is_sqlite(url):
            source = sqlite_path(url)
            if source is None:
                raise CliError("database.url: an in-memory SQLite database cannot be backed up")
            database = work / archive.SQLITE_MEMBER
            snapshot.copy_sqlite(source, database)
        else:
            database = work / archive.POSTGRES_MEMBER
            snapshot.dump_postgres(url, database)
    except snapshot.SnapshotError as exc:
        raise CliError(str(exc)) from None
    return {database.name: database, config.name: config}


def _config_text(settings: Settings, args: argparse.Namespace) -> str:
    """The config file as the operator wrote it; a node run from the environment alone gets one
    rendered from its settings (what `coopfed init` would have written)."""
    from coopfed.settings import config_path

    file = config_path(args.config)
    if file.exists():
        return file.read_text(encoding="utf-8")
    from coopfed.cli.init import render_config

    return render_config(settings)


def _coop_actor(settings: Settings) -> str:
    from coopfed.uris import Uris

    return Uris(settings.base_url).actor(settings.coop.handle)


def _kind(url: str) -> str:
    from coopfed.store.db import is_sqlite

    return "sqlite" if is_sqlite(url) else "postgresql"


# --- restore


def cmd_restore(args: argparse.Namespace) -> int:
    from coopfed.settings import config_path

    source = Path(args.path)
    manifest = archive.read_manifest(_existing(source))
    config_file = config_path(args.config)
    if config_file.exists():
        raise CliError(
            f"{config_file} already exists: a node is configured here "
            "(restore with --config NEW_PATH, or move it away)"
        )
    data_dir = Path(args.data_dir).resolve()
    if data_dir.exists() and not data_dir.is_dir():
        raise CliError(f"--data-dir: {data_dir} is not a directory")
    url = _target_url(manifest, args.database_url, data_dir)
    _refuse_live_target(url)
    _refuse_newer_archive(manifest, url)
    with tempfile.TemporaryDirectory(prefix="coopfed-restore-") as work:
        members = archive.extract_verified(source, manifest, Path(work))
        config_text = _restored_config(
            members[archive.CONFIG_MEMBER], data_dir, args.database_url or ""
        )
        _put_database(members[manifest.database_member], url, data_dir)
    _migrate(url, manifest)
    _release_leases(url)
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text(config_text, encoding="utf-8")
    config_file.chmod(0o600)
    summary = {
        "path": str(source.resolve()),
        "config": str(config_file.resolve()),
        "data_dir": str(data_dir),
        "actor": manifest.actor,
        "database": manifest.database,
        "schema_revision": manifest.schema_revision,
        "created_at": manifest.created_at,
    }
    if args.json:
        print_json(summary)
    else:
        print(
            f"restored {manifest.actor} (backup of {manifest.created_at}); config in {config_file}"
        )
    return 0


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise CliError(f"{path}: no such backup file")
    return path


def _target_url(manifest: archive.Manifest, database_url: str | None, data_dir: Path) -> str:
    from coopfed.settings import SettingsError, build_settings

    raw: dict[str, Any] = {
        "coop": {"name": "restore", "handle": "restore"},
        "server": {"url": "https://restore.invalid", "data_dir": str(data_dir)},
        "database": {"url": database_url or ""},
    }
    try:
        url = build_settings(raw, "--database-url").database_url
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    if _kind(url) != manifest.database:
        raise CliError(
            f"the archive holds a {manifest.database} database; restore it into the same kind "
            + (
                "(pass --database-url postgresql://USER@HOST/DB)"
                if manifest.database == "postgresql"
                else "(leave out --database-url: SQLite goes in the data dir)"
            )
        )
    return url


def _refuse_live_target(url: str) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from coopfed.store import snapshot
    from coopfed.store.db import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        if path.exists() or Path(f"{path}-wal").exists():
            raise CliError(
                f"--data-dir: {path} already exists: restore never overwrites a node "
                "(choose an empty data dir)"
            )
        return
    try:
        holds_data = run(snapshot.postgres_holds_data(url))
    except (OSError, SQLAlchemyError) as exc:
        raise CliError(
            f"--database-url: cannot reach the database ({exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0][:200]}): create it first"
        ) from None
    if holds_data:
        raise CliError(
            "--database-url: the database already has tables: restore never overwrites a node "
            "(create an empty database)"
        )


def _refuse_newer_archive(manifest: archive.Manifest, url: str) -> None:
    from coopfed.store import migrate

    if not migrate.is_known_revision(url, manifest.schema_revision):
        raise CliError(
            f"the archive is at schema {manifest.schema_revision}, unknown to coopfed "
            f"{__version__} (made by a newer version?): restore it with that version"
        )


def _restored_config(config: Path, data_dir: Path, database_url: str) -> str:
    """The archived config pointed at the new data dir and database; everything else kept."""
    from coopfed.cli.init import toml_value
    from coopfed.settings import SettingsError, build_settings

    try:
        raw = tomllib.loads(config.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CliError(f"the archived config is not valid TOML: {exc}") from None
    raw.setdefault("server", {})["data_dir"] = str(data_dir)
    raw.setdefault("database", {})["url"] = database_url
    try:
        build_settings(raw, "the archived config")
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    lines = ["# coopfed node configuration, written by `coopfed restore`.", ""]
    for section, values in raw.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in values.items())
        lines.append("")
    return "\n".join(lines)


def _put_database(copy: Path, url: str, data_dir: Path) -> None:
    from coopfed.store import snapshot
    from coopfed.store.db import sqlite_path

    path = sqlite_path(url)
    if path is None:
        try:
            snapshot.restore_postgres(copy, url)
        except snapshot.SnapshotError as exc:
            raise CliError(str(exc)) from None
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    shutil.copyfile(copy, partial)
    partial.chmod(0o600)
    partial.replace(path)


def _migrate(url: str, manifest: archive.Manifest) -> None:
    """An archive from older code is brought to this code's schema (its data kept)."""
    from coopfed.store import migrate

    if manifest.schema_revision != migrate.head_revision(url):
        migrate.upgrade(url)


def _release_leases(url: str) -> None:
    """The backed-up node's workers' leases: none of them holds anything here (see
    `snapshot.release_leases`)."""
    from coopfed.store import snapshot

    run(snapshot.release_leases(url))


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    backup = sub.add_parser(
        "backup", parents=[common], help="one archive of the database, config and manifest"
    )
    backup.add_argument("path", help="archive file to write (a directory: a dated name in it)")
    backup.add_argument("--json", action="store_true", help="machine-readable output")
    backup.set_defaults(handler=cmd_backup)

    restore = sub.add_parser(
        "restore", parents=[common], help="a new node from a backup (never overwrites one)"
    )
    restore.add_argument("path", help="archive written by `coopfed backup`")
    restore.add_argument("--data-dir", required=True, help="data directory of the restored node")
    restore.add_argument(
        "--database-url", help="empty PostgreSQL database (default: SQLite in the data dir)"
    )
    restore.add_argument("--json", action="store_true", help="machine-readable output")
    restore.set_defaults(handler=cmd_restore)
