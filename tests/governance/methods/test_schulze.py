"""Condorcet / Schulze (docs/governance.md, rule 11)."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopfed.governance.ballots import cast
from coopfed.governance.charter import Charter
from coopfed.governance.methods import tally
from coopfed.governance.methods.errors import InvalidBallot
from coopfed.governance.methods.schulze import (
    pairwise_matrix,
    tally_schulze,
    validate_schulze_ballot,
)

from ..support import T0, electorate

ABC = ("A", "B", "C")
ABCDE = ("A", "B", "C", "D", "E")


def ballots(*groups: tuple[int, str]) -> list[tuple[str, ...]]:
    return [tuple(ranking) for count, ranking in groups for _ in range(count)]


# The 45-voter example from Schulze's paper (also on Wikipedia): E wins, E > A > C > B > D.
SCHULZE_EXAMPLE = ballots(
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
)


def test_schulze_paper_example() -> None:
    result = tally_schulze(ABCDE, SCHULZE_EXAMPLE)
    assert result.pairwise["A"]["B"] == 20
    assert result.pairwise["B"]["A"] == 25
    assert result.strongest["E"]["A"] == 25
    assert result.strongest["A"]["E"] == 24
    assert result.winners == ("E",)
    assert result.status == "decided"
    assert result.ranking == ("E", "A", "C", "B", "D")
    assert dict(result.totals) == {"A": 3, "B": 1, "C": 2, "D": 0, "E": 4}


def test_ranked_beats_unranked_and_two_unranked_count_for_neither() -> None:
    d, count = pairwise_matrix(ABC, [("A",)])
    assert count == 1
    assert d["A"] == {"B": 1, "C": 1}
    assert d["B"] == {"A": 0, "C": 0}
    assert d["C"] == {"A": 0, "B": 0}


def test_condorcet_cycle_is_a_tie() -> None:
    result = tally_schulze(ABC, ballots((1, "ABC"), (1, "BCA"), (1, "CAB")))
    assert result.status == "tie"
    assert result.tied == ABC
    assert result.winners == ()


def test_cycle_drawn_by_lot() -> None:
    result = tally_schulze(ABC, ballots((1, "ABC"), (1, "BCA"), (1, "CAB")), tie_break="lot")
    assert result.status == "decided"
    assert result.lot is not None
    assert result.winners == result.lot.order[:1]
    assert result.ranking == result.lot.order


def test_condorcet_winner_from_partial_ballots() -> None:
    result = tally_schulze(ABC, ballots((2, "B"), (1, "AB"), (1, "C")))
    assert result.winners == ("B",)
    assert result.ranking[0] == "B"


def test_no_ballots_is_a_tie_of_all() -> None:
    result = tally_schulze(ABC, [])
    assert result.status == "tie"
    assert result.tied == ABC


def test_to_dict() -> None:
    data = tally_schulze(ABC, ballots((2, "ABC"), (1, "CBA"))).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["method"] == "schulze@1"
    assert data["pairwise"] == {
        "A": {"B": 2, "C": 2},
        "B": {"A": 1, "C": 2},
        "C": {"A": 1, "B": 1},
    }
    assert data["winners"] == ["A"]


def test_invalid_schulze_ballot() -> None:
    with pytest.raises(InvalidBallot, match="not a candidate"):
        validate_schulze_ballot(("Q",), ABC)


rankings = st.lists(
    st.lists(st.sampled_from(ABCDE), min_size=1, max_size=5, unique=True).map(tuple),
    max_size=25,
)


@given(rankings, st.randoms())
def test_invariant_under_ballot_order(cast: list[tuple[str, ...]], rnd: random.Random) -> None:
    shuffled = list(cast)
    rnd.shuffle(shuffled)
    first = tally_schulze(ABCDE, cast)
    assert first == tally_schulze(ABCDE, shuffled)
    assert json.dumps(first.to_dict()) == json.dumps(tally_schulze(ABCDE, shuffled).to_dict())


@given(rankings)
def test_condorcet_winner_always_wins(cast: list[tuple[str, ...]]) -> None:
    d, _ = pairwise_matrix(ABCDE, cast)
    result = tally_schulze(ABCDE, cast)
    for a in ABCDE:
        if all(d[a][b] > d[b][a] for b in ABCDE if b != a):
            assert result.winners == (a,)
    # Schulze's relation is transitive, so the ranking never puts a beaten one above its beater.
    position = {candidate: index for index, candidate in enumerate(result.ranking)}
    p = result.strongest
    for a in ABCDE:
        for b in ABCDE:
            if a != b and p[a][b] > p[b][a]:
                assert position[a] < position[b]


def test_link_strength_is_winning_votes_not_margins() -> None:
    # GOVERNANCE.md method 11. C beats A 5-4 directly; A's best path to C, A>B>C or A>D>C,
    # has winning-votes strength min(6, 4) = 4 < 5, so C wins. Measured by margins the same
    # paths are worth min(3, 2) = 2 > 1 (C-A) and A would win.
    cast = ballots((1, "ABD"), (3, "A"), (3, "DBC"), (2, "CADB"))
    result = tally_schulze(("A", "B", "C", "D"), cast)
    assert result.to_dict()["pairwise"] == {
        "A": {"B": 6, "C": 4, "D": 6},
        "B": {"A": 3, "C": 4, "D": 1},
        "C": {"A": 5, "B": 2, "D": 2},
        "D": {"A": 3, "B": 5, "C": 4},
    }
    assert result.to_dict()["strongest"] == {
        "A": {"B": 6, "C": 4, "D": 6},
        "B": {"A": 4, "C": 4, "D": 4},
        "C": {"A": 5, "B": 5, "D": 5},
        "D": {"A": 4, "B": 5, "C": 4},
    }
    assert result.winners == ("C",)
    assert result.ranking == ("C", "A", "D", "B")


def test_the_record_carries_the_pairwise_matrix_and_the_strongest_paths() -> None:
    rankings = [["A", "B", "C"]] * 3 + [["B", "C", "A"]] * 2 + [["C", "A", "B"]]
    ballots = [cast(f"m{i:04d}", ranking, T0) for i, ranking in enumerate(rankings)]
    record = tally("schulze@1", {"options": list(ABC)}, electorate(6), ballots, Charter())
    detail = record.to_dict()["detail"]
    assert detail["pairwise"] == {
        "A": {"B": 4, "C": 3},
        "B": {"A": 2, "C": 5},
        "C": {"A": 3, "B": 1},
    }
    # A-C is level (3-3): no link either way; A reaches C through B (min(4, 5) = 4).
    assert detail["strongest"] == {
        "A": {"B": 4, "C": 4},
        "B": {"A": 0, "C": 5},
        "C": {"A": 0, "B": 0},
    }
    assert detail["winners"] == ["A"]
