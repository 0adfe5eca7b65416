"""The method registry and its uniform tally entry point."""

from __future__ import annotations

from fractions import Fraction

import pytest

from coopfed.governance.ballots import Ballot, abstain, cast
from coopfed.governance.canonical import canonical_hash
from coopfed.governance.charter import Charter, TieBreak
from coopfed.governance.methods import REGISTRY, UnknownMethod, parse_spec, tally, validator
from coopfed.governance.result import DecisionStatus, inputs_hash, lot_seed
from coopfed.governance.specs import SpecError

from ..support import T0, ballots_from_counts, electorate

ABC = {"options": ["A", "B", "C"]}


def test_every_method_is_versioned() -> None:
    assert {"proposal@1", "consent@1", "consensus@1", "advice@1"} <= set(REGISTRY)
    assert {"approval@1", "score@1", "dots@1", "borda@1", "irv@1"} <= set(REGISTRY)
    assert all(name.endswith("@1") for name in REGISTRY)


def test_unknown_method_and_bad_spec() -> None:
    with pytest.raises(UnknownMethod, match="proposal@1"):
        tally("proposal@2", {}, electorate(1), [], Charter())
    with pytest.raises(SpecError, match="unknown spec keys"):
        parse_spec("proposal@1", {"colour": "red"})
    with pytest.raises(SpecError, match="unique"):
        parse_spec("approval@1", {"options": ["A", "A"]})
    with pytest.raises(SpecError, match="dots"):
        parse_spec("dots@1", ABC)


def test_approval_worked_example_is_a_tie() -> None:
    ballots = [cast("m0000", ["A"], T0), cast("m0001", ["A"], T0), cast("m0002", ["B"], T0)]
    ballots.append(cast("m0003", ["C", "B"], T0))
    result = tally("approval@1", ABC, electorate(4), ballots, Charter())
    assert result.status is DecisionStatus.TIE
    assert result.tie == {
        "tied": ["A", "B"],
        "reason": "A, B are tied for the winning place with 2 approvals each; tie_break is none",
    }
    assert result.counts == {"A": 2, "B": 2, "C": 1, "abstain": 0, "invalid": 0}
    assert result.lot_seed is None


def test_lot_is_seeded_by_proposal_id_and_inputs_hash() -> None:
    ballots = [cast("m0000", ["A"], T0), cast("m0001", ["B"], T0)]
    charter = Charter(tie_break=TieBreak.LOT)
    result = tally("approval@1", ABC, electorate(2), ballots, charter, proposal_id="p7")
    assert result.status is DecisionStatus.DECIDED
    expected = lot_seed("p7", result.inputs_hash)
    assert result.lot_seed == expected.hex()
    assert result.detail["lot"]["seed"] == expected.hex()
    again = tally("approval@1", ABC, electorate(2), ballots, charter, proposal_id="p7")
    assert again.canonical_bytes() == result.canonical_bytes()


def test_dots_over_budget_is_invalid() -> None:
    spec = {"options": ["A", "B"], "dots": 8}
    check = validator("dots@1", spec)
    with pytest.raises(Exception, match="at most 8"):
        check(cast("m0000", {"A": 5, "B": 4}, T0))
    result = tally("dots@1", spec, electorate(2), [cast("m0000", {"A": 5, "B": 4}, T0)], Charter())
    assert result.counts["invalid"] == 1 and result.turnout == 0


def test_borda_and_irv_worked_examples() -> None:
    rankings = [["A", "B", "C"], ["B", "A", "C"], ["B", "C", "A"]]
    ballots = [cast(f"m{i:04d}", r, T0) for i, r in enumerate(rankings)]
    borda = tally("borda@1", ABC, electorate(3), ballots, Charter())
    assert borda.counts == {"A": 6, "B": 8, "C": 4, "abstain": 0, "invalid": 0}
    assert borda.detail["ranking"] == ["B", "A", "C"]
    irv_rankings = [["A", "B", "C"]] * 4 + [["B", "C", "A"]] * 3 + [["C", "B", "A"]] * 2
    irv_ballots = [cast(f"m{i:04d}", r, T0) for i, r in enumerate(irv_rankings)]
    irv = tally("irv@1", ABC, electorate(9), irv_ballots, Charter())
    assert irv.status is DecisionStatus.DECIDED
    assert irv.detail["winners"] == ["B"]
    assert len(irv.detail["rounds"]) == 2


def test_choice_methods_apply_the_quorum() -> None:
    ballots = [cast("m0000", ["A"], T0)]
    result = tally("approval@1", ABC, electorate(4), ballots, Charter(quorum=Fraction(1, 2)))
    assert result.status is DecisionStatus.NO_QUORUM and not result.quorum_met


