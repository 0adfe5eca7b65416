"""Allied co-ops, shared projects and joint proposals stored directly, for the page tests."""

from __future__ import annotations

from datetime import timedelta

from coopfed.node import Node
from coopfed.services import alliance_votes, project_hosting
from coopfed.services.members import coop_actor
from coopfed.store import alliances as alliance_store
from coopfed.store import joint as joint_store
from coopfed.store import projects as project_store
from coopfed.store import remote_actors as remote_store
from tests.web.conftest import XSS_NAME, remote_actor

ALLY = "https://other.example/users/bakery"
OFFERING = "https://third.example/users/mill"
PROJECT = "https://other.example/users/ovens"


async def store_allies(node: Node) -> None:
    """An active alliance with ALLY (an XSS name) and an offer from OFFERING waiting."""
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        await remote_store.upsert(conn, remote_actor(ALLY, XSS_NAME), now=now)
        await remote_store.upsert(conn, remote_actor(OFFERING, "The <b>Mill</b>"), now=now)
        await alliance_store.save(
            conn, coop_id=coop.id, remote_uri=ALLY, direction="outgoing", state="active",
            offer_id=ALLY + "#offer", now=now,
        )  # fmt: skip
        offerer = await remote_store.get_by_uri(conn, OFFERING)
        assert offerer is not None
        await alliance_votes.receive_offer(conn, node, coop, offerer, OFFERING + "#offer")


async def store_projects(node: Node) -> None:
    """A project hosted here with ALLY in it, an invitation to PROJECT, a joint proposal."""
    charter = project_hosting.parse_rule("coop_majority:2/3", None, "equal", timedelta(days=1))
    hosted = await project_hosting.create_project(
        node, "garden", name="Garden <i>co-op</i>", charter=charter
    )
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        await remote_store.upsert(conn, remote_actor(ALLY, XSS_NAME), now=now)
        await remote_store.upsert(conn, remote_actor(PROJECT, "Ovens"), now=now)
        await project_store.save_member(
            conn, project_row_id=hosted.row_id, coop_uri=ALLY, state="active", invite_id=None,
            now=now,
        )  # fmt: skip
        await project_store.save_membership(
            conn, coop_id=coop.id, project_uri=PROJECT, name="<script>Ovens</script>",
            charter={"rule": "unanimity", "weighting": "<b>equal</b>"}, state="invited",
            invite_id=PROJECT + "#invite", now=now,
        )  # fmt: skip
        await joint_store.insert_joint(
            conn, uri=node.uris.actor("garden") + "/joint/1", project_uri=node.uris.actor("garden"),
            hosted=True, title="Buy a <b>greenhouse</b>", body="", method="proposal", spec={},
            charter=charter, opened_at=now, closes_at=now + timedelta(days=3), now=now,
        )  # fmt: skip
