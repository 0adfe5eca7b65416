"""`services.audience.publish_to_visibility`: the one place that decides between one shared
activity and one copy per member (members-only proposals and assemblies both publish this way)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from coopfed.federation.mapping.proposals import Visibility
from coopfed.node import Node
from coopfed.services import audience
from coopfed.services.members import coop_actor
from coopfed.services.outbox import new_activity_id
from coopfed.store.tables import outbox_activities, pending_recipients

REMOTES = ("https://social.example/users/ann", "https://other.example/users/ben")


async def _published(node: Node, visibility: Visibility) -> tuple[list[str | None], list[Any]]:
    """Publish a Create whose object names its reader, and return who `activity_for` was asked
    for and the stored activities (with the actors each waits for), in insertion order."""
    asked: list[str | None] = []
    activity_id = new_activity_id(node.uris)

    def activity_for(member: str | None) -> dict[str, Any]:
        asked.append(member)
        to = [] if member is None else [member]
        return {"id": activity_id, "type": "Create", "object": {"id": "x", "to": to}}

    recipients = (*REMOTES, node.uris.actor("alice"))  # alice: our own account
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        await audience.publish_to_visibility(
            conn,
            sender=coop,
            coop=node.uris.actor(coop.username),
            visibility=visibility,
            recipients=recipients,
            activity_for=activity_for,
            now=node.now(),
        )
        query = (
            select(outbox_activities.c.activity_uri, outbox_activities.c.body)
            .add_columns(pending_recipients.c.actor_uri)
            .join(pending_recipients, pending_recipients.c.activity_id == outbox_activities.c.id)
            .order_by(outbox_activities.c.id, pending_recipients.c.actor_uri)
        )
        rows = list(await conn.execute(query))
    return asked, rows


async def test_members_only_gets_one_copy_per_remote_member_naming_only_them(
    node: Node,
) -> None:
    asked, rows = await _published(node, Visibility.MEMBERS)
    assert asked == list(REMOTES)  # never the shared form, and never our own account
    assert [row.actor_uri for row in rows] == list(REMOTES)
    ids = [row.activity_uri for row in rows]
    assert len(set(ids)) == 2 and all("/to/" in i for i in ids)
    assert [json.loads(row.body)["object"]["to"] for row in rows] == [[r] for r in REMOTES]


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.ALLIES])
async def test_public_and_allies_only_get_one_shared_activity(
    node: Node, visibility: Visibility
) -> None:
    asked, rows = await _published(node, visibility)
    assert asked == [None]
    assert {row.activity_uri for row in rows} == {rows[0].activity_uri}
    assert sorted(row.actor_uri for row in rows) == sorted(REMOTES)
