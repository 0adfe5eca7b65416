"""The backup archive: a tar.gz of the database copy, the config and `manifest.json`.

The manifest names the coopfed version, the schema revision, the co-op's actor IRI, the
database kind, when it was made, and the sha256 of every other member, so `coopfed restore`
refuses a corrupted or tampered archive before it touches anything. Only the members the
manifest lists are ever extracted, by their plain names (no paths from the archive are used).
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coopfed.cli.support import CliError

MANIFEST = "manifest.json"
CONFIG_MEMBER = "coopfed.toml"
SQLITE_MEMBER = "database.sqlite"
POSTGRES_MEMBER = "database.pgdump"
FORMAT = 1


class ArchiveError(CliError):
    """An archive that cannot be read or trusted; the message names the file (exit 2)."""


@dataclass(frozen=True)
class Manifest:
    coopfed_version: str
    schema_revision: str
    actor: str
    database: str  # "sqlite" | "postgresql"
    created_at: str
    files: dict[str, str]  # member name -> sha256

    @property
    def database_member(self) -> str:
        return SQLITE_MEMBER if self.database == "sqlite" else POSTGRES_MEMBER

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "coopfed_version": self.coopfed_version,
            "schema_revision": self.schema_revision,
            "actor": self.actor,
            "database": self.database,
            "created_at": self.created_at,
            "files": dict(sorted(self.files.items())),
        }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_archive(target: Path, members: dict[str, Path], manifest: Manifest) -> None:
    """manifest.json first (a reader sees what to expect), then the members; atomic rename."""
    partial = target.with_name(target.name + ".partial")
    body = json.dumps(manifest.to_json(), indent=2, sort_keys=True).encode()
    try:
        with tarfile.open(partial, "w:gz") as tar:
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(body))
            for name, path in members.items():
                tar.add(path, arcname=name, recursive=False)
        partial.chmod(0o600)  # it holds the co-op's private keys
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def read_manifest(archive: Path) -> Manifest:
    raw = _read_member(archive, MANIFEST)
    try:
        data = json.loads(raw)
        return Manifest(
            coopfed_version=str(data["coopfed_version"]),
            schema_revision=str(data["schema_revision"]),
            actor=str(data["actor"]),
            database=_database_kind(data["database"]),
            created_at=str(data["created_at"]),
            files={str(k): str(v) for k, v in dict(data["files"]).items()},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ArchiveError(f"{archive}: {MANIFEST} is not a coopfed manifest ({exc})") from None


def _database_kind(value: Any) -> str:
    if value not in {"sqlite", "postgresql"}:
        raise ValueError(f"unknown database kind {value!r}")
    return str(value)


def extract_verified(archive: Path, manifest: Manifest, into: Path) -> dict[str, Path]:
    """Every member the manifest lists, written under `into` and checked against its sha256."""
    wanted = set(manifest.files)
    if manifest.database_member not in wanted or CONFIG_MEMBER not in wanted:
        raise ArchiveError(f"{archive}: the manifest lists no database or no config")
    found: dict[str, Path] = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for info in tar:
                if info.name not in wanted or not info.isfile():
                    continue
                source = tar.extractfile(info)
                if source is None:
                    continue
                path = into / info.name
                with path.open("wb") as out:
                    while block := source.read(1 << 20):
                        out.write(block)
                found[info.name] = path
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ArchiveError(f"{archive}: cannot read the archive ({exc})") from None
    for name in sorted(wanted):
        if name not in found:
            raise ArchiveError(f"{archive}: {name} is missing from the archive")
        if sha256_of(found[name]) != manifest.files[name]:
            raise ArchiveError(f"{archive}: {name} does not match its checksum (corrupted archive)")
    return found


def _read_member(archive: Path, name: str) -> bytes:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(name)
            if member is None:
                raise KeyError(name)
            return member.read()
    except KeyError:
        raise ArchiveError(f"{archive}: no {name} in it (not a coopfed backup)") from None
    except FileNotFoundError:
        raise ArchiveError(f"{archive}: no such file") from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ArchiveError(f"{archive}: cannot read the archive ({exc})") from None


LAST_BACKUP_FILE = "last-backup.json"


def record_last_backup(data_dir: Path, summary: dict[str, Any]) -> None:
    """Where and when the last backup went, for `coopfed status` (a file: no schema change)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = data_dir / (LAST_BACKUP_FILE + ".partial")
    partial.write_text(json.dumps(summary, indent=2, sort_keys=True), encoding="utf-8")
    partial.replace(data_dir / LAST_BACKUP_FILE)


def read_last_backup(data_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((data_dir / LAST_BACKUP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
