"""`coopfed status`: schema, queue depths and ages, failing peers, last backup, admin to-dos."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from coopfed.activitypub.backoff import HostHealth
from coopfed.node import Node
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.settings import load_settings
from coopfed.store import migrate
from coopfed.store.actors import get_local_actor
from coopfed.store.deliveries import save_hosts
from coopfed.store.membership import NewApplication, insert_application
from tests.cli.governance_support import Cli, write_config


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(database_url, tmp_path), capsys)


async def _work_waiting(config: Path, queued_at: datetime) -> None:
    node = Node.from_settings(load_settings(str(config)))
    try:
        async with node.engine.begin() as conn:
            coop = await get_local_actor(conn, "testcoop")
            assert coop is not None
            activity = {"id": new_activity_id(node.uris), "type": "Create", "actor": "x"}
            await publish(
                conn,
                sender=coop,
                activity=activity,
                audience=Audience(),
                now=queued_at,
                extra_inboxes=["https://down.example/inbox", "https://down.example/other"],
            )
            open_until = datetime.now(UTC) + timedelta(hours=1)
            await save_hosts(
                conn,
                [HostHealth("down.example", consecutive_failures=4, circuit_open_until=open_until)],
            )
            applicant = NewApplication(
                coop_id=coop.id,
                actor_uri="https://people.example/users/ann",
                handle="ann@people.example",
                requested_class="member",
                message="",
                source="web",
                join_activity_id=None,
            )
            await insert_application(conn, applicant, queued_at)
    finally:
        await node.close()


def test_status_shows_queues_peers_backups_and_todos(cli: Cli, tmp_path: Path) -> None:
    empty: Any = cli.json("status")
    assert empty["schema"]["up_to_date"] is True and empty["last_backup"] is None
    assert empty["queues"]["deliveries"] == {"depth": 0, "oldest_age_seconds": None}
    assert empty["failing_peers"] == [] and empty["needs_admin"]["pending_applications"] == 0

    queued_at = datetime.now(UTC) - timedelta(minutes=10)
    asyncio.run(_work_waiting(cli.config, queued_at))
    assert cli("backup", str(tmp_path / "b.tar.gz"))[0] == 0
    status: Any = cli.json("status")
    deliveries = status["queues"]["deliveries"]
    assert deliveries["depth"] == 2 and 590 <= deliveries["oldest_age_seconds"] <= 700
    assert status["failing_peers"] == [
        {
            "host": "down.example",
            "consecutive_failures": 4,
            "circuit_open": True,
            "circuit_open_until": status["failing_peers"][0]["circuit_open_until"],
            "unavailable": False,
        }
    ]
    assert status["needs_admin"] == {
        "pending_applications": 1,
        "alliance_offers": 0,
        "equivocations": 0,
    }
    assert status["last_backup"]["path"] == str(tmp_path / "b.tar.gz")
    code, text, _ = cli("status")
    assert code == 0 and "down.example: 4 failures circuit open" in text
    assert "deliveries: 2 (oldest" in text and "pending applications: 1" in text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_status_reports_a_schema_behind_the_code(cli: Cli, tmp_path: Path) -> None:
    settings = load_settings(str(cli.config))
    migrate.downgrade(settings.database_url, "0014")
    status: Any = cli.json("status")
    assert status["schema"] == {
        "current": "0014",
        "head": migrate.head_revision(settings.database_url),
        "up_to_date": False,
    }
    assert status["queues"] is None
    code, text, _ = cli("status")
    assert code == 0 and "coopfed db upgrade" in text
