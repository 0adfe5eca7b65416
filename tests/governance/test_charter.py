"""Charter parsing, round trip and hash."""

from __future__ import annotations

from fractions import Fraction

import pytest

from coopfed.governance.canonical import canonical_hash
from coopfed.governance.charter import (
    AllianceDecision,
    Charter,
    CharterError,
    ClassMode,
    ClassRules,
    Comparison,
    LinkedProposals,
    ThresholdBase,
    TieBreak,
    charter_from_dict,
    charter_hash,
    charter_to_dict,
    parse_comparison,
    parse_fraction,
)


def test_parse_fraction_forms() -> None:
    assert parse_fraction("1/2") == Fraction(1, 2)
    assert parse_fraction("60%") == Fraction(3, 5)
    assert parse_fraction("1") == 1
    assert parse_fraction(" 2/3 ") == Fraction(2, 3)


@pytest.mark.parametrize("text", ["", "abc", "1/0", "3/2", "-1/2", "0.5", "1e-1", "150%"])
def test_parse_fraction_errors_are_typed_and_clear(text: str) -> None:
    with pytest.raises(CharterError, match="quorum"):
        parse_fraction(text, what="quorum")


def test_parse_comparison() -> None:
    assert parse_comparison("majority") == Comparison.majority()
    assert parse_comparison("at_least:2/3") == Comparison.at_least(Fraction(2, 3))
    assert parse_comparison("more_than:2/3") == Comparison.more_than(Fraction(2, 3))
    for bad in ["most", "at_least", "at_least:", "at_most:1/2", "more_than:5/3"]:
        with pytest.raises(CharterError):
            parse_comparison(bad)


def test_comparison_formulas() -> None:
    majority = Comparison.majority()
    assert majority.holds(Fraction(3), Fraction(5))  # 2*3 > 5
    assert not majority.holds(Fraction(3), Fraction(6))  # tie fails
    assert majority.is_tie(Fraction(3), Fraction(6))
    at_least = Comparison.at_least(Fraction(2, 3))
    assert at_least.holds(Fraction(6), Fraction(9))  # 18 >= 18
    assert not at_least.is_tie(Fraction(6), Fraction(9))
    assert not Comparison.more_than(Fraction(2, 3)).holds(Fraction(6), Fraction(9))
    assert not at_least.holds(Fraction(0), Fraction(0))  # an empty base passes nothing


def test_round_trip_and_hash_are_stable() -> None:
    charter = Charter(
        eligible_classes=frozenset({"worker", "consumer"}),
        quorum=Fraction(1, 2),
        threshold_base=ThresholdBase.ELIGIBLE,
        comparison=Comparison.at_least(Fraction(2, 3)),
        class_rules=ClassRules(
            ClassMode.CLASS_WEIGHTED,
            shares=(("consumer", Fraction(1, 2)), ("worker", Fraction(1, 2))),
            caps=(("worker", Fraction(2, 5)),),
        ),
        author_may_vote=False,
        tie_break=TieBreak.LOT,
    )
    data = charter_to_dict(charter)
    assert data["comparison"] == "at_least:2/3"
    assert data["eligible_classes"] == ["consumer", "worker"]
    assert charter_from_dict(data) == charter
    assert charter_hash(charter_from_dict(data)) == charter_hash(charter)
    assert charter_hash(charter) != charter_hash(Charter())


def test_defaults_from_empty_dict() -> None:
    charter = charter_from_dict({})
    assert charter == Charter()
    assert charter.threshold_base is ThresholdBase.CAST_EXCL_ABSTAIN
    assert charter.ballots_may_change and charter.author_may_vote
    assert not charter.revoke_ballot_on_leave


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quorum": "two thirds"}, "quorum"),
        ({"threshold_base": "everyone"}, "threshold_base"),
        ({"tie_break": "coin"}, "tie_break"),
        ({"colour": "red"}, "unknown keys"),
        ({"ballots_may_change": "yes"}, "ballots_may_change"),
        ({"class_mode": {"mode": "class_weighted", "shares": {"w": "1/3"}}}, "sum to exactly 1"),
        ({"class_mode": {"mode": "concurrent"}}, "concurrent"),
        ({"class_mode": {"mode": "pooled", "caps": {"w": "1/2"}}}, "class_weighted"),
        (
            {"class_mode": {"mode": "class_weighted", "shares": {"w": "1"}, "caps": {"x": "1/2"}}},
            "caps name classes",
        ),
        ({"eligible_classes": []}, "eligible_classes"),
    ],
)
def test_charter_errors(data: dict[str, object], message: str) -> None:
    with pytest.raises(CharterError, match=message):
        charter_from_dict(data)


