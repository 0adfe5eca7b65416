"""Borda count, Loomio-compatible (docs/governance.md, rule 8)."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopfed.governance.ballots import cast
from coopfed.governance.charter import Charter
from coopfed.governance.methods import tally
from coopfed.governance.methods.borda import tally_borda, validate_borda_ballot
from coopfed.governance.methods.errors import InvalidBallot
from coopfed.governance.result import DecisionStatus

from ..support import T0, electorate

ABC = ("A", "B", "C")
ABCDE = ("A", "B", "C", "D", "E")


def test_worked_example() -> None:
    ballots = [("A", "B", "C"), ("B", "A", "C"), ("B", "C", "A")]
    result = tally_borda(ABC, ballots, k=3)
    assert dict(result.totals) == {"A": 6, "B": 8, "C": 4}
    assert result.ranking == ("B", "A", "C")
    assert result.winners == ("B", "A", "C")
    assert result.status == "decided"


def test_partial_ranking_scores_by_number_of_options() -> None:
    # With 3 options a lone first choice still earns 3 points; unranked options earn 0.
    result = tally_borda(ABC, [("C",), ("A", "B")])
    assert dict(result.totals) == {"A": 3, "B": 2, "C": 3}
    assert result.status == "tie"
    assert result.tied == ("A", "C")


def test_lot_breaks_a_borda_tie() -> None:
    result = tally_borda(ABC, [("C",), ("A", "B")], tie_break="lot", seed=b"1")
    assert result.status == "decided"
    assert result.lot is not None
    assert result.lot.among == ("A", "C")
    assert result.winners == (result.lot.order[0],)


def test_to_dict() -> None:
    data = tally_borda(ABC, [("A", "B", "C")]).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["totals"] == {"A": 3, "B": 2, "C": 1}
    assert data["method"] == "borda@1"
    assert data["ballots"] == 1


@pytest.mark.parametrize(
    ("ranking", "reason"),
    [
        (("A", "A"), "ranks 'A' more than once"),
        (("A", "Z"), "ranks 'Z', which is not a candidate"),
        ((), "ranks 0 candidates, at least 1 needed"),
    ],
)
def test_invalid_borda_ballots(ranking: tuple[str, ...], reason: str) -> None:
    with pytest.raises(InvalidBallot, match=reason):
        validate_borda_ballot(ranking, ABC)


def test_require_complete() -> None:
    validate_borda_ballot(("A", "B", "C"), ABC, require_complete=True)
    with pytest.raises(InvalidBallot, match="at least 3 needed"):
        validate_borda_ballot(("A", "B"), ABC, require_complete=True)


@given(st.lists(st.permutations(ABC), max_size=20), st.randoms())
def test_invariant_under_ballot_order(ballots: list[list[str]], rnd: random.Random) -> None:
    rankings = [tuple(ranking) for ranking in ballots]
    shuffled = list(rankings)
    rnd.shuffle(shuffled)
    first = tally_borda(ABC, rankings)
    assert first == tally_borda(ABC, shuffled)
    assert json.dumps(first.to_dict()) == json.dumps(tally_borda(ABC, shuffled).to_dict())
    assert sum(first.totals.values()) == 6 * len(rankings)


def test_k_is_the_number_of_options_on_the_proposal_not_the_ballot_length() -> None:
    # GOVERNANCE.md method 8. Five options: a lone first choice earns 5 points, and so does the
    # first of four. Were k the ballot's length, A would get 1 and B 4, and B would win alone.
    rankings = [["A"], ["B", "C", "D", "E"]]
    ballots = [cast(f"m{i:04d}", ranking, T0) for i, ranking in enumerate(rankings)]
    spec = {"options": list(ABCDE)}
    result = tally("borda@1", spec, electorate(2), ballots, Charter())
    assert result.detail["totals"] == {"A": 5, "B": 5, "C": 4, "D": 3, "E": 2}
    assert result.status is DecisionStatus.TIE
    assert result.detail["tied"] == ["A", "B"]