def test_inputs_hash_covers_spec_charter_electorate_and_ballots() -> None:
    ballots = ballots_from_counts([("yes", 2)])
    base = tally("proposal@1", {}, electorate(3), ballots, Charter())
    assert base.inputs_hash == inputs_hash(
        "proposal@1", {}, base.charter_hash, base.electorate_hash, ballots
    )
    others = [
        tally("proposal@1", {"allow_block": False}, electorate(3), ballots, Charter()),
        tally("proposal@1", {}, electorate(4), ballots, Charter()),
        tally("proposal@1", {}, electorate(3), ballots, Charter(quorum=Fraction(1, 2))),
        tally("proposal@1", {}, electorate(3), ballots[:1], Charter()),
    ]
    assert len({base.inputs_hash, *(other.inputs_hash for other in others)}) == 5


def ranked(rankings: list[list[str]]) -> list[Ballot]:
    return [cast(f"m{i:04d}", ranking, T0) for i, ranking in enumerate(rankings)]


def test_stv_worked_example_through_the_registry() -> None:
    ballots = ranked([["A", "B"]] * 6 + [["B"]] * 3 + [["C", "B"]] * 2)
    result = tally("stv@1", {**ABC, "seats": 2}, electorate(11), ballots, Charter())
    assert result.status is DecisionStatus.DECIDED
    assert result.detail["quota"] == 4
    assert result.detail["winners"] == ["A", "B"]
    assert result.detail["stages"][1]["transfer_value"] == "0.33333"


def test_schulze_through_the_registry() -> None:
    ballots = ranked([["A", "B", "C"]] * 3 + [["B", "C", "A"]] * 2 + [["C", "A", "B"]])
    result = tally("schulze@1", ABC, electorate(6), ballots, Charter())
    assert result.detail["winners"] == ["A"]
    tie = tally("schulze@1", ABC, electorate(2), ranked([["A"], ["B"]]), Charter())
    assert tie.status is DecisionStatus.TIE


def test_inputs_hash_fast_path_equals_the_canonical_hash_of_the_whole_object() -> None:
    ballots = [cast("m0001", {"A": 2, "B": 1}, T0), cast("m0000", ["é", "B"], T0)]
    ballots.append(abstain("m0002", T0))
    expected = canonical_hash(
        {
            "method": "score@1",
            "spec": ABC,
            "charter_hash": "c" * 64,
            "electorate_hash": "e" * 64,
            "ballots": sorted(b.counted_form() for b in ballots),
        }
    )
    assert inputs_hash("score@1", ABC, "c" * 64, "e" * 64, ballots) == expected


def test_validation_memo_keeps_value_types_apart() -> None:
    spec = {"options": ["A", "B"], "min_score": 0, "max_score": 5}
    ballots = [
        cast("m0000", {"A": 1}, T0),
        cast("m0001", {"A": True}, T0),
        cast("m0002", {"A": 1.0}, T0),
        cast("m0003", {"A": 1}, T0),
    ]
    result = tally("score@1", spec, electorate(4), ballots, Charter())
    assert result.counts["invalid"] == 2
    assert result.counts["A"] == 2


def test_invalid_payloads_never_break_the_hash() -> None:
    # A float or a nested object from a remote server: invalid, and left out of the hash.
    ballots = [cast("m0000", 0.5, T0), cast("m0001", {"x": [1.5]}, T0), cast("m0002", "yes", T0)]
    result = tally("proposal@1", {}, electorate(3), ballots, Charter())
    assert result.counts["invalid"] == 2 and result.status is DecisionStatus.PASSED


def test_memo_does_not_mix_reasons_for_consent() -> None:
    ballots = [cast("m0000", "objection", T0, "too costly"), cast("m0001", "objection", T0)]
    result = tally("consent@1", {}, electorate(2), ballots, Charter())
    assert result.counts["objection"] == 1 and result.counts["invalid"] == 1


def test_irv_tie_record_names_the_tied_and_why_whatever_the_option_order() -> None:
    # GOVERNANCE.md rule 9, first example: 1x[X,A], 1x[Y,B], 3x[A,C], 3x[B,A], 5x[C].
    rankings = [["X", "A"], ["Y", "B"]] + [["A", "C"]] * 3 + [["B", "A"]] * 3 + [["C"]] * 5
    records = [
        tally("irv@1", {"options": list(options)}, electorate(13), ranked(rankings), Charter())
        for options in ("ABCXY", "ABCYX")
    ]
    for record in records:
        assert record.status is DecisionStatus.TIE
        assert record.detail["winners"] == []
        assert record.tie is not None
        assert record.tie["tied"] == ["X", "Y"]
        assert (
            "eliminating X first elects A; eliminating Y first elects C" in (record.tie["reason"])
        )
    first, second = (record.to_dict() for record in records)
    for data in (first, second):
        for key in ("spec", "inputs_hash"):
            del data[key]
        del data["detail"]["candidates"]
    assert first == second


