"""STV, Scottish rules (docs/governance.md, rule 10)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopfed.governance.methods.approval import TieBreak
from coopfed.governance.methods.errors import InvalidBallot
from coopfed.governance.methods.stv import (
    SCALE,
    StvResult,
    tally_stv,
    validate_stv_ballot,
    value_text,
)

ABC = ("A", "B", "C")


def ballots(*groups: tuple[int, str]) -> list[tuple[str, ...]]:
    return [tuple(ranking) for count, ranking in groups for _ in range(count)]


def totals_text(stage_totals: dict[str, int]) -> dict[str, str]:
    return {candidate: value_text(value) for candidate, value in stage_totals.items()}


def test_worked_example_surplus_transfer() -> None:
    result = tally_stv(ABC, ballots((6, "AB"), (3, "B"), (2, "CB")), seats=2)
    assert (result.ballots, result.quota) == (11, 4)
    first, second = result.stages
    assert first.action == "first_count"
    assert first.elected == ("A",)
    assert second.action == "surplus"
    assert second.candidate == "A"
    assert second.transfer_value is not None
    assert value_text(second.transfer_value) == "0.33333"
    assert totals_text(dict(second.totals)) == {"A": "4.00000", "B": "4.99998", "C": "2.00000"}
    assert second.elected == ("B",)
    assert value_text(second.lost_to_rounding) == "0.00002"
    assert result.winners == ("A", "B")
    assert result.status == "decided"
    assert result.note is None


def test_worked_example_exclusion() -> None:
    result = tally_stv(ABC, ballots((5, "AC"), (4, "B"), (3, "CB")), seats=2)
    assert result.quota == 5
    assert [s.action for s in result.stages] == ["first_count", "exclusion"]
    assert result.stages[0].elected == ("A",)
    exclusion = result.stages[1]
    assert exclusion.candidate == "C"
    assert exclusion.totals["B"] == 7 * SCALE
    assert exclusion.elected == ("B",)
    assert result.winners == ("A", "B")
    assert result.ranking == ("A", "B", "C")


def test_second_surplus_moves_papers_at_their_received_values() -> None:
    cast = ballots((7, "ABC"), (2, "BC"), (2, "C"), (1, "D"))
    result = tally_stv(("A", "B", "C", "D"), cast, seats=3)
    assert result.quota == 4
    stages = [stage.to_dict() for stage in result.stages]
    assert [s["action"] for s in stages] == [
        "first_count",
        "surplus",
        "surplus",
        "exclusion",
        "fill_remaining",
    ]
    assert stages[1]["transfer_value"] == "0.42857"
    assert stages[1]["totals"] == {"A": "4.00000", "B": "4.99999", "C": "2.00000", "D": "1.00000"}
    # B's transfer value is trunc5(0.99999 / 4.99999) = 0.19999. B's 2 own papers go at
    # 0.19999 and the 7 from A at trunc5(0.19999 * 0.42857) = 0.08570 (rule 10: two
    # truncations; the statute's single one would give 0.08571): C gains 0.39998 + 0.59990.
    assert stages[2]["transfer_value"] == "0.19999"
    assert value_text(result.stages[2].totals["C"]) == "2.99988"
    assert stages[2]["lost_to_rounding"] == "0.00012"
    assert stages[3]["excluded"] == "D"
    assert stages[3]["non_transferable"] == "1.00000"
    assert stages[4]["elected"] == ["C"]
    assert result.winners == ("A", "B", "C")


# docs/governance.md example 10.4: D's surplus holds 5 papers worth 0.6 from A's surplus.
# Rule 10 gives them trunc5(0.6 * trunc5(2 / 6)) = 0.19999 each, so E (0.99995) falls below
# B (0.99999) and is excluded. The statute's one truncation, trunc5(2 * 0.6 / 6) = 0.20000,
# would give E 1.00000 > B and elect E instead of B.
SURPLUS_OF_TRANSFERS = ballots((5, "ADEB"), (3, "DABC"), (5, "A"))


def test_surplus_of_transferred_papers_truncates_twice() -> None:
    result = tally_stv(tuple("ABCDE"), SURPLUS_OF_TRANSFERS, seats=3)
    assert (result.ballots, result.quota) == (13, 4)
    stages = [stage.to_dict() for stage in result.stages]
    assert [(s["action"], s["candidate"]) for s in stages] == [
        ("first_count", None),
        ("surplus", "A"),
        ("surplus", "D"),
        ("exclusion", "C"),
        ("exclusion", "E"),
        ("fill_remaining", None),
    ]
    assert stages[1]["transfer_value"] == "0.60000"
    assert stages[1]["totals"]["D"] == "6.00000"
    assert stages[2]["transfer_value"] == "0.33333"
    assert (stages[2]["totals"]["B"], stages[2]["totals"]["E"]) == ("0.99999", "0.99995")
    assert stages[2]["lost_to_rounding"] == "0.00006"
    assert stages[4]["totals"]["B"] == "1.99994"
    assert result.winners == ("A", "D", "B")


def test_exclusion_tie_broken_by_the_only_stage_where_they_differed() -> None:
    # Stage 2: B 3 = C 3 after D's exclusion; stage 1 had B 3 > C 2, so C is excluded.
    cast = ballots((5, "A"), (3, "B"), (2, "CB"), (1, "DCB"))
    result = tally_stv(("A", "B", "C", "D"), cast, seats=1)
    assert result.quota == 6
    tie_stage = result.stages[2]
    assert tie_stage.candidate == "C"
    assert tie_stage.tie_broken_by == "earlier_stages"
    assert result.winners == ("B",)


# GOVERNANCE.md rule 10, third example (issue 14): Q = 2; A elected (surplus 2, 0.5 a paper);
# F excluded; B = E = 1.5. The most recent stage where they differed is after A's surplus
# (B 1, E 1.5), so B is excluded and E elected. (The earliest stage, the first count, had
# B 1 > E 0, which would have excluded E and elected B.)
ABEF_CAST = ballots((1, "AFB"), (3, "AE"), (1, "B"))


@pytest.mark.parametrize("options", ["ABEF", "FEBA", "BEAF"])
def test_exclusion_tie_broken_by_the_most_recent_stage_where_they_differed(
    options: str,
) -> None:
    result = tally_stv(tuple(options), ABEF_CAST, seats=2)
    assert (result.ballots, result.quota) == (5, 2)
    stages = [stage.to_dict() for stage in result.stages]
    assert [(s["action"], s["candidate"]) for s in stages] == [
        ("first_count", None),
        ("surplus", "A"),
        ("exclusion", "F"),
        ("exclusion", "B"),
        ("fill_remaining", None),
    ]
    assert stages[1]["transfer_value"] == "0.50000"
    assert (stages[1]["totals"]["B"], stages[1]["totals"]["E"]) == ("1.00000", "1.50000")
    assert (stages[2]["totals"]["B"], stages[2]["totals"]["E"]) == ("1.50000", "1.50000")
    assert stages[3]["tie_broken_by"] == "earlier_stages"
    assert result.winners == ("A", "E")


def test_most_recent_stage_decides_with_six_candidates() -> None:
    # Stage 5: D 2 = E 2. Stage 4 had D 2 > E 1.5 (the statute's stage: E is excluded, D
    # elected); the first count had D 0 < E 1 (an earliest-stage rule would exclude D).
    cast = [
        ("B", "C", "E"),
        ("B", "D"),
        ("B", "D", "C"),
        ("B", "D", "F"),
        ("B", "D", "F"),
        ("B", "E", "D"),
        ("E", "D", "F"),
    ]
    result = tally_stv(tuple("ABCDEF"), cast, seats=2)
    assert result.quota == 3
    sixth = result.stages[5]
    assert (sixth.action, sixth.candidate, sixth.tie_broken_by) == (
        "exclusion",
        "E",
        "earlier_stages",
    )
    assert totals_text(dict(result.stages[3].totals))["D"] == "2.00000"
    assert totals_text(dict(result.stages[3].totals))["E"] == "1.50000"
    assert result.winners == ("B", "D")


def test_equal_surpluses_go_by_the_most_recent_stage_where_they_differed() -> None:
    # Q = 5, 4 seats. After stage 4 (D excluded) A = B = 5.33332, both elected. Stage 3 had
    # B 4.33332 > A 3.33332, so B's surplus moves first (rule 49(2)); the first count had
    # A 3 > B 2, which an earliest-stage rule would have followed.
    groups = [
        (2, ("A",)),
        (1, ("A", "F", "C", "E")),
        (1, ("B", "F")),
        (1, ("B", "F", "E", "D")),
        (1, ("C", "B", "A")),
        (1, ("C", "B", "F", "G")),
        (1, ("D", "A", "B")),
        (1, ("D", "B")),
        (1, ("D", "G", "A", "C")),
        (2, ("E", "A")),
        (1, ("E", "F")),
        (1, ("E", "F", "C", "B")),
        (1, ("F",)),
        (1, ("F", "B")),
        (1, ("F", "C", "A", "G")),
        (1, ("F", "E", "D")),
        (1, ("G",)),
        (1, ("G", "A", "E", "D")),
        (1, ("G", "A", "F", "C")),
        (1, ("G", "B", "A")),
        (1, ("G", "B", "D")),
        (1, ("G", "D")),
    ]
    cast = [ranking for count, ranking in groups for _ in range(count)]
    result = tally_stv(tuple("ABCDEFG"), cast, seats=4)
    assert result.quota == 5
    stages = [stage.to_dict() for stage in result.stages]
    assert stages[2]["totals"]["A"] == "3.33332" and stages[2]["totals"]["B"] == "4.33332"
    assert stages[3]["totals"]["A"] == stages[3]["totals"]["B"] == "5.33332"
    assert [(s["action"], s["candidate"], s["tie_broken_by"]) for s in stages[4:6]] == [
        ("surplus", "B", "earlier_stages"),
        ("surplus", "A", None),
    ]
    assert stages[4]["totals"]["F"] == "4.18747"
    assert result.winners == ("G", "A", "B", "F")


@pytest.mark.parametrize("options", ["ABCDE", "EDCBA"])
def test_zero_vote_tie_that_cannot_matter_is_excluded_in_name_order(options: str) -> None:
    cast = ballots((2, "A"), (2, "B"), (1, "CA"))
    result = tally_stv(tuple(options), cast, seats=1)
    excluded = [(s.candidate, s.tie_broken_by) for s in result.stages if s.action == "exclusion"]
    assert excluded == [("D", "order_irrelevant"), ("E", None), ("C", None)]
    assert result.winners == ("A",)


def test_zero_vote_tie_that_decides_a_seat_is_a_tie() -> None:
    result = tally_stv(("A", "B", "C", "D"), ballots((1, "A"), (1, "B")), seats=3)
    assert result.status == "tie"
    assert result.tied == ("C", "D")
    assert result.winners == ("A", "B")
    assert result.note is not None and "tie between C, D" in result.note
    assert result.tie_reason == (
        "tie between C, D at stage 2 for exclusion: 0.00000 votes each, and equal at every "
        "earlier stage; tie_break is none, so 1 seat stays undecided"
    )


def test_the_same_tie_is_drawn_by_lot_when_allowed() -> None:
    result = tally_stv(("A", "B", "C", "D"), ballots((1, "A"), (1, "B")), 3, tie_break="lot")
    assert result.status == "decided"
    assert len(result.winners) == 3
    (lot,) = result.lots
    assert lot.among == ("C", "D")
    assert result.stages[1].candidate == lot.order[-1]
    assert result.winners[2] == lot.order[0]


def test_equal_surpluses_without_lot_is_a_tie() -> None:
    cast = ballots((6, "AC"), (6, "BD"), (1, "C"), (1, "D"))
    result = tally_stv(("A", "B", "C", "D"), cast, seats=3)
    assert result.stages[0].elected == ("A", "B")
    assert result.status == "tie"
    assert result.tied == ("A", "B")
    assert result.tie_reason == (
        "tie between A, B at stage 2 for the largest surplus: 6.00000 votes each, and equal "
        "at every earlier stage; tie_break is none, so 1 seat stays undecided"
    )


def test_equal_surpluses_with_lot() -> None:
    cast = ballots((6, "AC"), (6, "BD"), (1, "C"), (1, "D"))
    result = tally_stv(("A", "B", "C", "D"), cast, 3, tie_break="lot", seed=b"z")
    surplus = result.stages[1]
    assert surplus.tie_broken_by == "lot"
    assert surplus.lot is not None
    assert surplus.candidate == surplus.lot.order[0]
    assert len(result.winners) == 3


def test_fewer_candidates_than_seats_says_why() -> None:
    result = tally_stv(ABC, ballots((1, "A")), seats=5)
    assert set(result.winners) == set(ABC)
    assert result.note == "5 seats but only 3 candidates: 2 seats stay empty"
    assert result.stages[-1].action == "fill_remaining"


def test_as_many_candidates_as_seats_elects_all() -> None:
    result = tally_stv(ABC, ballots((2, "B"), (1, "C")), seats=3)
    assert result.winners[0] == "B"
    assert set(result.winners) == set(ABC)
    assert result.note is None


def test_no_seats_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one seat"):
        tally_stv(ABC, [], seats=0)


def test_to_dict_uses_five_decimal_strings() -> None:
    data = tally_stv(ABC, ballots((6, "AB"), (3, "B"), (2, "CB")), seats=2).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["method"] == "stv@1"
    assert data["totals"] == {"A": 6, "B": 3, "C": 2}
    stages = data["stages"]
    assert isinstance(stages, list)
    assert stages[1]["totals"]["B"] == "4.99998"
    assert stages[1]["transfer_value"] == "0.33333"


def test_value_text() -> None:
    assert value_text(0) == "0.00000"
    assert value_text(499998) == "4.99998"
    assert value_text(1200005) == "12.00005"


def test_invalid_stv_ballots() -> None:
    with pytest.raises(InvalidBallot, match="more than once"):
        validate_stv_ballot(("A", "A"), ABC)
    validate_stv_ballot(("C",), ABC)


CANDIDATES = ("A", "B", "C", "D", "E")
rankings = st.lists(
    st.lists(st.sampled_from(CANDIDATES), min_size=1, max_size=5, unique=True).map(tuple),
    max_size=30,
)
seat_counts = st.integers(min_value=1, max_value=6)


@given(rankings, seat_counts, st.randoms())
def test_invariant_under_ballot_order(
    cast: list[tuple[str, ...]], seats: int, rnd: random.Random
) -> None:
    shuffled = list(cast)
    rnd.shuffle(shuffled)
    first = tally_stv(CANDIDATES, cast, seats, tie_break="lot", seed=b"s")
    second = tally_stv(CANDIDATES, shuffled, seats, tie_break="lot", seed=b"s")
    assert first == second
    assert json.dumps(first.to_dict()) == json.dumps(second.to_dict())


@given(rankings, seat_counts)
def test_with_lot_exactly_the_seats_are_filled(cast: list[tuple[str, ...]], seats: int) -> None:
    result = tally_stv(CANDIDATES, cast, seats, tie_break="lot", seed=b"s")
    assert result.status == "decided"
    assert len(result.winners) == min(seats, len(CANDIDATES))
    assert len(set(result.winners)) == len(result.winners)
    assert (result.note is not None) == (seats > len(CANDIDATES))


@given(rankings, seat_counts)
def test_without_lot_seats_are_filled_or_a_tie_is_reported(
    cast: list[tuple[str, ...]], seats: int
) -> None:
    result = tally_stv(CANDIDATES, cast, seats)
    if result.status == "decided":
        assert len(result.winners) == min(seats, len(CANDIDATES))
    else:
        assert len(result.tied) >= 2
        assert len(result.winners) < seats
        assert result.note is not None


@given(rankings, seat_counts)
def test_every_stage_accounts_for_all_votes(cast: list[tuple[str, ...]], seats: int) -> None:
    result = tally_stv(CANDIDATES, cast, seats, tie_break="lot", seed=b"s")
    for stage in result.stages:
        accounted = sum(stage.totals.values()) + stage.non_transferable + stage.lost_to_rounding
        assert accounted == len(cast) * SCALE
    for winner in result.winners:
        assert winner in CANDIDATES


NAMES = ("A", "B", "C", "D", "E", "F", "G", "H")
Election = tuple[tuple[str, ...], list[tuple[str, ...]], int]


@st.composite
def elections(draw: st.DrawFn) -> Election:
    """5 to 8 candidates, 1 to 4 seats and a few short ballots, so ties are common."""
    names = NAMES[: draw(st.integers(5, 8))]
    ranking = st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True).map(tuple)
    return names, draw(st.lists(ranking, max_size=18)), draw(st.integers(1, 4))


def comparable(result: StvResult) -> str:
    """Everything the count says except the listing of the options, key order ignored."""
    data = result.to_dict()
    del data["candidates"]
    return json.dumps([data, result.tie_reason], sort_keys=True)


@settings(max_examples=60)
@given(elections(), st.randoms(use_true_random=False), st.sampled_from(["none", "lot"]))
def test_option_order_and_ballot_order_never_change_the_result(
    election: Election, rnd: random.Random, tie_break: TieBreak
) -> None:
    names, cast, seats = election
    options, shuffled = list(names), list(cast)
    rnd.shuffle(options)
    rnd.shuffle(shuffled)
    first = tally_stv(names, cast, seats, tie_break=tie_break, seed=b"s")
    second = tally_stv(tuple(options), shuffled, seats, tie_break=tie_break, seed=b"s")
    assert comparable(first) == comparable(second)
    assert (first.tie_reason is None) == (first.status == "decided")


@settings(max_examples=60)
@given(elections())
def test_a_count_decided_without_lot_is_what_every_lot_gives(election: Election) -> None:
    names, cast, seats = election
    plain = tally_stv(names, cast, seats)
    if plain.status == "decided":
        for seed in (b"1", b"2", b"3", b"4", b"5", b"6"):
            drawn = tally_stv(names, cast, seats, tie_break="lot", seed=seed)
            assert drawn.winners == plain.winners


SCRIPT = """
import json, random
from coopfed.governance.methods.stv import tally_stv
rnd = random.Random(7)
names = ["Ana", "Bo", "Cy", "Dee", "Eli", "Fay"]
cast = [tuple(rnd.sample(names, rnd.randint(1, 6))) for _ in range(300)]
print(json.dumps(tally_stv(names, cast, 3, tie_break="lot", seed=b"s").to_dict()))
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
    assert json.loads(outputs.pop())["method"] == "stv@1"
