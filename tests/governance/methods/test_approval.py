"""Approval (docs/governance.md, rule 5), the shared top-k cut and the lot."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopfed.governance.ballots import abstain, cast
from coopfed.governance.charter import Charter
from coopfed.governance.methods import tally
from coopfed.governance.methods.approval import (
    TieBreak,
    draw_lot,
    select_top_k,
    tally_approval,
    validate_approval_ballot,
)
from coopfed.governance.methods.errors import InvalidBallot
from coopfed.governance.result import ResultRecord

from ..support import T0, electorate

ABC = ("A", "B", "C")


def test_worked_example_is_a_tie_between_a_and_b() -> None:
    ballots = [frozenset("A"), frozenset("A"), frozenset("B"), frozenset("CB")]
    result = tally_approval(ABC, ballots, k=1)
    assert dict(result.totals) == {"A": 2, "B": 2, "C": 1}
    assert result.status == "tie"
    assert result.tied == ("A", "B")
    assert result.winners == ()
    assert result.lot is None


def test_clear_winner_is_decided() -> None:
    ballots = [frozenset("A"), frozenset("AB"), frozenset("B"), frozenset("A")]
    result = tally_approval(ABC, ballots, k=1)
    assert result.status == "decided"
    assert result.winners == ("A",)
    assert result.ranking == ("A", "B", "C")


def test_two_winners_with_a_tie_below_the_cut_is_decided() -> None:
    ballots = [frozenset("AB"), frozenset("AB"), frozenset("C")]
    result = tally_approval((*ABC, "D"), ballots, k=2)
    assert result.status == "decided"
    assert result.winners == ("A", "B")


def test_tie_at_the_cut_keeps_the_sure_winners() -> None:
    ballots = [frozenset("AB"), frozenset("A"), frozenset("C")]
    result = tally_approval((*ABC, "D"), ballots, k=2)
    assert result.status == "tie"
    assert result.winners == ("A",)
    assert result.tied == ("B", "C")


def test_lot_breaks_the_tie_and_is_published() -> None:
    ballots = [frozenset("A"), frozenset("A"), frozenset("B"), frozenset("CB")]
    seed = b"proposal-7|inputs-hash"
    result = tally_approval(ABC, ballots, k=1, tie_break="lot", seed=seed)
    assert result.status == "decided"
    assert result.lot is not None
    assert result.lot.seed_hex == seed.hex()
    assert result.lot.among == ("A", "B")
    assert result.winners == (result.lot.order[0],)
    assert result.ranking[:2] == result.lot.order
    assert result.to_dict()["lot"] == {
        "seed": seed.hex(),
        "among": ["A", "B"],
        "order": list(result.lot.order),
    }


def test_lot_order_is_sha256_of_seed_and_name() -> None:
    import hashlib

    seed = b"\x01\x02"
    lot = draw_lot(["B", "A", "C"], seed)
    expected = sorted("ABC", key=lambda name: hashlib.sha256(seed + name.encode()).digest())
    assert lot.order == tuple(expected)
    assert draw_lot(["C", "A", "B"], seed) == lot


def test_different_seeds_can_give_different_orders() -> None:
    orders = {draw_lot(ABC, bytes([n])).order for n in range(20)}
    assert len(orders) > 1


def test_require_majority_drops_options_approved_by_half_or_less() -> None:
    ballots = [frozenset("A"), frozenset("A"), frozenset("B"), frozenset("B")]
    result = tally_approval(ABC, ballots, k=1, require_majority=True)
    assert result.winners == ()
    assert result.status == "decided"
    assert result.below_majority == ("A", "B", "C")


def test_require_majority_keeps_a_majority_winner() -> None:
    ballots = [frozenset("AB"), frozenset("A"), frozenset("B"), frozenset("AC")]
    result = tally_approval(ABC, ballots, k=2, require_majority=True)
    assert result.winners == ("A",)
    assert result.below_majority == ("B", "C")
    assert result.ranking == ("A", "B", "C")


def test_require_majority_reports_a_tie_among_majority_options() -> None:
    ballots = [frozenset("AB"), frozenset("AB"), frozenset("C")]
    result = tally_approval(ABC, ballots, k=1, require_majority=True)
    assert result.status == "tie"
    assert result.tied == ("A", "B")


def test_k_at_least_options_elects_everyone() -> None:
    result = tally_approval(ABC, [frozenset("A")], k=3)
    assert result.winners == ("A", "B", "C")
    assert result.status == "decided"


def test_no_ballots_is_a_tie_of_all() -> None:
    result = tally_approval(ABC, [], k=1)
    assert result.status == "tie"
    assert result.tied == ABC


def test_to_dict_is_plain_json() -> None:
    result = tally_approval(ABC, [frozenset("A"), frozenset("BC")], k=1)
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["method"] == "approval@1"
    assert data["totals"] == {"A": 1, "B": 1, "C": 1}


@pytest.mark.parametrize(
    ("ballot", "reason"),
    [
        (frozenset("Z"), "'Z', not an option"),
        (frozenset(), "picks 0 options, at least 1 needed"),
        (frozenset("ABC"), "picks 3 options, at most 2 allowed"),
    ],
)
def test_invalid_approval_ballots(ballot: frozenset[str], reason: str) -> None:
    with pytest.raises(InvalidBallot, match=reason):
        validate_approval_ballot(ballot, ABC, min_choices=1, max_choices=2)


def test_valid_approval_ballot_passes() -> None:
    validate_approval_ballot(frozenset("AB"), ABC, min_choices=1, max_choices=2)
    assert issubclass(InvalidBallot, ValueError)


def test_select_top_k_with_no_cut_inside() -> None:
    top = select_top_k(["A", "B"], {"A": (1,), "B": (1,)}, 2, "none", b"")
    assert top.winners == ("A", "B")
    assert top.status == "decided"


ballot_lists = st.lists(st.frozensets(st.sampled_from(ABC), min_size=1), max_size=30)


@given(ballot_lists, st.randoms(), st.integers(min_value=1, max_value=3))
def test_invariant_under_ballot_order(
    ballots: list[frozenset[str]], rnd: random.Random, k: int
) -> None:
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    tie_breaks: tuple[TieBreak, ...] = ("none", "lot")
    for tie_break in tie_breaks:
        first = tally_approval(ABC, ballots, k, tie_break=tie_break, seed=b"s")
        second = tally_approval(ABC, shuffled, k, tie_break=tie_break, seed=b"s")
        assert first == second
        assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())


@given(ballot_lists, st.integers(min_value=1, max_value=3))
def test_lot_always_decides_exactly_k(ballots: list[frozenset[str]], k: int) -> None:
    result = tally_approval(ABC, ballots, k, tie_break="lot", seed=b"x")
    assert result.status == "decided"
    assert len(result.winners) == k
    assert sorted(result.ranking) == sorted(ABC)


def majority_record(choices: list[object]) -> ResultRecord:
    ballots = [
        abstain(f"m{i:04d}", T0) if choice == "abstain" else cast(f"m{i:04d}", choice, T0)
        for i, choice in enumerate(choices)
    ]
    spec = {"options": list(ABC), "require_majority": True}
    return tally("approval@1", spec, electorate(len(ballots)), ballots, Charter())


def test_require_majority_base_is_the_valid_cast_ballots() -> None:
    # GOVERNANCE.md method 5: more than half of the valid cast ballots; abstentions and invalid
    # ballots are not in that base. A has 2 of 3 valid cast ballots: a majority, though only
    # 2 of the 6 members who voted.
    result = majority_record([["A"], ["A"], ["B"], "abstain", "abstain", ["Z"]])
    assert (result.counts["abstain"], result.counts["invalid"]) == (2, 1)
    assert result.detail["ballots"] == 3
    assert result.detail["winners"] == ["A"]
    assert result.detail["below_majority"] == ["B", "C"]
    # Exactly half is not more than half.
    assert majority_record([["A"], ["A"], ["B"], ["C"]]).detail["winners"] == []


def test_require_majority_with_no_valid_cast_ballot_elects_nobody() -> None:
    result = majority_record(["abstain", ["Z"]])
    assert result.detail["ballots"] == 0
    assert result.detail["winners"] == []
    assert result.detail["below_majority"] == ["A", "B", "C"]