def test_stv_rule_ten_example_through_the_registry() -> None:
    ballots = ranked([["A", "F", "B"]] + [["A", "E"]] * 3 + [["B"]])
    spec = {"options": ["A", "B", "E", "F"], "seats": 2}
    result = tally("stv@1", spec, electorate(5), ballots, Charter())
    assert result.status is DecisionStatus.DECIDED
    assert result.detail["winners"] == ["A", "E"]
    assert result.detail["stages"][3]["excluded"] == "B"
    assert result.tie is None


TIES = [
    ("approval@1", {}, [["A"], ["B"]], "A, B are tied for the winning place with 1 approval each"),
    (
        "score@1",
        {},
        [{"A": 3, "B": 3, "C": 1}],
        "A, B are tied for the winning place with a total of 3 and a mean of 3 each",
    ),
    ("dots@1", {"dots": 4}, [{"A": 2, "B": 2}], "A, B are tied for the winning place with 2 dots"),
    ("borda@1", {"winners": 2}, [["A"], ["B"], ["C"]], "A, B, C are tied for 2 of 2 places"),
    ("irv@1", {}, [["A"], ["B"]], "A, B, the only candidates left, all have 1 vote in round 2"),
    ("stv@1", {"seats": 2}, [["A"], ["B"], ["C"]], "tie between A, B, C at stage 2 for exclusion"),
    ("schulze@1", {}, [["A", "B", "C"], ["B", "C", "A"], ["C", "A", "B"]], "A, B, C are all"),
]


@pytest.mark.parametrize(("method", "knobs", "choices", "reason"), TIES)
def test_every_choice_tie_names_the_tied_options_and_why(
    method: str, knobs: dict[str, object], choices: list[object], reason: str
) -> None:
    ballots = [cast(f"m{i:04d}", choice, T0) for i, choice in enumerate(choices)]
    spec = {**ABC, **knobs}
    result = tally(method, spec, electorate(len(ballots)), ballots, Charter())
    assert result.status is DecisionStatus.TIE
    assert result.tie is not None
    assert result.tie["tied"] == result.detail["tied"]
    assert len(result.tie["tied"]) >= 2
    assert result.tie["reason"].startswith(reason)
    assert "tie_break is none" in result.tie["reason"]


SLOTS = {"options": ["mon", "tue"]}
PROJECTS = {"options": ["A", "B"], "costs": {"A": 60, "B": 50}, "budget": 100}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"options": ["A", "B"], "budget": 100}, "give each project's cost"),
        ({"options": ["A", "B"], "costs": {"A": 1}, "budget": 100}, "no cost for B"),
        ({"options": ["A", "B"], "costs": {"A": 1, "B": 0}, "budget": 9}, "B must be a positive"),
        ({"options": ["A", "B"], "costs": {"A": 1, "B": True}, "budget": 9}, "positive"),
        ({"options": ["A", "B"], "costs": {"A": 1, "B": 2, "Z": 3}, "budget": 9}, "Z, not a"),
        ({"options": ["A", "B"], "costs": {"A": 1, "B": 2}}, "total budget"),
        ({**PROJECTS, "winners": 2}, "unknown spec keys"),
    ],
)
def test_budget_spec_errors(spec: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spec("budget@1", spec)


def test_meeting_spec_takes_only_slots() -> None:
    with pytest.raises(SpecError, match="unknown spec keys"):
        parse_spec("meeting@1", {**SLOTS, "winners": 2})
    with pytest.raises(SpecError, match="at least 2"):
        parse_spec("meeting@1", {"options": ["mon"]})


def test_meeting_and_budget_ballots_are_checked_in_the_tally() -> None:
    ballots = [
        cast("m0000", {"mon": "yes", "tue": "if_need_be"}, T0),
        cast("m0001", {"mon": "perhaps"}, T0),
        cast("m0002", ["mon"], T0),
    ]
    result = tally("meeting@1", SLOTS, electorate(3), ballots, Charter())
    assert result.counts == {"mon": 1, "tue": 0, "abstain": 0, "invalid": 2}
    assert result.detail["winners"] == ["mon"]
    limited = {**PROJECTS, "limit_to_budget": True}
    ballots = [cast("m0000", ["A", "B"], T0), cast("m0001", ["B"], T0)]
    result = tally("budget@1", limited, electorate(2), ballots, Charter())
    assert result.counts == {"A": 0, "B": 1, "abstain": 0, "invalid": 1}
    assert result.detail["winners"] == ["B"]
    check = validator("budget@1", limited)
    check(cast("m0001", ["B"], T0))
