"""The co-op's member classes as admins manage them: list with counts, add, move a member.

A class is part of the membership principle (who may apply, admission, shares, voting), so
adding one stores a new principle version (which defines the class and keeps the charter's
voting classes in step). Moving a member to another class, and reinstating a suspended member,
are member events published like every other change of the member record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from coopfed.governance.members import MemberStatus
from coopfed.governance.membership import ClassPolicy, MembershipError
from coopfed.node import Node
from coopfed.services import membership_publishing as publishing
from coopfed.services.errors import ServiceError
from coopfed.services.members import GONE, coop_actor, find_member_in, member_classes
from coopfed.services.membership_principle import current_principle, set_principle
from coopfed.store import member_history, overview
from coopfed.store import members as member_store
from coopfed.store.members import MemberRecord
from coopfed.store.membership import PrincipleRecord

CLASS_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class ClassSummary:
    name: str
    policy: ClassPolicy | None  # None: defined, but not (yet) part of the membership principle
    by_status: dict[str, int]

    @property
    def active(self) -> int:
        return self.by_status.get(MemberStatus.ACTIVE.value, 0)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


async def class_summaries(node: Node) -> list[ClassSummary]:
    """Every class the co-op defines, in order, with its policy and member counts."""
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        names = (await member_classes(conn, coop.id, now)).names
        principle = (await current_principle(conn, coop.id, now)).principle
        counts = await overview.member_counts_by_class(conn, coop.id)
    policies = {policy.name: policy for policy in principle.classes}
    return [ClassSummary(name, policies.get(name), counts.get(name, {})) for name in names]


def check_class_name(name: str) -> str:
    if not CLASS_NAME.fullmatch(name):
        raise ServiceError(
            "a class name is 1 to 40 characters: lowercase letters, digits, _ and -,"
            " starting with a letter"
        )
    return name


async def add_class(node: Node, policy: ClassPolicy) -> PrincipleRecord:
    """Add a class to the membership principle (a new principle version)."""
    check_class_name(policy.name)
    now = node.now()
    async with node.engine.begin() as conn:
        principle = (await current_principle(conn, (await coop_actor(conn)).id, now)).principle
    if policy.name in principle.class_names:
        raise ServiceError(f"the class {policy.name!r} exists already")
    try:
        updated = replace(principle, classes=(*principle.classes, policy))
    except MembershipError as error:
        raise ServiceError(str(error)) from None
    return await set_principle(node, updated)


async def change_member_class(
    node: Node, reference: str, member_class: str, *, decided_by: str, reason: str = ""
) -> MemberRecord:
    """Move a member to another class: a `class_changed` event and an Update of their record.

    Shares stay as they are: what the new class requires is for the admin to settle. The
    reason, when one is given, is kept in the event (the CLI's and web form's optional reason).
    """
    now = node.now()
    async with node.engine.begin() as conn:
        record = await find_member_in(conn, node.uris, reference)
        coop = await coop_actor(conn)
        principle = (await current_principle(conn, coop.id, now)).principle
        if member_class not in principle.class_names:
            known = ", ".join(principle.class_names)
            raise ServiceError(f"unknown member class {member_class!r}; known: {known}")
        if record.member.status in GONE:
            raise ServiceError(f"member {record.member_id} is {record.member.status.value}")
        current = record.member.member_class
        if current == member_class:
            raise ServiceError(f"member {record.member_id} is in the class {current!r} already")
        await member_history.set_member_class(conn, record.row_id, member_class)
        detail = {"from": current, "to": member_class, "decided_by": decided_by}
        if reason.strip():
            detail["reason"] = reason.strip()
        await member_store.append_event(conn, record.row_id, "class_changed", detail, now)
        fresh = await member_store.get_by_row_id(conn, record.row_id)
        assert fresh is not None
        await publishing.publish_record_updated(conn, node.uris, coop, fresh, now)
        return fresh


async def reinstate_member(
    node: Node, reference: str, *, decided_by: str, reason: str = ""
) -> MemberRecord:
    """A suspended member is active again: an event (with the reason, when one is given), and
    `Add` back to the members collection (the suspension published a `Remove`)."""
    now = node.now()
    async with node.engine.begin() as conn:
        record = await find_member_in(conn, node.uris, reference)
        status = record.member.status
        if status is not MemberStatus.SUSPENDED:
            raise ServiceError(f"member {record.member_id} is {status.value}, not suspended")
        await member_store.update_status(conn, record.row_id, MemberStatus.ACTIVE, left_at=None)
        detail = {"from": status.value, "to": MemberStatus.ACTIVE.value, "decided_by": decided_by}
        if reason.strip():
            detail["reason"] = reason.strip()
        await member_store.append_event(conn, record.row_id, "status_changed", detail, now)
        fresh = await member_store.get_by_row_id(conn, record.row_id)
        assert fresh is not None
        await publishing.publish_added(conn, node.uris, await coop_actor(conn), fresh, now)
        return fresh
