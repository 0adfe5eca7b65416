"""Publishing (`services.outbox`): recipients whose inbox is unknown are never dropped silently."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.node import Node
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.store import pending_recipients as pending_store


async def test_an_addressed_actor_without_a_known_inbox_is_logged(
    node: Node, caplog: pytest.LogCaptureFixture
) -> None:
    unknown = "https://social.example/users/ghost"
    local = node.uris.actor("alice")  # our own actors need no delivery: no warning
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        activity = {"id": new_activity_id(node.uris), "type": "Create", "actor": coop.username}
        audience = Audience(actors=(unknown, local))
        with caplog.at_level(logging.WARNING, logger="coopfed.services.outbox"):
            await publish(conn, sender=coop, activity=activity, audience=audience, now=node.now())
    warnings = [r.getMessage() for r in caplog.records if r.name == "coopfed.services.outbox"]
    assert len(warnings) == 1
    assert unknown in warnings[0] and "inbox is unknown" in warnings[0]


async def test_many_unknown_recipients_give_one_line_per_activity(
    node: Node, caplog: pytest.LogCaptureFixture
) -> None:
    # Regression: a Question update to a roll of 1,000 unknown actors logged 1,000 lines per
    # ballot (seen in bench_proposal_page), slowing the request that cast it.
    ghosts = tuple(f"https://social.example/users/ghost{n}" for n in range(50))
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        activity = {"id": new_activity_id(node.uris), "type": "Create", "actor": coop.username}
        with caplog.at_level(logging.WARNING, logger="coopfed.services.outbox"):
            await publish(
                conn,
                sender=coop,
                activity=activity,
                audience=Audience(actors=ghosts),
                now=node.now(),
            )
    warnings = [r.getMessage() for r in caplog.records if r.name == "coopfed.services.outbox"]
    assert len(warnings) == 1
    assert "50 actor(s)" in warnings[0] and "and 47 more" in warnings[0]


async def test_unknown_recipients_are_recorded_in_the_publishing_transaction(node: Node) -> None:
    # Regression: they were only logged, and the delivery was lost. Now they wait for the
    # `recipients` job, committed (or rolled back) with the activity itself.
    ghost = "https://social.example/users/ghost"

    async def publish_to_ghost(conn: AsyncConnection) -> None:
        coop = await coop_actor(conn)
        activity = {"id": new_activity_id(node.uris), "type": "Create", "actor": coop.username}
        await publish(
            conn, sender=coop, activity=activity, audience=Audience((ghost,)), now=node.now()
        )

    async with node.engine.connect() as conn:
        async with conn.begin() as transaction:
            await publish_to_ghost(conn)
            await transaction.rollback()
        assert await pending_store.list_waiting(conn, states=["pending"], limit=5) == []
    async with node.engine.begin() as conn:
        await publish_to_ghost(conn)
    async with node.engine.connect() as conn:
        [row] = await pending_store.list_waiting(conn, states=["pending"], limit=5)
    assert row.actor_uri == ghost and row.attempts == 0
