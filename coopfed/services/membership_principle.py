"""The co-op's membership principle: read it (defaults on first use) and change it.

A class that does not vote is left out of the charter's `eligible_classes`, so setting the
principle stores a new charter version when that changes; proposals already open keep theirs.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.membership import MembershipPrinciple, default_principle
from coopfed.node import Node
from coopfed.services.members import DEFAULT_CLASS, coop_actor, member_classes
from coopfed.services.proposals import current_charter
from coopfed.store import members as member_store
from coopfed.store import membership as membership_store
from coopfed.store import proposals as proposal_store
from coopfed.store.membership import PrincipleRecord


async def current_principle(conn: AsyncConnection, coop_id: int, now: datetime) -> PrincipleRecord:
    """The co-op's principle; version 1 on first use: every defined class open, admitted by an
    admin, one share of no nominal value, every class votes."""
    record = await membership_store.current_principle(conn, coop_id)
    if record is not None:
        return record
    classes = await member_classes(conn, coop_id, now)
    default = DEFAULT_CLASS if DEFAULT_CLASS in classes else classes.names[0]
    return await membership_store.insert_first_principle(
        conn, coop_id, default_principle(classes.names, default), now
    )


async def set_principle(node: Node, principle: MembershipPrinciple) -> PrincipleRecord:
    """Store a new principle version; defines its classes and keeps the charter in step."""
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        defined = await member_classes(conn, coop.id, now)
        for name in principle.class_names:
            if name not in defined:
                await member_store.insert_class(conn, coop.id, name, now)
        charter = await current_charter(conn, coop.id, now)
        voting = principle.voting_classes()
        if charter.charter.eligible_classes != voting:
            updated = replace(charter.charter, eligible_classes=voting)
            await proposal_store.insert_charter(conn, coop.id, updated, now)
        return await membership_store.insert_principle(conn, coop.id, principle, now)


async def principle_of(node: Node) -> PrincipleRecord:
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        return await current_principle(conn, coop.id, now)
