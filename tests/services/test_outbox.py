"""Publishing (`services.outbox`): recipients whose inbox is unknown are never dropped silently."""

from __future__ import annotations

import logging

import pytest

from coopfed.node import Node
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, new_activity_id, publish


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
