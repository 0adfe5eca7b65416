"""The membership principle: parsing, defaults, classes closed to applications, voting classes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coopfed.governance.membership import (
    AdmissionMode,
    ClassPolicy,
    MembershipError,
    MembershipPrinciple,
    RollVisibility,
    default_principle,
    principle_from_dict,
    principle_hash,
    principle_to_dict,
)

EXAMPLE = {
    "classes": [
        {"name": "worker", "admission": "vote", "shares_required": 1, "nominal_value": "100.00"},
        {"name": "consumer", "nominal_value": "10"},
        {"name": "investor", "open_to_applications": False, "votes": False, "transferable": True},
    ],
    "default_class": "consumer",
    "roll_visibility": "members",
}


def test_the_json_form_round_trips_with_a_stable_hash() -> None:
    principle = principle_from_dict(EXAMPLE)
    assert principle.policy("worker").admission is AdmissionMode.VOTE
    assert principle.policy("worker").nominal_value == Decimal("100.00")
    assert principle.roll_visibility is RollVisibility.MEMBERS
    again = principle_from_dict(principle_to_dict(principle))
    assert again == principle and principle_hash(again) == principle_hash(principle)


def test_applications_go_to_the_default_or_an_open_class() -> None:
    principle = principle_from_dict(EXAMPLE)
    assert principle.application_class(None).name == "consumer"
    assert principle.application_class("worker").name == "worker"
    with pytest.raises(MembershipError, match="'investor' is not open to applications"):
        principle.application_class("investor")
    with pytest.raises(MembershipError, match="unknown member class 'patron'"):
        principle.application_class("patron")


def test_classes_that_do_not_vote_leave_the_charters_eligible_classes() -> None:
    assert principle_from_dict(EXAMPLE).voting_classes() == frozenset({"worker", "consumer"})
    assert default_principle(["member", "worker"], "member").voting_classes() is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"classes": []}, "non-empty list"),
        ({"classes": [{"name": "a"}], "default_class": "b"}, "default_class 'b'"),
        ({"classes": [{"name": "a"}, {"name": "a"}]}, "unique"),
        ({"classes": [{"name": "a", "nominal_value": 1.5}]}, "as text"),
        ({"classes": [{"name": "a", "nominal_value": "-1"}]}, "≥ 0"),
        ({"classes": [{"name": "a", "shares_required": -1}]}, "between 0"),
        ({"classes": [{"name": "a", "admission": "lottery"}]}, "'lottery' is not one of"),
        ({"classes": [{"name": "a", "votes": "yes"}]}, "true or false"),
        ({"classes": [{"name": "a", "colour": "red"}]}, "unknown keys"),
        ({"classes": [{"name": "a"}], "admission_vote_days": 0}, "between 1 and 365"),
    ],
)
def test_bad_principles_are_refused_with_a_message(data: dict[str, object], message: str) -> None:
    with pytest.raises(MembershipError, match=message):
        principle_from_dict(data)


def test_a_class_policy_checks_itself() -> None:
    with pytest.raises(MembershipError):
        ClassPolicy(" padded ")
    with pytest.raises(MembershipError):
        MembershipPrinciple((), "x")
