"""Worker job `recipients` (`services.recipients`), against the stub fediverse server: an
addressed actor whose inbox was unknown at publish time gets its delivery once the actor is
fetched; an actor that cannot be fetched is retried on the delivery schedule, then parked
(governance traffic keeps being retried), never lost; the schedule is the actor's, so all its
waiting rows cost one fetch per attempt."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from coopfed.federation.runtime import RateLimiter
from coopfed.node import Node
from coopfed.services import recipients
from coopfed.services.errors import ServiceError
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.services.recipients import resolve_pending_recipients
from coopfed.settings import Settings
from coopfed.store import pending_recipients as pending_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.tables import deliveries
from tests.conftest import make_settings
from tests.support.fediverse import FediverseServer

HOST = "127.0.0.2"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path, federation={"allow_private_addresses": [HOST]})


@pytest.fixture(scope="module")
def remote() -> Iterator[FediverseServer]:
    with FediverseServer(host=HOST, actors_names=("alice",), shared_inbox=False) as server:
        yield server


async def _publish(node: Node, actor_uri: str, *, governance: bool = False) -> None:
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        activity = {"id": new_activity_id(node.uris), "type": "Create", "actor": coop.username}
        audience = Audience(actors=(actor_uri,))
        await publish(
            conn,
            sender=coop,
            activity=activity,
            audience=audience,
            now=node.now(),
            governance=governance,
        )


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


async def _inboxes(node: Node) -> list[str]:
    async with node.engine.connect() as conn:
        return list((await conn.execute(select(deliveries.c.inbox))).scalars())


async def _waiting(node: Node, state: str, limit: int = 10) -> list[pending_store.WaitingRow]:
    async with node.engine.connect() as conn:
        return await pending_store.list_waiting(conn, states=[state], limit=limit)


async def test_an_unknown_recipient_gets_its_delivery_once_the_actor_is_fetched(
    node: Node, remote: FediverseServer
) -> None:
    # Regression: a recipient with no stored actor (a member bound before actors were stored
    # on `member add`) was only logged at publish, and the delivery was lost.
    alice = remote.actor("alice")
    await _publish(node, alice.uri)
    assert await _inboxes(node) == []
    assert await resolve_pending_recipients(node) == 1
    assert await _inboxes(node) == [alice.inbox]
    async with node.engine.connect() as conn:
        stored = await remote_store.get_by_uri(conn, alice.uri)
    assert stored is not None and stored.inbox == alice.inbox
    assert await _waiting(node, "pending") == []
    assert await resolve_pending_recipients(node) == 0  # nothing left


async def test_a_spent_fetch_budget_leaves_the_recipient_waiting_untried(
    node: Node, remote: FediverseServer
) -> None:
    await _publish(node, remote.actor("alice").uri)
    node.federation.fetch_limits = RateLimiter(burst=0)
    assert await resolve_pending_recipients(node) == 0
    [row] = await _waiting(node, "pending")
    assert row.attempts == 0 and row.next_attempt_at > node.now()


async def test_an_unreachable_actor_is_retried_then_parked_not_lost(
    node: Node, remote: FediverseServer
) -> None:
    nobody = f"{remote.origin}/users/nobody"  # 404
    await _publish(node, nobody)
    await _publish(node, f"{remote.origin}/users/nobody2", governance=True)
    node.federation.fetch_limits = RateLimiter(burst=100)  # 32 fetches from one host here
    start = node.now()
    assert await resolve_pending_recipients(node) == 2
    assert {row.attempts for row in await _waiting(node, "pending")} == {1}
    assert await resolve_pending_recipients(node) == 0  # backing off: not due yet
    for hours in range(1, 16):  # the schedule's delays are capped at 12 h
        node.clock = _fixed(start + timedelta(hours=13 * hours))
        assert await resolve_pending_recipients(node) == 2
    [parked] = await _waiting(node, "parked")
    assert parked.actor_uri == nobody and parked.attempts == 16
    assert parked.last_error is not None and "404" in parked.last_error
    [governance] = await _waiting(node, "pending")  # past the horizon too, still retried
    assert governance.attempts == 16
    assert await _inboxes(node) == []


async def test_an_unreachable_actor_costs_one_fetch_per_attempt_for_all_its_rows(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression: each waiting (activity, actor) row had its own schedule, so one unreachable
    # actor with 50 waiting activities (e.g. members-only Question updates) meant 50 fetches.
    fetched: list[str] = []

    async def unreachable(node: Node, uri: str) -> object:
        fetched.append(uri)
        raise ServiceError("fetching the actor failed: HTTP 503")

    monkeypatch.setattr(recipients, "fetch_and_store", unreachable)
    ghost = "https://social.example/users/ghost"
    for _ in range(50):
        await _publish(node, ghost)
    start = node.now()
    for attempt in range(1, 4):
        while await resolve_pending_recipients(node):  # the worker runs the job until idle
            pass
        assert len(fetched) == attempt
        rows = await _waiting(node, "pending", limit=100)
        assert len(rows) == 50 + attempt - 1
        assert {(row.attempts, row.next_attempt_at) for row in rows} == {
            (attempt, rows[0].next_attempt_at)
        }
        await _publish(node, ghost)  # published meanwhile: joins the schedule, no fetch of its own
        assert await resolve_pending_recipients(node) == 0
        node.clock = _fixed(rows[0].next_attempt_at)
    assert fetched == [ghost] * 3 and node.now() > start
