"""Electorate snapshot at the record date."""

from __future__ import annotations

from coopfed.governance.charter import Charter
from coopfed.governance.electorate import Electorate
from coopfed.governance.members import Member, MemberStatus

from .support import T0


def register() -> list[Member]:
    return [
        Member("m3", "a3", "worker"),
        Member("m1", "a1", "consumer"),
        Member("m2", "a2", "worker", status=MemberStatus.APPLICANT),
        Member("m4", "a4", "investor"),
        Member("m5", "a5", "worker", status=MemberStatus.SUSPENDED),
    ]


def test_snapshot_keeps_active_members_of_eligible_classes() -> None:
    charter = Charter(eligible_classes=frozenset({"worker", "consumer"}))
    electorate = Electorate.snapshot(register(), charter, T0)
    assert list(electorate) == ["m1", "m3"]
    assert electorate.size == 2
    assert "m3" in electorate and "m2" not in electorate and "m4" not in electorate
    assert electorate.class_of("m1") == "consumer"
    assert electorate.class_sizes() == {"consumer": 1, "worker": 1}


def test_hash_depends_on_sorted_members_and_classes_only() -> None:
    first = Electorate.from_pairs(T0, [("b", "w"), ("a", "c")])
    second = Electorate.from_pairs(T0, [("a", "c"), ("b", "w")])
    assert first.electorate_hash() == second.electorate_hash()
    assert first == second
    other_class = Electorate.from_pairs(T0, [("a", "w"), ("b", "w")])
    assert first.electorate_hash() != other_class.electorate_hash()
    assert first.to_dict()["members"] == [["a", "c"], ["b", "w"]]


def test_all_classes_vote_without_eligible_classes() -> None:
    electorate = Electorate.snapshot(register(), Charter(), T0)
    assert list(electorate) == ["m1", "m3", "m4"]
