"""Dot voting (docs/governance.md, rule 7)."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopfed.governance.methods.dots import tally_dots, validate_dots_ballot
from coopfed.governance.methods.errors import InvalidBallot

ABC = ("A", "B", "C")


def test_worked_example_nine_dots_of_eight_is_invalid() -> None:
    with pytest.raises(InvalidBallot, match="ballot uses 9 dots, at most 8 allowed"):
        validate_dots_ballot({"A": 5, "B": 4}, ABC, 8)


def test_fewer_dots_are_fine_unless_exact() -> None:
    validate_dots_ballot({"A": 5, "B": 2}, ABC, 8)
    validate_dots_ballot({"A": 5, "B": 3}, ABC, 8, exact=True)
    with pytest.raises(InvalidBallot, match="ballot uses 7 dots, exactly 8 required"):
        validate_dots_ballot({"A": 5, "B": 2}, ABC, 8, exact=True)


@pytest.mark.parametrize(
    ("ballot", "reason"),
    [
        ({"A": -1, "B": 3}, "puts -1 dots on 'A', dots cannot be negative"),
        ({"Z": 1}, "'Z', not an option"),
        ({"A": 2.0}, "not an integer"),
        ({"A": False}, "not an integer"),
    ],
)
def test_invalid_dots_ballots(ballot: dict[str, int], reason: str) -> None:
    with pytest.raises(InvalidBallot, match=reason):
        validate_dots_ballot(ballot, ABC, 8)


def test_tally_sums_dots() -> None:
    ballots = [{"A": 5, "B": 3}, {"C": 8}, {"A": 4, "C": 1, "B": 3}]
    result = tally_dots(ABC, ballots, k=2)
    assert dict(result.totals) == {"A": 9, "B": 6, "C": 9}
    assert result.winners == ("A", "C")
    assert result.ranking == ("A", "C", "B")
    assert result.status == "decided"


def test_equal_dots_at_the_cut_is_a_tie() -> None:
    result = tally_dots(ABC, [{"A": 4, "C": 4}], k=1)
    assert result.status == "tie"
    assert result.tied == ("A", "C")
    assert result.to_dict()["tied"] == ["A", "C"]
    assert result.to_dict()["method"] == "dots@1"


dots = st.dictionaries(st.sampled_from(ABC), st.integers(min_value=0, max_value=3))


@given(st.lists(dots, max_size=20), st.randoms())
def test_invariant_under_ballot_order(ballots: list[dict[str, int]], rnd: random.Random) -> None:
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    first = tally_dots(ABC, ballots, tie_break="lot", seed=b"s")
    assert first == tally_dots(ABC, shuffled, tie_break="lot", seed=b"s")
    assert json.dumps(first.to_dict()) == json.dumps(
        tally_dots(ABC, shuffled, tie_break="lot", seed=b"s").to_dict()
    )
