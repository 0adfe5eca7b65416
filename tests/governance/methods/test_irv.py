"""Instant runoff (docs/governance.md, rule 9)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopfed.governance.methods.approval import TieBreak
from coopfed.governance.methods.errors import InvalidBallot
from coopfed.governance.methods.irv import tally_irv, validate_irv_ballot

ABC = ("A", "B", "C")
ABCD = ("A", "B", "C", "D")


def ballots(*groups: tuple[int, str]) -> list[tuple[str, ...]]:
    """ballots((4, "ABC"), (3, "BCA")) -> four ("A","B","C") and three ("B","C","A")."""
    return [tuple(ranking) for count, ranking in groups for _ in range(count)]


def test_worked_example_b_wins_after_c_goes() -> None:
    result = tally_irv(ABC, ballots((4, "ABC"), (3, "BCA"), (2, "CBA")))
    assert result.winners == ("B",)
    assert result.status == "decided"
    assert [dict(r.counts) for r in result.rounds] == [{"A": 4, "B": 3, "C": 2}, {"A": 4, "B": 5}]
    assert result.rounds[0].eliminated == "C"
    assert result.ranking == ("B", "A", "C")
    assert dict(result.totals) == {"A": 4, "B": 3, "C": 2}


def test_worked_example_partial_ballots_a_wins() -> None:
    result = tally_irv(ABC, ballots((2, "A"), (2, "B"), (1, "CA")))
    assert result.winners == ("A",)
    assert dict(result.rounds[-1].counts) == {"A": 3, "B": 2}


def test_worked_example_two_single_ballots_tie() -> None:
    result = tally_irv(("A", "B"), ballots((1, "A"), (1, "B")))
    assert result.status == "tie"
    assert result.tied == ("A", "B")
    assert result.winners == ()


def test_final_tie_drawn_by_lot_when_allowed() -> None:
    result = tally_irv(("A", "B"), ballots((1, "A"), (1, "B")), tie_break="lot", seed=b"s")
    assert result.status == "decided"
    assert len(result.lots) == 1
    assert result.winners == (result.lots[0].order[0],)
    assert result.rounds[-1].lot == result.lots[0]


def test_exhausted_ballots_leave_the_denominator() -> None:
    # Round 1: A 3, B 2, C 2, D 1 -> D goes and exhausts. A has 3 of 7 active: no majority.
    # B and C tie for lowest, were equal in round 1 too, and together outpoll A, so which one
    # goes could matter: without a lot the count stops as a tie.
    result = tally_irv(ABCD, ballots((3, "A"), (2, "B"), (2, "CB"), (1, "D")))
    assert result.rounds[1].exhausted == 1
    assert result.rounds[1].active == 7
    assert result.status == "tie"
    assert result.tied == ("B", "C")


def test_majority_of_active_ballots_after_exhaustion() -> None:
    # B's and D's ballots exhaust; A then has 4 of 7 active ballots (not of 10 cast): majority.
    result = tally_irv(ABCD, ballots((4, "A"), (1, "B"), (3, "C"), (2, "D")))
    assert [r.eliminated for r in result.rounds] == ["B", "D", None]
    assert result.winners == ("A",)
    final = result.rounds[-1]
    assert (final.active, final.exhausted) == (7, 3)
    assert dict(final.counts) == {"A": 4, "C": 3}


def test_lowest_tie_broken_by_previous_round() -> None:
    # Round 1: A 6, B 4, C 3, E 1 -> E goes to C: A 6, B 4, C 4; B and C tie, round 1 had
    # B 4 > C 3, so C goes.
    candidates = ("A", "B", "C", "E")
    result = tally_irv(candidates, ballots((6, "A"), (4, "BA"), (3, "CB"), (1, "EC")))
    second = result.rounds[1]
    assert dict(second.counts) == {"A": 6, "B": 4, "C": 4}
    assert second.eliminated == "C"
    assert second.tie_broken_by == "previous_rounds"
    assert result.winners == ("B",)


def test_lowest_tie_drawn_by_lot_is_recorded() -> None:
    result = tally_irv(ABC, ballots((3, "A"), (2, "BA"), (2, "CA")), tie_break="lot", seed=b"q")
    first = result.rounds[0]
    assert first.tie_broken_by == "lot"
    assert first.lot is not None
    assert first.lot.seed_hex == b"q".hex()
    assert first.eliminated == first.lot.order[-1]
    assert result.winners == ("A",)
    assert result.to_dict()["lots"] == [first.lot.to_dict()]


def test_lowest_tie_without_lot_stops_as_tie() -> None:
    result = tally_irv(ABC, ballots((3, "A"), (2, "BA"), (2, "CA")))
    assert result.status == "tie"
    assert result.tied == ("B", "C")
    assert result.rounds[0].eliminated is None


def test_tie_of_candidates_with_no_votes_cannot_matter() -> None:
    result = tally_irv(ABCD, ballots((3, "AB"), (2, "BA"), (1, "B")))
    # A 3 of 6: no majority. C and D (0 each) go one by one, then B ties A 3-3 -> tie.
    assert [r.tie_broken_by for r in result.rounds[:2]] == ["order_irrelevant", None]
    assert [r.eliminated for r in result.rounds[:2]] == ["C", "D"]
    assert result.status == "tie"
    assert result.tied == ("A", "B")


def test_one_candidate_wins_without_majority_checks() -> None:
    result = tally_irv(("A",), [])
    assert result.winners == ("A",)
    assert len(result.rounds) == 1


def test_no_ballots_is_a_tie() -> None:
    result = tally_irv(ABC, [])
    assert result.status == "tie"
    assert result.tied == ABC


def test_to_dict_is_plain_json() -> None:
    result = tally_irv(ABC, ballots((4, "ABC"), (3, "BCA"), (2, "CBA")))
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["method"] == "irv@1"
    assert data["winners"] == ["B"]


@pytest.mark.parametrize(
    ("ranking", "reason"),
    [
        (("A", "A"), "more than once"),
        (("X",), "'X', which is not a candidate"),
        ((), "at least 1 needed"),
    ],
)
def test_invalid_irv_ballots(ranking: tuple[str, ...], reason: str) -> None:
    with pytest.raises(InvalidBallot, match=reason):
        validate_irv_ballot(ranking, ABC)


rankings = st.lists(
    st.lists(st.sampled_from(ABCD), min_size=1, max_size=4, unique=True).map(tuple),
    max_size=25,
)


TIE_BREAKS: tuple[TieBreak, ...] = ("none", "lot")


@given(rankings, st.randoms(), st.sampled_from(TIE_BREAKS))
def test_invariant_under_ballot_order(
    cast: list[tuple[str, ...]], rnd: random.Random, tie_break: TieBreak
) -> None:
    shuffled = list(cast)
    rnd.shuffle(shuffled)
    first = tally_irv(ABCD, cast, tie_break=tie_break, seed=b"k")
    second = tally_irv(ABCD, shuffled, tie_break=tie_break, seed=b"k")
    assert first == second
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())


@given(rankings)
def test_every_count_ends_and_one_continuing_candidate_wins(cast: list[tuple[str, ...]]) -> None:
    result = tally_irv(ABCD, cast, tie_break="lot", seed=b"k")
    assert result.status == "decided"
    assert len(result.winners) == 1
    last = result.rounds[-1]
    if len(last.counts) == 1:
        assert result.winners == tuple(last.counts)
    for round_ in result.rounds:
        assert round_.active + round_.exhausted == len(cast)
    assert sorted(result.ranking) == sorted(ABCD)


@given(rankings)
def test_order_irrelevant_ties_give_the_lot_winner(cast: list[tuple[str, ...]]) -> None:
    # Whenever the count without a lot finishes, every lot seed must agree with it.
    plain = tally_irv(ABCD, cast)
    if plain.status == "decided":
        for seed in (b"1", b"2", b"3"):
            assert tally_irv(ABCD, cast, tie_break="lot", seed=seed).winners == plain.winners


SCRIPT = """
import json, random
from coopfed.governance.methods.irv import tally_irv
rnd = random.Random(3)
names = ["Ana", "Bo", "Cy", "Dee", "Eli", "Fay"]
cast = [tuple(rnd.sample(names, rnd.randint(1, 6))) for _ in range(300)]
print(json.dumps(tally_irv(names, cast, tie_break="lot", seed=b"s").to_dict()))
"""


def test_to_dict_is_identical_across_processes_and_hash_seeds() -> None:
    outputs = set()
    for hash_seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["method"] == "irv@1"
