"""Member classes as admins manage them: counts, adding a class, moving and reinstating members."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from coopfed.governance.history import register_at
from coopfed.governance.members import MemberStatus
from coopfed.governance.membership import AdmissionMode, ClassPolicy
from coopfed.node import Node
from coopfed.services import members
from coopfed.services.charters import charter_state
from coopfed.services.errors import ServiceError
from coopfed.services.member_classes import (
    add_class,
    change_member_class,
    class_summaries,
    reinstate_member,
)
from coopfed.services.member_lifecycle import end_membership
from coopfed.services.membership_principle import principle_of
from coopfed.store import member_history
from coopfed.store.tables import outbox_activities
from tests.support.governance import add_locals, use_clock

REMOTE = "https://social.example/users/ann"
ADA = "http://coop.test/users/ada"


async def _published(node: Node, kind: str) -> list[dict[str, Any]]:
    async with node.engine.connect() as conn:
        query = select(outbox_activities.c.body).where(outbox_activities.c.type == kind)
        return [json.loads(body) for body in (await conn.execute(query)).scalars()]


async def test_classes_are_listed_with_their_policy_and_counts(node: Node) -> None:
    await add_locals(node, "alice", "bob")
    await add_locals(node, "carl", member_class="worker")
    await members.change_status(node, "bob", MemberStatus.SUSPENDED)
    summaries = {item.name: item for item in await class_summaries(node)}
    assert summaries["member"].active == 1 and summaries["member"].total == 2
    assert summaries["worker"].active == 1 and summaries["investor"].total == 0
    policy = summaries["member"].policy
    assert policy is not None and policy.open_to_applications


async def test_adding_a_class_extends_the_principle_and_the_charter(node: Node) -> None:
    policy = ClassPolicy("bakers", open_to_applications=False, admission=AdmissionMode.VOTE,
                         shares_required=3, votes=False)  # fmt: skip
    record = await add_class(node, policy)
    assert record.version == 2 and record.principle.policy("bakers") == policy
    assert "bakers" in [item.name for item in await class_summaries(node)]
    # Every other class votes; the bakers do not, so the charter names the voting classes now.
    eligible = (await charter_state(node)).record.charter.eligible_classes
    assert eligible is not None and "bakers" not in eligible and "member" in eligible
    for bad, message in (
        (ClassPolicy("bakers"), "exists already"),
        (ClassPolicy("Big Bakers"), "lowercase"),
    ):
        with pytest.raises(ServiceError, match=message):
            await add_class(node, bad)
    assert (await principle_of(node)).version == 2


async def test_moving_a_member_to_another_class_is_an_event_and_an_update(node: Node) -> None:
    clock = use_clock(node)
    [alice] = await add_locals(node, "alice")
    await members.add_member(node, REMOTE)
    clock.advance(hours=1)
    moved = await change_member_class(node, REMOTE, "worker", decided_by=ADA)
    assert moved.member.member_class == "worker"
    _record, events = await members.find_member(node, REMOTE)
    assert events[-1].kind == "class_changed"
    assert events[-1].detail == {"from": "member", "to": "worker", "decided_by": ADA}
    [update] = await _published(node, "Update")
    assert update["object"]["memberClass"] == "worker" and REMOTE in update["to"]
    # The history replays to the same register (class included).
    async with node.engine.connect() as conn:
        history = await member_history.history(conn, (await members.coop_actor(conn)).id)
    replayed = {m.member_id: m.member_class for m in register_at(history, clock.now)}
    assert replayed == {alice.member_id: "member", moved.member_id: "worker"}
    for reference, klass, message in (
        (REMOTE, "worker", "already"),
        (REMOTE, "emperor", "unknown member class"),
        ("nobody", "worker", "no member"),
    ):
        with pytest.raises(ServiceError, match=message):
            await change_member_class(node, reference, klass, decided_by=ADA)
    await end_membership(node, "alice", MemberStatus.EXPELLED, reason="x", decided_by=ADA)
    with pytest.raises(ServiceError, match="expelled"):
        await change_member_class(node, "alice", "worker", decided_by=ADA)


async def test_reinstating_a_suspended_member_adds_them_back(node: Node) -> None:
    await members.add_member(node, REMOTE)
    with pytest.raises(ServiceError, match="not suspended"):
        await reinstate_member(node, REMOTE, decided_by=ADA)
    await end_membership(node, REMOTE, MemberStatus.SUSPENDED, reason="unpaid", decided_by=ADA)
    back = await reinstate_member(node, REMOTE, decided_by=ADA)
    assert back.member.status is MemberStatus.ACTIVE
    _record, events = await members.find_member(node, REMOTE)
    assert events[-1].detail == {"from": "suspended", "to": "active", "decided_by": ADA}
    adds = await _published(node, "Add")
    [add] = [add for add in adds if add["object"] == REMOTE]  # the admin's add_member sends none
    assert add["instrument"]["memberStatus"] == "active"
