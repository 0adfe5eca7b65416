"""Helpers for governance service, store and CLI tests: a movable clock and quick members."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coopfed.node import Node
from coopfed.services import members
from coopfed.services.proposals import ProposalDraft, create_proposal
from coopfed.store.members import MemberRecord
from coopfed.store.proposals import ProposalRecord

T0 = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)


class Clock:
    """A clock tests move by hand; install with `node.clock = clock`."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def use_clock(node: Node, start: datetime = T0) -> Clock:
    clock = Clock(start)
    node.clock = clock
    return clock


async def add_locals(
    node: Node, *usernames: str, member_class: str = "member"
) -> list[MemberRecord]:
    return [
        await members.add_member(node, local_username=name, member_class=member_class)
        for name in usernames
    ]


async def open_yes_no(node: Node, **changes: object) -> ProposalRecord:
    """An open `proposal@1` vote closing in 3 days."""
    fields: dict[str, object] = {
        "title": "Buy a cargo bike",
        "method": "proposal",
        "duration": timedelta(days=3),
    }
    fields.update(changes)
    draft = ProposalDraft(**fields)  # type: ignore[arg-type]
    return await create_proposal(node, draft, open_now=True)
