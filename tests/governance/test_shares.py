"""The share ledger's rules: balances never negative, redeem on leaving, forbidden transfers."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopfed.governance.membership import ClassPolicy, MembershipPrinciple
from coopfed.governance.shares import (
    Holder,
    InsufficientShares,
    MovementKind,
    ShareError,
    ShareMovement,
    TransferForbidden,
    apply,
    balances,
    issue_on_admission,
    plan_transfer,
    redeem_all,
)

AT = datetime(2026, 1, 1, tzinfo=UTC)
PRINCIPLE = MembershipPrinciple(
    (
        ClassPolicy("worker", shares_required=2, nominal_value=Decimal("50.00")),
        ClassPolicy("investor", shares_required=1, transferable=True),
        ClassPolicy("community", shares_required=0),
    ),
    "worker",
)


def issue(member: str, count: int) -> ShareMovement:
    return ShareMovement(MovementKind.ISSUE, count, None, member, AT)


def test_admission_issues_what_the_class_requires() -> None:
    movement = issue_on_admission(PRINCIPLE, "worker", "m1", AT)
    assert movement is not None and (movement.count, movement.target) == (2, "m1")
    assert issue_on_admission(PRINCIPLE, "community", "m2", AT) is None


def test_redeeming_gives_back_everything_and_nothing_twice() -> None:
    held = balances([issue("m1", 3)])
    redemption = redeem_all(held, "m1", AT, "left")
    assert redemption is not None and redemption.count == 3
    after = apply(held, redemption)
    assert after == {"m1": 0}
    assert redeem_all(after, "m1", AT, "left") is None


def test_a_movement_that_would_go_negative_is_refused() -> None:
    with pytest.raises(InsufficientShares, match="holds 1 share"):
        balances([issue("m1", 1), ShareMovement(MovementKind.REDEEM, 2, "m1", None, AT)])


def test_malformed_movements_are_refused() -> None:
    with pytest.raises(ShareError):
        ShareMovement(MovementKind.ISSUE, 0, None, "m1", AT)
    with pytest.raises(ShareError):
        ShareMovement(MovementKind.TRANSFER, 1, "m1", None, AT)
    with pytest.raises(ShareError):
        ShareMovement(MovementKind.TRANSFER, 1, "m1", "m1", AT)


def test_transfers_only_where_the_charter_allows() -> None:
    held = {"w1": 2, "i1": 3, "i2": 1}
    worker, investor, investor2 = (
        Holder("w1", "worker", True), Holder("i1", "investor", True), Holder("i2", "investor", True)
    )  # fmt: skip
    with pytest.raises(TransferForbidden, match="class 'worker' are not transferable"):
        plan_transfer(PRINCIPLE, held, worker, investor, 1, AT)
    movement = plan_transfer(PRINCIPLE, held, investor, investor2, 2, AT)
    assert apply(held, movement) == {"w1": 2, "i1": 1, "i2": 3}
    with pytest.raises(TransferForbidden, match="must keep at least 1"):
        plan_transfer(PRINCIPLE, held, investor, investor2, 3, AT)
    with pytest.raises(InsufficientShares):
        plan_transfer(PRINCIPLE, held, investor, investor2, 4, AT)
    gone = Holder("i2", "investor", False)
    with pytest.raises(TransferForbidden, match="not an active member"):
        plan_transfer(PRINCIPLE, held, investor, gone, 1, AT)


@given(st.lists(st.tuples(st.sampled_from(["issue", "redeem"]), st.sampled_from("ab"),
                          st.integers(1, 5))))  # fmt: skip
def test_whatever_is_accepted_never_leaves_a_negative_balance(
    steps: list[tuple[str, str, int]],
) -> None:
    held: dict[str, int] = {}
    for kind, member, count in steps:
        movement = (
            issue(member, count)
            if kind == "issue"
            else ShareMovement(MovementKind.REDEEM, count, member, None, AT)
        )
        with contextlib.suppress(InsufficientShares):
            held = apply(held, movement)
        assert all(value >= 0 for value in held.values())
