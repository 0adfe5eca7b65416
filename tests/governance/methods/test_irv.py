"""Instant runoff (docs/governance.md, rule 9)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopfed.governance.methods import irv
from coopfed.governance.methods.approval import TieBreak
from coopfed.governance.methods.errors import InvalidBallot
from coopfed.governance.methods.irv import End, tally_irv, validate_irv_ballot

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


def test_lowest_tie_whose_order_cannot_matter_is_decided_without_lot() -> None:
    # B and C tie at 2 with no earlier round; eliminating either first gives A 5 of 7, so
    # every order elects A (rule 9) and no lot is needed.
    result = tally_irv(ABC, ballots((3, "A"), (2, "BA"), (2, "CA")))
    assert result.status == "decided"
    assert result.winners == ("A",)
    first = result.rounds[0]
    assert (first.eliminated, first.tie_broken_by) == ("B", "order_irrelevant")
    assert result.tie_reason is None


def test_two_one_one_elects_a_whichever_goes_first() -> None:
    result = tally_irv(ABC, ballots((2, "A"), (1, "B"), (1, "C")))
    assert result.status == "decided"
    assert result.winners == ("A",)
    assert [(r.eliminated, r.tie_broken_by) for r in result.rounds] == [
        ("B", "order_irrelevant"),
        (None, None),
    ]


# GOVERNANCE.md rule 9, first example (issue 14): X and Y tie at 1 with no earlier round.
# Eliminating X first: A 4, B 3, C 5, Y 1 -> Y goes: A 4 = B 4, and the previous round had
# B 3 < A 4, so B goes -> A 7 of 12 wins. Eliminating Y first: ... A 3 < B 4 the round before,
# so A goes -> C 8 of 12 wins. Two orders, two winners: a tie without a lot.
XY_CAST = ballots((1, "XA"), (1, "YB"), (3, "AC"), (3, "BA"), (5, "C"))


@pytest.mark.parametrize("options", ["ABCXY", "ABCYX", "XYABC", "YXCBA", "CAYBX"])
def test_tie_whose_elimination_order_decides_is_a_tie_whatever_the_option_order(
    options: str,
) -> None:
    result = tally_irv(tuple(options), XY_CAST)
    assert result.status == "tie"
    assert result.winners == ()
    assert result.tied == ("X", "Y")
    first = result.rounds[0]
    assert dict(first.counts) == {"A": 3, "B": 3, "C": 5, "X": 1, "Y": 1}
    assert (first.eliminated, first.tie_broken_by) == (None, None)
    assert result.tie_reason == (
        "X, Y tie for lowest in round 1 with 1 vote each and equal counts in every earlier "
        "round; the order of their elimination decides the result (eliminating X first "
        "elects A; eliminating Y first elects C); tie_break is none"
    )


def test_each_elimination_order_of_the_example_is_what_a_lot_can_draw() -> None:
    # With a lot the draw picks the order, and each winner is one of the two orders' winners.
    winners = set()
    for seed in (b"0", b"1", b"2", b"3", b"4", b"5"):
        result = tally_irv(tuple("ABCXY"), XY_CAST, tie_break="lot", seed=seed)
        (lot,) = result.lots
        assert lot.among == ("X", "Y")
        winners.add((lot.order[-1], result.winners))
    assert winners == {("X", ("A",)), ("Y", ("C",))}


def test_orders_that_all_end_in_the_same_tie_give_that_tie() -> None:
    # X's ballot goes to A and Y's to B: whichever goes first, A 3 = B 3 at the end.
    cast = ballots((1, "XA"), (1, "YB"), (2, "A"), (2, "B"))
    result = tally_irv(("Y", "X", "B", "A"), cast)
    assert [(r.eliminated, r.tie_broken_by) for r in result.rounds] == [
        ("X", "order_irrelevant"),
        ("Y", None),
        (None, None),
    ]
    assert result.status == "tie"
    assert result.tied == ("A", "B")
    assert result.tie_reason == (
        "A, B, the only candidates left, all have 3 votes in round 3; tie_break is none"
    )


def test_too_many_orders_to_check_leaves_the_tie(monkeypatch: pytest.MonkeyPatch) -> None:
    # B, C and D tie at 1; C's ballot goes on to B, so their order changes the rounds in
    # between, and every order still elects A (checked one by one).
    cast = ballots((2, "A"), (1, "B"), (1, "CB"), (1, "DA"))
    checked = tally_irv(ABCD, cast)
    assert checked.winners == ("A",)
    assert checked.rounds[0].tie_broken_by == "order_irrelevant"
    # The check is bounded by a count of work (the same on every node): past it, no winner is
    # declared unchecked. The zero bound gives up at once.
    monkeypatch.setattr(irv, "MAX_ORDER_WORK", 0)
    result = tally_irv(ABCD, cast)
    assert result.status == "tie"
    assert result.tied == ("B", "C", "D")
    assert result.tie_reason is not None
    assert "too many orders of elimination to check" in result.tie_reason
    # A tie whose ballots all leave it for other candidates never needs the check.
    assert tally_irv(ABC, ballots((3, "A"), (2, "BA"), (2, "CA"))).winners == ("A",)
    assert tally_irv(ABC, ballots((3, "A"), (2, "B"), (2, "C"))).winners == ("A",)


def test_tie_behind_a_leader_nobody_can_catch_is_decided() -> None:
    # B, C, D, E pass their ballots round a ring, so their order changes who has what in
    # between, but none of them can ever reach more than 2 votes: A (3) wins in every order.
    cast = ballots((3, "A"), (1, "BC"), (1, "CD"), (1, "DE"), (1, "EB"))
    result = tally_irv(("E", "D", "C", "B", "A"), cast)
    assert result.status == "decided"
    assert result.winners == ("A",)
    assert (result.rounds[0].eliminated, result.rounds[0].tie_broken_by) == (
        "B",
        "order_irrelevant",
    )


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


NAMES = ("A", "B", "C", "D", "E", "F", "G", "H")
Election = tuple[tuple[str, ...], list[tuple[str, ...]]]


@st.composite
def elections(draw: st.DrawFn, fewest: int = 5, most: int = 8, max_ballots: int = 16) -> Election:
    """5 to 8 candidates and a few short ballots, so ties for lowest are common."""
    names = NAMES[: draw(st.integers(fewest, most))]
    ranking = st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True).map(tuple)
    return names, draw(st.lists(ranking, max_size=max_ballots))


def comparable(result: irv.IrvResult) -> str:
    """Everything the count says except the listing of the options, key order ignored."""
    data = result.to_dict()
    del data["candidates"]
    return json.dumps([data, result.tie_reason], sort_keys=True)


@settings(max_examples=60)
@given(elections(), st.randoms(use_true_random=False), st.sampled_from(TIE_BREAKS))
def test_option_order_and_ballot_order_never_change_the_result(
    election: Election, rnd: random.Random, tie_break: TieBreak
) -> None:
    names, cast = election
    options, shuffled = list(names), list(cast)
    rnd.shuffle(options)
    rnd.shuffle(shuffled)
    first = tally_irv(names, cast, tie_break=tie_break, seed=b"k")
    second = tally_irv(tuple(options), shuffled, tie_break=tie_break, seed=b"k")
    assert comparable(first) == comparable(second)
    assert (first.tie_reason is None) == (first.status == "decided")


@settings(max_examples=60)
@given(elections())
def test_a_count_decided_without_lot_is_what_every_lot_gives(election: Election) -> None:
    names, cast = election
    plain = tally_irv(names, cast)
    if plain.status == "decided":
        for seed in (b"1", b"2", b"3", b"4", b"5", b"6"):
            assert tally_irv(names, cast, tie_break="lot", seed=seed).winners == plain.winners


def end_by_every_order(candidates: tuple[str, ...], cast: list[tuple[str, ...]]) -> End:
    """Rule 9 read literally: recount every round from the ballots, keep every round's counts
    for the tie-break, and try every order of every tie the earlier rounds cannot break."""

    def run(continuing: tuple[str, ...], history: tuple[dict[str, int], ...]) -> End:
        counts = dict.fromkeys(continuing, 0)
        for ranking in cast:
            top = next((choice for choice in ranking if choice in counts), None)
            if top is not None:
                counts[top] += 1
        active = sum(counts.values())
        winners = [c for c in continuing if len(continuing) == 1 or 2 * counts[c] > active]
        if winners:
            return ("won", (winners[0],))
        if len(set(counts.values())) == 1:
            return ("tie", tuple(sorted(continuing)))
        tied = [c for c in continuing if counts[c] == min(counts.values())]
        for earlier in reversed(history):
            tied = [c for c in tied if earlier[c] == min(earlier[t] for t in tied)]
        ends = {
            run(tuple(c for c in continuing if c != loser), (*history, counts)) for loser in tied
        }
        return ends.pop() if len(ends) == 1 else ("tie", tuple(sorted(tied)))

    return run(candidates, ())


@settings(max_examples=80)
@given(elections(5, 6, 12))
def test_the_count_ends_as_trying_every_order_by_hand(election: Election) -> None:
    names, cast = election
    result = tally_irv(names, cast)
    end: End = ("won", result.winners) if result.status == "decided" else ("tie", result.tied)
    assert end == end_by_every_order(names, cast)


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
