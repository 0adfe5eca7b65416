"""Score voting (docs/governance.md, rule 6): total, then mean, then tie."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopfed.governance.ballots import cast
from coopfed.governance.charter import Charter
from coopfed.governance.methods import tally
from coopfed.governance.methods.errors import InvalidBallot
from coopfed.governance.methods.score import tally_score, validate_score_ballot
from coopfed.governance.result import DecisionStatus

from ..support import T0, electorate

ABC = ("A", "B", "C")


def test_rank_by_total() -> None:
    ballots = [{"A": 5, "B": 3, "C": 0}, {"A": 1, "B": 4, "C": 2}]
    result = tally_score(ABC, ballots)
    assert dict(result.totals) == {"A": 6, "B": 7, "C": 2}
    assert result.ranking == ("B", "A", "C")
    assert result.winners == ("B",)
    assert result.status == "decided"


def test_equal_totals_are_separated_by_mean() -> None:
    # A: 4 + 4 over two ballots (mean 4); B: 8 from one ballot (mean 8).
    ballots = [{"A": 4, "B": 8}, {"A": 4}]
    result = tally_score(ABC, ballots)
    assert result.totals["A"] == result.totals["B"] == 8
    assert result.means["A"] == Fraction(4)
    assert result.means["B"] == Fraction(8)
    assert result.winners == ("B",)
    assert result.status == "decided"


def test_equal_total_and_mean_is_a_tie() -> None:
    ballots = [{"A": 3, "B": 3, "C": 1}]
    result = tally_score(ABC, ballots)
    assert result.status == "tie"
    assert result.tied == ("A", "B")
    assert result.winners == ()


def test_lot_settles_a_score_tie() -> None:
    result = tally_score(ABC, [{"A": 3, "B": 3, "C": 1}], tie_break="lot", seed=b"seed")
    assert result.status == "decided"
    assert result.lot is not None
    assert result.winners == (result.lot.order[0],)


def test_negative_scores_and_unscored_options() -> None:
    ballots = [{"A": -2, "B": 1}, {"A": 1}]
    result = tally_score(ABC, ballots)
    assert dict(result.totals) == {"A": -1, "B": 1, "C": 0}
    assert result.means["A"] == Fraction(-1, 2)
    assert result.means["C"] == 0
    assert result.ranking == ("B", "C", "A")


def test_to_dict_writes_means_as_fractions() -> None:
    data = tally_score(ABC, [{"A": 1, "B": 2}, {"A": 2}]).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["means"] == {"A": "3/2", "B": "2/1", "C": "0/1"}
    assert data["method"] == "score@1"


@pytest.mark.parametrize(
    ("ballot", "reason"),
    [
        ({"A": 6}, "score 6 for 'A' is outside \\[0, 5\\]"),
        ({"A": -1}, "score -1 for 'A' is outside"),
        ({"Z": 1}, "'Z', not an option"),
        ({"A": True}, "not an integer"),
        ({"A": 1.5}, "not an integer"),
    ],
)
def test_invalid_score_ballots(ballot: dict[str, int], reason: str) -> None:
    with pytest.raises(InvalidBallot, match=reason):
        validate_score_ballot(ballot, ABC, 0, 5)


def test_require_all_rejects_unscored_options() -> None:
    validate_score_ballot({"A": 1}, ABC, 0, 5)
    with pytest.raises(InvalidBallot, match="leaves 'B', 'C' unscored"):
        validate_score_ballot({"A": 1}, ABC, 0, 5, require_all=True)


scores = st.dictionaries(st.sampled_from(ABC), st.integers(min_value=0, max_value=5))


@given(st.lists(scores, max_size=20), st.randoms())
def test_invariant_under_ballot_order(ballots: list[dict[str, int]], rnd: random.Random) -> None:
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert tally_score(ABC, ballots) == tally_score(ABC, shuffled)
    assert json.dumps(tally_score(ABC, ballots).to_dict()) == json.dumps(
        tally_score(ABC, shuffled).to_dict()
    )


def test_the_mean_is_over_the_ballots_that_scored_the_option_zero_included() -> None:
    # GOVERNANCE.md method 6. A: 3 + 3 over two ballots (mean 3); B: 5 + 1 + 0 over three
    # ballots (mean 2), the explicit 0 being a score. Equal totals, A wins on the mean; over
    # every ballot both means would be 6/5, and skipping the 0 would make it a tie at 3.
    choices = [{"A": 3}, {"A": 3}, {"B": 5}, {"B": 1}, {"B": 0}]
    ballots = [cast(f"m{i:04d}", choice, T0) for i, choice in enumerate(choices)]
    result = tally("score@1", {"options": list(ABC)}, electorate(5), ballots, Charter())
    assert result.detail["totals"] == {"A": 6, "B": 6, "C": 0}
    assert result.detail["scored_by"] == {"A": 2, "B": 3, "C": 0}
    assert result.detail["means"] == {"A": "3/1", "B": "2/1", "C": "0/1"}
    assert result.detail["winners"] == ["A"]
    assert result.status is DecisionStatus.DECIDED
