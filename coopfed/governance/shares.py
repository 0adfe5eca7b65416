"""The share register: an append-only ledger of share movements; balances are derived from it.

Movements: `issue` (new shares to a member, e.g. on admission), `transfer` (between members,
only where the charter's class policy allows it) and `redeem` (shares given back, e.g. on
leaving). No movement may leave a balance below zero; a forbidden transfer is a
`TransferForbidden` with a message for the person who asked. Admins may also issue shares
to an active member and redeem some of a member's shares, down to what their class requires.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from coopfed.governance.errors import GovernanceError
from coopfed.governance.membership import MembershipPrinciple


class ShareError(GovernanceError):
    """A share movement the register refuses."""


class InsufficientShares(ShareError):
    """The movement would make a balance negative."""


class TransferForbidden(ShareError):
    """The charter does not allow this transfer."""


class MovementKind(enum.StrEnum):
    ISSUE = "issue"
    TRANSFER = "transfer"
    REDEEM = "redeem"


@dataclass(frozen=True, slots=True)
class ShareMovement:
    """One ledger line. `source` is None for an issue, `target` None for a redemption."""

    kind: MovementKind
    count: int
    source: str | None
    target: str | None
    at: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count <= 0:
            raise ShareError("a share movement moves a whole number of shares, at least 1")
        expected = {
            MovementKind.ISSUE: (False, True),
            MovementKind.TRANSFER: (True, True),
            MovementKind.REDEEM: (True, False),
        }[self.kind]
        if ((self.source is not None), (self.target is not None)) != expected:
            raise ShareError(f"a {self.kind.value} needs {_parties(self.kind)}")
        if self.kind is MovementKind.TRANSFER and self.source == self.target:
            raise ShareError("a transfer needs two different members")


def _parties(kind: MovementKind) -> str:
    return {
        MovementKind.ISSUE: "a receiving member and no source",
        MovementKind.TRANSFER: "a source and a receiving member",
        MovementKind.REDEEM: "a source member and no receiver",
    }[kind]


def apply(balances: Mapping[str, int], movement: ShareMovement) -> dict[str, int]:
    """The balances after `movement`; refuses one that would make a balance negative."""
    updated = dict(balances)
    if movement.source is not None:
        held = updated.get(movement.source, 0)
        if held < movement.count:
            raise InsufficientShares(
                f"member {movement.source} holds {held} share(s); cannot give up {movement.count}"
            )
        updated[movement.source] = held - movement.count
    if movement.target is not None:
        updated[movement.target] = updated.get(movement.target, 0) + movement.count
    return updated


def balances(movements: Iterable[ShareMovement]) -> dict[str, int]:
    """Replay the ledger in order; a ledger that ever went negative is refused."""
    result: dict[str, int] = {}
    for movement in movements:
        result = apply(result, movement)
    return result


def issue_on_admission(
    principle: MembershipPrinciple, member_class: str, member_id: str, at: datetime
) -> ShareMovement | None:
    """The shares a new member of `member_class` must hold (None when the class needs none)."""
    required = principle.policy(member_class).shares_required
    if required == 0:
        return None
    return ShareMovement(MovementKind.ISSUE, required, None, member_id, at, "admission")


def redeem_all(
    balances_now: Mapping[str, int], member_id: str, at: datetime, reason: str
) -> ShareMovement | None:
    """Give back every share a departing member holds (None when they hold none)."""
    held = balances_now.get(member_id, 0)
    if held == 0:
        return None
    return ShareMovement(MovementKind.REDEEM, held, member_id, None, at, reason)


@dataclass(frozen=True, slots=True)
class Holder:
    """A member as the transfer rules see them."""

    member_id: str
    member_class: str
    active: bool


def plan_transfer(
    principle: MembershipPrinciple,
    balances_now: Mapping[str, int],
    source: Holder,
    target: Holder,
    count: int,
    at: datetime,
) -> ShareMovement:
    """A transfer the charter allows, or `TransferForbidden` / `InsufficientShares`."""
    for holder in (source, target):
        if not holder.active:
            raise TransferForbidden(f"member {holder.member_id} is not an active member")
        if not principle.policy(holder.member_class).transferable:
            raise TransferForbidden(
                f"shares of class {holder.member_class!r} are not transferable under the charter"
            )
    movement = ShareMovement(
        MovementKind.TRANSFER, count, source.member_id, target.member_id, at, "transfer"
    )
    after = apply(balances_now, movement)
    required = principle.policy(source.member_class).shares_required
    if after[source.member_id] < required:
        raise TransferForbidden(
            f"member {source.member_id} must keep at least {required} share(s) of class "
            f"{source.member_class!r}"
        )
    return movement


def plan_issue(
    principle: MembershipPrinciple, holder: Holder, count: int, at: datetime, reason: str
) -> ShareMovement:
    """New shares for an active member of a class the principle still lists (e.g. bought)."""
    if not holder.active:
        raise ShareError(f"member {holder.member_id} is not an active member")
    principle.policy(holder.member_class)  # a class the principle no longer lists: refused
    return ShareMovement(MovementKind.ISSUE, count, None, holder.member_id, at, reason)


def plan_redeem(
    principle: MembershipPrinciple,
    balances_now: Mapping[str, int],
    holder: Holder,
    count: int,
    at: datetime,
    reason: str,
) -> ShareMovement:
    """Shares a member gives back while staying a member: never below what their class
    requires (leaving redeems them all; that is `redeem_all`)."""
    movement = ShareMovement(MovementKind.REDEEM, count, holder.member_id, None, at, reason)
    after = apply(balances_now, movement)
    required = principle.policy(holder.member_class).shares_required
    if after[holder.member_id] < required:
        raise ShareError(
            f"member {holder.member_id} must keep at least {required} share(s) of class "
            f"{holder.member_class!r}; recording that they left redeems them all"
        )
    return movement
