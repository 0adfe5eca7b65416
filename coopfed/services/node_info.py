"""Read-only facts about the node for discovery endpoints."""

from __future__ import annotations

from dataclasses import dataclass

from coopfed.node import Node
from coopfed.services.membership_principle import principle_of
from coopfed.store import actors as actor_store
from coopfed.store import health


@dataclass(frozen=True)
class Usage:
    people: int
    open_registrations: bool


async def is_public_actor(node: Node, username: str) -> bool:
    async with node.engine.connect() as conn:
        actor = await actor_store.get_local_actor(conn, username)
    return actor is not None and actor.kind != "instance"


async def usage(node: Node) -> Usage:
    async with node.engine.connect() as conn:
        people = await actor_store.count_local_actors(conn, "person")
    # "Registrations" here are membership applications: open when any class accepts them.
    record = await principle_of(node)
    open_classes = [c for c in record.principle.classes if c.open_to_applications]
    return Usage(people=people, open_registrations=bool(open_classes))


async def database_ok(node: Node) -> bool:
    try:
        async with node.engine.connect() as conn:
            await health.ping(conn)
    except Exception:
        return False
    return True
