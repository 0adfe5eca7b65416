"""`coopfed backup` / `coopfed restore`: refusals exit 2 with one line; nothing is written."""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest

from coopfed.cli import main
from coopfed.node import Node
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.settings import load_settings
from coopfed.store import migrate
from coopfed.store.actors import get_local_actor
from coopfed.store.deliveries import lease_due
from tests.support.databases import PG_SKIP_REASON, PG_URL, PostgresDatabases

INIT = ["init", "--url", "http://127.0.0.1:8765", "--name", "Test Co-op", "--handle", "testcoop"]


@pytest.fixture
def archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    config = tmp_path / "node" / "coopfed.toml"
    assert main([*INIT, "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["backup", str(tmp_path), "--json", "--config", str(config)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) >= {"path", "size", "schema_revision", "actor", "database"}
    return Path(summary["path"])


def restore(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["restore", *argv])
    return code, capsys.readouterr().err


def test_backup_records_the_manifest_and_the_last_backup(archive: Path, tmp_path: Path) -> None:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        manifest = json.loads(member.read())
    assert set(manifest["files"]) == {"database.sqlite", "coopfed.toml"}
    assert manifest["actor"] == "http://127.0.0.1:8765/actors/testcoop"
    assert manifest["database"] == "sqlite" and manifest["schema_revision"]
    last = json.loads((tmp_path / "node" / "data" / "last-backup.json").read_text())
    assert last["path"] == str(archive)


def test_restore_refuses_a_corrupted_archive(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupted = tmp_path / "corrupted.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(corrupted, "w:gz") as target:
        for info in source.getmembers():
            data = source.extractfile(info)
            assert data is not None
            body = data.read()
            if info.name == "database.sqlite":
                body = body[:-1] + bytes([body[-1] ^ 1])
            target.addfile(info, io.BytesIO(body))
    new = tmp_path / "new"
    code, err = restore(
        capsys, str(corrupted), "--data-dir", str(new / "data"), "--config", str(new / "c.toml")
    )
    assert code == 2 and "database.sqlite" in err and "checksum" in err
    assert not new.exists()


def test_restore_refuses_a_truncated_archive(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    new = tmp_path / "new"
    code, err = restore(
        capsys, str(truncated), "--data-dir", str(new / "data"), "--config", str(new / "c.toml")
    )
    assert code == 2 and str(truncated) in err and len(err.strip().splitlines()) == 1
    assert not new.exists()


def test_restore_never_overwrites_a_node(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = tmp_path / "node"
    before = (node / "data" / "coopfed.db").read_bytes()
    code, err = restore(
        capsys, str(archive), "--data-dir", str(node / "data"), "--config", str(tmp_path / "x.toml")
    )
    assert code == 2 and "already exists" in err and "never overwrites" in err
    code, err = restore(
        capsys,
        str(archive),
        "--data-dir",
        str(tmp_path / "d"),
        "--config",
        str(node / "coopfed.toml"),
    )
    assert code == 2 and "coopfed.toml already exists" in err
    assert (node / "data" / "coopfed.db").read_bytes() == before
    assert not (tmp_path / "x.toml").exists() and not (tmp_path / "d").exists()


def test_restore_refuses_another_database_kind(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = restore(
        capsys, str(archive), "--data-dir", str(tmp_path / "d"),
        "--database-url", "postgresql://postgres@127.0.0.1:1/x",
        "--config", str(tmp_path / "c.toml"),
    )  # fmt: skip
    assert code == 2 and "sqlite database" in err


def test_an_archive_from_older_code_is_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old"
    (old / "data").mkdir(parents=True)
    migrate.upgrade(f"sqlite+aiosqlite:///{old / 'data' / 'coopfed.db'}", "0014")
    config = old / "coopfed.toml"
    config.write_text(
        '[coop]\nname = "Old"\nhandle = "old"\n[server]\nurl = "http://127.0.0.1:8766"\n'
    )
    assert main(["backup", str(tmp_path / "old.tar.gz"), "--config", str(config)]) == 0
    new = tmp_path / "new"
    code, err = restore(
        capsys, str(tmp_path / "old.tar.gz"), "--data-dir", str(new / "data"),
        "--config", str(new / "coopfed.toml"),
    )  # fmt: skip
    assert code == 0, err
    assert main(["db", "current", "--json", "--config", str(new / "coopfed.toml")]) == 0
    state = json.loads(capsys.readouterr().out)
    assert state["up_to_date"] is True


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_restore_refuses_a_postgres_database_with_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], postgres_databases: PostgresDatabases
) -> None:
    source = asyncio.run(postgres_databases.fresh(migrated=False))
    config = tmp_path / "node" / "coopfed.toml"
    assert main([*INIT, "--database-url", source, "--config", str(config)]) == 0
    assert main(["backup", str(tmp_path / "pg.tar.gz"), "--config", str(config)]) == 0
    live = asyncio.run(postgres_databases.fresh())  # migrated: it has tables
    new = tmp_path / "new"
    code, err = restore(
        capsys, str(tmp_path / "pg.tar.gz"), "--data-dir", str(new / "data"),
        "--database-url", live, "--config", str(new / "coopfed.toml"),
    )  # fmt: skip
    assert code == 2 and "already has tables" in err
    code, err = restore(
        capsys, str(tmp_path / "pg.tar.gz"), "--data-dir", str(new / "data"),
        "--config", str(new / "coopfed.toml"),
    )  # fmt: skip
    assert code == 2 and "--database-url postgresql://" in err
    assert not new.exists()


def test_backup_to_a_missing_directory_writes_no_file_named_like_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Trial: `coopfed backup /var/backups/coopfed/` before the directory existed wrote the
    archive as a file of that name, and every later nightly run failed with "already exists"."""
    config = tmp_path / "node" / "coopfed.toml"
    assert main([*INIT, "--config", str(config)]) == 0
    missing = tmp_path / "backups"
    capsys.readouterr()
    assert main(["backup", f"{missing}/", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "no such directory" in err and f"mkdir -p {missing}" in err
    assert not missing.exists()
    missing.write_text("not a directory")
    assert main(["backup", str(missing / "one.tar.gz"), "--config", str(config)]) == 2
    assert "is a file, not a directory" in capsys.readouterr().err


# --- a backup taken while a worker holds leases (issue #17's flaky restore) -------------------


async def _queue_and_lease(config: Path) -> None:
    """A delivery queued and leased, as the worker of a serving node holds one in flight."""
    node = Node.from_settings(load_settings(config))
    try:
        async with node.engine.begin() as conn:
            coop = await get_local_actor(conn, "testcoop")
            assert coop is not None
            activity = {"id": new_activity_id(node.uris), "type": "Create", "actor": "x"}
            await publish(
                conn, sender=coop, activity=activity, audience=Audience(), now=node.now(),
                governance=True, extra_inboxes=["https://peer.example/inbox"],
            )  # fmt: skip
            now, lease = node.now(), timedelta(seconds=90)
            assert len(await lease_due(conn, now=now, lease_until=now + lease, limit=10)) == 1
    finally:
        await node.close()


async def _due_now(config: Path) -> int:
    node = Node.from_settings(load_settings(config))
    try:
        async with node.engine.begin() as conn:
            now = node.now()
            return len(await lease_due(conn, now=now, lease_until=now, limit=10))
    finally:
        await node.close()


def _restored_delivery_is_due(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str | None, target: str | None
) -> None:
    config = tmp_path / "node" / "coopfed.toml"
    pg = ["--database-url", source] if source else []
    assert main([*INIT, *pg, "--config", str(config)]) == 0
    asyncio.run(_queue_and_lease(config))
    assert asyncio.run(_due_now(config)) == 0  # leased: no worker may take it
    assert main(["backup", str(tmp_path / "b.tar.gz"), "--config", str(config)]) == 0
    new = tmp_path / "new" / "coopfed.toml"
    code, err = restore(
        capsys, str(tmp_path / "b.tar.gz"), "--data-dir", str(tmp_path / "new" / "data"),
        *(["--database-url", target] if target else []), "--config", str(new),
    )  # fmt: skip
    assert code == 0, err
    # The lease belonged to the old node's worker; the restored node sends the row at once
    # (it waited 90 s for the lease to run out).
    assert asyncio.run(_due_now(new)) == 1


def test_a_delivery_leased_at_backup_time_is_due_after_restore(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _restored_delivery_is_due(tmp_path, capsys, None, None)


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_a_delivery_leased_at_backup_time_is_due_after_restore_on_postgres(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], postgres_databases: PostgresDatabases
) -> None:
    source = asyncio.run(postgres_databases.fresh(migrated=False))
    target = asyncio.run(postgres_databases.fresh(migrated=False))
    _restored_delivery_is_due(tmp_path, capsys, source, target)
