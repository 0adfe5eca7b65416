"""`coopfed deliveries`: pending, failing and parked rows, stable --json fields, retry;
`deliveries recipients`: actors whose inbox is not known yet."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from coopfed.cli import main
from coopfed.node import Node
from coopfed.services.outbox import Audience, publish
from coopfed.settings import load_settings
from coopfed.store.actors import get_actor_of_kind
from coopfed.store.tables import deliveries, pending_recipients

INIT = ["init", "--url", "http://127.0.0.1:8765", "--name", "Test Co-op", "--handle", "testcoop"]
FIELDS = {
    "id",
    "activity_id",
    "type",
    "inbox",
    "host",
    "state",
    "attempts",
    "next_attempt_at",
    "last_status",
    "last_error",
}


async def _queue(config: Path) -> None:
    """Five deliveries: pending, failing, parked, done, and governance past the horizon."""
    node = Node.from_settings(load_settings(config))
    now = datetime.now(UTC)
    try:
        async with node.engine.begin() as conn:
            coop = await get_actor_of_kind(conn, "coop")
            assert coop is not None
            for index, governance in enumerate([False, False, False, False, True]):
                activity = {"id": f"http://127.0.0.1:8765/activities/{index}", "type": "Create"}
                await publish(
                    conn,
                    sender=coop,
                    activity=activity,
                    audience=Audience(),
                    now=now - timedelta(days=3),
                    governance=governance,
                    extra_inboxes=[f"https://peer{index}.example/inbox"],
                )
            rows: list[dict[str, Any]] = [
                {},
                {"attempts": 2, "last_status": 500, "last_error": "HTTP 500"},
                {"state": "parked", "attempts": 1, "last_status": 410, "last_error": "HTTP 410"},
                {"state": "done", "attempts": 1, "last_status": 202},
                {"attempts": 16, "last_status": 503, "last_error": "HTTP 503"},
            ]
            for row_id, values in enumerate(rows, start=1):
                if values:
                    statement = update(deliveries).where(deliveries.c.id == row_id)
                    await conn.execute(statement.values(**values))
    finally:
        await node.close()


@pytest.fixture
def config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "coopfed.toml"
    assert main([*INIT, "--config", str(path)]) == 0
    asyncio.run(_queue(path))
    capsys.readouterr()
    return path


def listing(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    assert main(["deliveries", "--json", "--config", str(config), *args]) == 0
    items = json.loads(capsys.readouterr().out)
    assert isinstance(items, list)
    return items


def test_json_lists_what_is_not_done_with_stable_fields(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = listing(config, capsys)
    assert [(item["id"], item["state"]) for item in items] == [
        (5, "parked"),
        (3, "parked"),
        (2, "failing"),
        (1, "pending"),
    ]
    assert all(item.keys() >= FIELDS for item in items)
    governance = items[0]
    assert governance["retrying"] is True and governance["next_attempt_at"] is not None
    assert items[1]["retrying"] is False and items[1]["next_attempt_at"] is None
    assert items[1]["last_status"] == 410 and items[1]["host"] == "peer2.example"
    assert items[2]["attempts"] == 2 and items[2]["last_error"] == "HTTP 500"
    assert items[3]["activity_id"] == "http://127.0.0.1:8765/activities/0"
    assert items[3]["type"] == "Create" and items[3]["inbox"] == "https://peer0.example/inbox"


def test_state_filter(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert [item["id"] for item in listing(config, capsys, "--state", "failing")] == [2]
    assert [item["id"] for item in listing(config, capsys, "--state", "done")] == [4]
    assert [item["id"] for item in listing(config, capsys, "--state", "parked")] == [5, 3]


def test_table_output_shows_host_status_and_error(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["deliveries", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "peer1.example" in out and "HTTP 500" in out and "parked*" in out


def test_retry_unparks_by_id_and_by_host(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deliveries", "retry", "3", "--config", str(config)]) == 0
    assert "1 delivery queued again" in capsys.readouterr().out
    item = next(item for item in listing(config, capsys) if item["id"] == 3)
    assert (item["state"], item["attempts"]) == ("pending", 0)
    assert main(["deliveries", "retry", "3", "--config", str(config)]) == 2
    assert "not parked" in capsys.readouterr().err
    assert main(["deliveries", "retry", "--host", "peer9.example", "--config", str(config)]) == 0
    assert "0 deliveries" in capsys.readouterr().out
    assert main(["deliveries", "retry", "--config", str(config)]) == 2


async def _await_recipients(config: Path) -> None:
    """Two addressed actors with no known inbox: one waiting, one parked (fetches failed)."""
    node = Node.from_settings(load_settings(config))
    now = datetime.now(UTC)
    try:
        async with node.engine.begin() as conn:
            coop = await get_actor_of_kind(conn, "coop")
            assert coop is not None
            await publish(
                conn,
                sender=coop,
                activity={"id": "http://127.0.0.1:8765/activities/q", "type": "Update"},
                audience=Audience(actors=(WAITING, PARKED)),
                now=now,
            )
            parked = pending_recipients.c.actor_uri == PARKED
            await conn.execute(
                update(pending_recipients)
                .where(parked)
                .values(state="parked", attempts=16, last_error="HTTP 410")
            )
            await conn.execute(
                update(pending_recipients)
                .where(pending_recipients.c.actor_uri == WAITING)
                .values(attempts=2, last_error="HTTP 503")
            )
    finally:
        await node.close()


WAITING = "https://slow.example/users/ann"
PARKED = "https://gone.example/users/bob"


def recipients(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main(["deliveries", "recipients", "--json", "--config", str(config), *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_recipients_lists_waiting_and_parked_actors_and_retry_requeues_a_host(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = listing(config, capsys)
    asyncio.run(_await_recipients(config))
    assert listing(config, capsys) == before  # the delivery listing's contract is unchanged
    items = recipients(config, capsys)
    assert {(i["actor"], i["state"], i["attempts"]) for i in items} == {
        (WAITING, "waiting", 2),
        (PARKED, "parked", 16),
    }
    waiting = next(i for i in items if i["state"] == "waiting")
    assert waiting["activity_id"] == "http://127.0.0.1:8765/activities/q"
    assert waiting["next_attempt_at"] is not None and waiting["last_error"] == "HTTP 503"
    [parked] = recipients(config, capsys, "--state", "parked")
    assert (parked["actor"], parked["next_attempt_at"]) == (PARKED, None)
    assert main(["deliveries", "recipients", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "gone.example/users/bob" in out and "HTTP 410" in out and "waiting" in out
    with pytest.raises(SystemExit) as refused:
        main(["deliveries", "recipients", "--state", "lost", "--config", str(config)])
    assert refused.value.code == 2 and "invalid choice" in capsys.readouterr().err
    command = ["deliveries", "retry", "--host", "GONE.example", "--json", "--config", str(config)]
    assert main(command) == 0
    assert json.loads(capsys.readouterr().out) == {"requeued": 0, "recipients_requeued": 1}
    assert recipients(config, capsys, "--state", "parked") == []
