"""Builders shared by the governance tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from coopfed.governance.ballots import Ballot, abstain, cast
from coopfed.governance.electorate import Electorate

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def member_ids(count: int, prefix: str = "m") -> list[str]:
    return [f"{prefix}{index:04d}" for index in range(count)]


def electorate(count: int, member_class: str = "member", prefix: str = "m") -> Electorate:
    return Electorate.from_pairs(T0, [(m, member_class) for m in member_ids(count, prefix)])


def classed_electorate(sizes: dict[str, int]) -> Electorate:
    pairs = [(f"{name}{i:04d}", name) for name, size in sizes.items() for i in range(size)]
    return Electorate.from_pairs(T0, pairs)


def ballots_from_counts(
    counts: Sequence[tuple[str, int]], prefix: str = "m", start: int = 0
) -> list[Ballot]:
    """[("yes", 3), ("abstain", 1)] → ballots of m0000.. in order; 'abstain' abstains."""
    out: list[Ballot] = []
    index = start
    for choice, count in counts:
        for _ in range(count):
            member = f"{prefix}{index:04d}"
            at = T0 + timedelta(seconds=index)
            out.append(abstain(member, at) if choice == "abstain" else cast(member, choice, at))
            index += 1
    return out
