"""Seeding version 1 of a versioned document: a second first use keeps the first row."""

from __future__ import annotations

from sqlalchemy import select

from coopfed.node import Node
from coopfed.services.members import coop_actor
from coopfed.store.tables import charters, membership_principles
from coopfed.store.versioned import insert_version_one


async def test_a_second_first_use_keeps_the_stored_version_one(node: Node) -> None:
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        for table in (charters, membership_principles):
            await insert_version_one(conn, table, coop.id, "{}", "first", node.now())
            await insert_version_one(conn, table, coop.id, "{}", "second", node.now())
            rows = (await conn.execute(select(table.c.version, table.c.hash))).all()
            assert [tuple(row) for row in rows] == [(1, "first")]
