"""Regression: refusals reached the inbox as `done` because handlers classified a service's
note by its wording. A malformed JointProposal ("name must be a string"), a joint result or
certificate with an unknown status, and a Leave by a co-op that "is not a member co-op of" the
project are `ignored` now, and none of them stores or changes anything."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from coopfed.federation.mapping.joint import joint_proposal_to_ap
from coopfed.inbound.dispatch import HandlerContext, Outcome, find_handler
from coopfed.node import Node
from coopfed.services import project_hosting
from coopfed.store import actors as actor_store
from coopfed.store import joint as joint_store
from coopfed.store import projects as project_store
from coopfed.store.inbox import InboxItem
from coopfed.store.tables import joint_certificates, joint_proposals

PROJECT = "https://host.example/actors/river"
OTHER = "https://b.example/actors/coopb"
JOINT = "https://host.example/proposals/bridge"
OPENED = datetime(2030, 1, 1, tzinfo=UTC)


async def handle(node: Node, activity: dict[str, Any]) -> Outcome:
    """Run the routed handler as the worker would, in one transaction."""
    item = InboxItem(1, str(activity["id"]), json.dumps(activity), str(activity["actor"]),
                     None, "pending", 0, node.now(), None, None)  # fmt: skip
    handler = find_handler(activity)
    assert handler is not None
    async with node.engine.begin() as conn:
        return await handler(HandlerContext(node, conn, item, activity))


async def count(node: Node, table: Any) -> int:
    async with node.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def joint_object() -> dict[str, Any]:
    return joint_proposal_to_ap(
        uri=JOINT, project_uri=PROJECT, title="Bridge", body="Build it?", method="proposal@1",
        spec={}, charter={"coops": [PROJECT]}, opened_at=OPENED,
        closes_at=OPENED + timedelta(days=7), to=[],
    )  # fmt: skip


def create(obj: dict[str, Any], kind: str = "Create") -> dict[str, Any]:
    return {"id": f"{PROJECT}/activities/{kind}", "type": kind, "actor": PROJECT, "object": obj}


async def join_project(node: Node) -> None:
    """Our co-op is in the project, so a well-formed JointProposal from it would be stored."""
    async with node.engine.begin() as conn:
        coop = await actor_store.get_actor_of_kind(conn, "coop")
        assert coop is not None
        await project_store.save_membership(
            conn, coop_id=coop.id, project_uri=PROJECT, name="River", charter={},
            state="joined", invite_id=None, now=node.now(),
        )  # fmt: skip


async def test_a_joint_proposal_without_a_string_name_is_ignored(node: Node) -> None:
    await join_project(node)
    malformed = {**joint_object(), "name": 7}
    outcome = await handle(node, create(malformed))
    assert (outcome.state, outcome.note) == ("ignored", "name must be a string")
    assert await count(node, joint_proposals) == 0
    # The same proposal well-formed is taken in: the refusal above was the shape alone.
    accepted = await handle(node, create(joint_object()))
    assert accepted.state == "done"
    assert await count(node, joint_proposals) == 1


async def test_a_joint_result_with_an_unknown_status_is_ignored(node: Node) -> None:
    await join_project(node)
    async with node.engine.begin() as conn:
        await joint_store.insert_joint(
            conn, uri=JOINT, project_uri=PROJECT, hosted=False, title="Bridge", body="",
            method="proposal@1", spec={}, charter={}, opened_at=OPENED,
            closes_at=OPENED + timedelta(days=7), now=node.now(),
        )  # fmt: skip
    result = {**joint_object(), "jointResult": {"status": "maybe"}}
    outcome = await handle(node, create(result, "Update"))
    assert (outcome.state, outcome.note) == ("ignored", "unknown joint status")
    async with node.engine.connect() as conn:
        joint = await joint_store.get_by_uri(conn, JOINT)
    assert joint is not None and joint.state == "open" and not joint.result


async def test_a_certificate_with_an_unknown_status_is_ignored(node: Node) -> None:
    obj = {
        "id": f"{OTHER}/proposals/linked#certificate",
        "type": "ResultCertificate",
        "attributedTo": OTHER,
        "jointProposal": JOINT,
        "certificate": {"electorate_size": 5, "status": "maybe"},
    }
    activity = {"id": f"{OTHER}/activities/1", "type": "Create", "actor": OTHER, "object": obj}
    outcome = await handle(node, activity)
    assert (outcome.state, outcome.note) == ("ignored", "certificate refused: unknown status")
    assert await count(node, joint_certificates) == 0


async def test_a_leave_by_a_coop_that_is_not_a_member_is_ignored(node: Node) -> None:
    charter = project_hosting.parse_rule("unanimity", None, "equal", timedelta(0))
    hosted = await project_hosting.create_project(node, "river", name="River", charter=charter)
    async with node.engine.begin() as conn:
        await project_store.save_member(
            conn, project_row_id=hosted.row_id, coop_uri=OTHER, state="invited",
            invite_id=f"{PROJECT}/activities/invite", now=node.now(),
        )  # fmt: skip
    river = node.uris.actor("river")
    leave = {"id": f"{OTHER}/activities/leave", "type": "Leave", "actor": OTHER, "object": river}
    outcome = await handle(node, leave)
    assert outcome.state == "ignored"
    assert outcome.note == f"Leave refused: {OTHER} is not a member co-op of {river}"
    async with node.engine.connect() as conn:
        members = await project_store.members_of(conn, hosted.row_id)
    assert {m.coop_uri: m.state for m in members}[OTHER] == "invited"
