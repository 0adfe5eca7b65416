"""Admin changes to the register the web and CLI share: issuing and redeeming shares, and the
reasons kept when a member is reinstated or moved to another class."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coopfed.governance.history import register_at
from coopfed.governance.members import MemberStatus
from coopfed.governance.membership import ClassPolicy, MembershipPrinciple
from coopfed.node import Node
from coopfed.services import member_export, members, shares
from coopfed.services.errors import ServiceError
from coopfed.services.member_classes import change_member_class, reinstate_member
from coopfed.services.member_lifecycle import end_membership
from coopfed.services.membership_principle import set_principle
from coopfed.store import member_history

ADA = "http://coop.test/users/ada"
PRINCIPLE = MembershipPrinciple(
    (ClassPolicy("worker", shares_required=2, nominal_value=Decimal("50.00")),
     ClassPolicy("consumer")),
    "consumer",
)  # fmt: skip


async def _ledger(node: Node, reference: str) -> list[tuple[str, int, str]]:
    exported = await member_export.export_member(node, reference)
    return [(line["kind"], line["count"], line["reason"]) for line in exported["shares"]]


async def test_issuing_and_redeeming_shares_keeps_the_class_minimum(node: Node) -> None:
    await set_principle(node, PRINCIPLE)
    await members.add_member(node, local_username="wim", member_class="worker", shares=0)
    issued = await shares.issue_shares(node, "wim", 3, reason="bought three")
    assert issued.member.shares == 3
    redeemed = await shares.redeem_shares(node, "wim", 1, reason="paid back one")
    assert redeemed.member.shares == 2
    for count, message in ((1, "must keep at least 2 share"), (5, "holds 2 share"),
                           (0, "at least 1")):  # fmt: skip
        with pytest.raises(ServiceError, match=message):
            await shares.redeem_shares(node, "wim", count, reason="no")
    with pytest.raises(ServiceError, match="reason recorded in the share ledger"):
        await shares.issue_shares(node, "wim", 1, reason="  ")
    with pytest.raises(ServiceError, match="at least 1"):
        await shares.issue_shares(node, "wim", -2, reason="negative")
    assert await _ledger(node, "wim") == [
        ("issue", 3, "bought three"), ("redeem", 1, "paid back one")
    ]  # fmt: skip
    _record, events = await members.find_member(node, "wim")
    assert [e.detail["balance"] for e in events if e.kind == "shares_changed"] == [3, 2]


async def test_shares_go_only_to_active_members(node: Node) -> None:
    await set_principle(node, PRINCIPLE)
    await members.add_member(node, local_username="cat", member_class="consumer", shares=0)
    await end_membership(node, "cat", MemberStatus.SUSPENDED, reason="unpaid", decided_by=ADA)
    with pytest.raises(ServiceError, match="not an active member"):
        await shares.issue_shares(node, "cat", 1, reason="bought")
    with pytest.raises(ServiceError, match="no member"):
        await shares.issue_shares(node, "nobody", 1, reason="bought")
    assert await _ledger(node, "cat") == []


async def test_reinstating_and_moving_keep_the_reason_when_given(node: Node) -> None:
    await set_principle(node, PRINCIPLE)
    await members.add_member(node, local_username="cat", member_class="consumer")
    await end_membership(node, "cat", MemberStatus.SUSPENDED, reason="unpaid", decided_by=ADA)
    await reinstate_member(node, "cat", decided_by=ADA, reason=" paid up ")
    await change_member_class(node, "cat", "worker", decided_by=ADA, reason="hired")
    _record, events = await members.find_member(node, "cat")
    assert events[-2].detail == {
        "from": "suspended", "to": "active", "decided_by": ADA, "reason": "paid up"
    }  # fmt: skip
    assert events[-1].detail == {
        "from": "consumer", "to": "worker", "decided_by": ADA, "reason": "hired"
    }  # fmt: skip


async def test_shares_added_outside_the_ledger_end_with_the_membership(node: Node) -> None:
    """Regression: `member add --shares 2` then expel left an expelled member holding 2 shares
    in the register (and in its replayed history) though the ledger held none."""
    await members.add_member(node, local_username="eve", shares=2)
    expelled = await end_membership(
        node, "eve", MemberStatus.EXPELLED, reason="fraud", decided_by=ADA
    )
    assert expelled.member.shares == 0
    _record, events = await members.find_member(node, "eve")
    assert events[-1].kind == "shares_changed" and events[-1].detail["balance"] == 0
    assert await _ledger(node, "eve") == []  # the ledger is not rewritten
    async with node.engine.connect() as conn:
        history = await member_history.history(conn, (await members.coop_actor(conn)).id)
    [replayed] = register_at(history, node.now())
    assert replayed.shares == 0
