"""Members, classes, one actor per member."""

from __future__ import annotations

import pytest

from coopfed.governance.members import (
    Member,
    MemberClasses,
    MemberError,
    MemberStatus,
    check_one_actor_per_member,
)


def test_member_defaults_to_active_with_one_share() -> None:
    member = Member("m1", "https://coop.example/users/ann", "worker")
    assert member.shares == 1
    assert member.is_active
    assert not Member("m2", "a2", "worker", status=MemberStatus.LEFT).is_active


@pytest.mark.parametrize(
    ("member_id", "actor", "klass", "shares"),
    [("", "a", "w", 1), ("m", "", "w", 1), ("m", "a", "", 1), ("m", "a", "w", -1)],
)
def test_member_rejects_bad_fields(member_id: str, actor: str, klass: str, shares: int) -> None:
    with pytest.raises(MemberError):
        Member(member_id, actor, klass, shares)


def test_classes_are_defined_by_the_coop() -> None:
    classes = MemberClasses.of(["worker", "consumer"])
    assert "worker" in classes
    assert classes.require("consumer") == "consumer"
    with pytest.raises(MemberError, match="unknown member class 'investor'"):
        classes.require("investor")
    with pytest.raises(MemberError):
        MemberClasses.of(["worker", "worker"])
    with pytest.raises(MemberError):
        MemberClasses.of([])


def test_two_actors_never_give_two_votes() -> None:
    with pytest.raises(MemberError, match="bound to both"):
        check_one_actor_per_member([Member("m1", "a", "w"), Member("m2", "a", "w")])
    with pytest.raises(MemberError, match="appears twice"):
        check_one_actor_per_member([Member("m1", "a", "w"), Member("m1", "b", "w")])