def test_alliance_and_linked_proposal_settings_default_and_parse() -> None:
    charter = charter_from_dict({})
    assert charter.alliances is AllianceDecision.ADMIN
    assert charter.joint_proposals is LinkedProposals.AUTO
    voting = charter_from_dict({"alliances": "vote", "joint_proposals": "confirm"})
    assert voting.alliances is AllianceDecision.VOTE
    assert voting.joint_proposals is LinkedProposals.CONFIRM
    assert charter_from_dict(charter_to_dict(voting)) == voting
    with pytest.raises(CharterError, match="alliances"):
        charter_from_dict({"alliances": "members"})
    with pytest.raises(CharterError, match="joint_proposals"):
        charter_from_dict({"joint_proposals": "never"})


def test_later_settings_leave_earlier_charter_hashes_alone() -> None:
    # The hash of the default charter before `alliances`/`joint_proposals` existed.
    later = {
        "alliances",
        "joint_proposals",
        "non_member_replies",
        "proxies",
        "discussion_drafts",
        "reminder_before",
    }
    before = canonical_hash({k: v for k, v in charter_to_dict(Charter()).items() if k not in later})
    assert charter_hash(Charter()) == before
    assert charter_hash(charter_from_dict({"alliances": "vote"})) != before


def test_proxies_are_off_by_default_and_leave_old_hashes_alone() -> None:
    assert not Charter().proxies.allowed
    assert charter_hash(charter_from_dict({})) == charter_hash(Charter())
    on = charter_from_dict({"proxies": {"allowed": True, "cap_per_holder": 3, "same_class": True}})
    assert (on.proxies.allowed, on.proxies.cap_per_holder, on.proxies.same_class) == (True, 3, True)
    assert charter_hash(on) != charter_hash(Charter())


def test_a_bad_proxy_setting_is_refused_with_the_reason() -> None:
    with pytest.raises(CharterError, match="cap_per_holder"):
        charter_from_dict({"proxies": {"allowed": True, "cap_per_holder": 0}})
    with pytest.raises(CharterError, match="unknown keys"):
        charter_from_dict({"proxies": {"cap": 2}})


def test_reminder_before_defaults_to_a_day_and_off_is_explicit() -> None:
    assert Charter().reminder_before_seconds == 24 * 3600
    assert charter_to_dict(Charter())["reminder_before"] == "24h"
    assert charter_from_dict({"reminder_before": "90m"}).reminder_before_seconds == 5400
    assert charter_from_dict({"reminder_before": "2d"}).reminder_before_seconds == 172800
    assert charter_to_dict(charter_from_dict({"reminder_before": "2d"}))["reminder_before"] == "48h"
    for off in ("off", "0", 0):
        charter = charter_from_dict({"reminder_before": off})
        assert charter.reminder_before_seconds == 0
        assert charter_to_dict(charter)["reminder_before"] == "off"
    assert charter_hash(charter_from_dict({"reminder_before": "24h"})) == charter_hash(Charter())
    assert charter_hash(charter_from_dict({"reminder_before": "off"})) != charter_hash(Charter())


@pytest.mark.parametrize("value", ["soon", "-1h", "24 hours", True, "31d", None])
def test_a_bad_reminder_before_is_refused_with_the_reason(value: object) -> None:
    with pytest.raises(CharterError, match="reminder_before"):
        charter_from_dict({"reminder_before": value})
