"""Property tests of the tally rules (hypothesis)."""

from __future__ import annotations

import random
from datetime import timedelta
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from coopfed.governance.ballots import Ballot, abstain, cast
from coopfed.governance.charter import Charter, ThresholdBase, TieBreak, parse_comparison
from coopfed.governance.methods import tally
from coopfed.governance.result import DecisionStatus

from .support import T0, electorate

SIZE = 12
VOTERS = electorate(SIZE)
PROPOSAL_CHOICES = st.sampled_from(["yes", "no", "block", "abstain", "bogus"])
ABC = ["A", "B", "C", "D"]

charters = st.builds(
    Charter,
    quorum=st.none() | st.fractions(min_value=0, max_value=1, max_denominator=10),
    threshold_base=st.sampled_from(list(ThresholdBase)),
    comparison=st.sampled_from(
        [parse_comparison(c) for c in ("majority", "at_least:2/3", "more_than:3/5")]
    ),
    tie_break=st.sampled_from(list(TieBreak)),
)


def ballot(index: int, choice: Any, minute: int = 0) -> Ballot:
    at = T0 + timedelta(minutes=minute)
    member = f"m{index:04d}"
    return abstain(member, at) if choice == "abstain" else cast(member, choice, at)


def proposal_ballots(choices: list[str]) -> list[Ballot]:
    return [ballot(index, choice) for index, choice in enumerate(choices)]


choice_lists = st.lists(PROPOSAL_CHOICES, max_size=SIZE)
rankings = st.lists(st.permutations(ABC).map(lambda r: r[:3]), max_size=SIZE)
Case = tuple[str, dict[str, Any], list[Ballot]]
methods_and_ballots: st.SearchStrategy[Case] = st.one_of(
    choice_lists.map(lambda cs: ("proposal@1", {}, proposal_ballots(cs))),
    rankings.map(
        lambda rs: ("irv@1", {"options": ABC}, [ballot(i, list(r)) for i, r in enumerate(rs)])
    ),
    rankings.map(
        lambda rs: ("approval@1", {"options": ABC}, [ballot(i, list(r)) for i, r in enumerate(rs)])
    ),
    rankings.map(
        lambda rs: ("borda@1", {"options": ABC}, [ballot(i, list(r)) for i, r in enumerate(rs)])
    ),
)


@given(methods_and_ballots, charters, st.randoms(use_true_random=False))
def test_tally_is_invariant_under_ballot_order(
    case: Case, charter: Charter, rng: random.Random
) -> None:
    method, spec, ballots = case
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    first = tally(method, spec, VOTERS, ballots, charter, proposal_id="p")
    second = tally(method, spec, VOTERS, shuffled, charter, proposal_id="p")
    assert first.canonical_bytes() == second.canonical_bytes()


@given(choice_lists, st.lists(st.tuples(st.integers(0, SIZE - 1), PROPOSAL_CHOICES)), charters)
def test_replacing_a_ballot_equals_casting_only_the_last(
    final: list[str], earlier: list[tuple[int, str]], charter: Charter
) -> None:
    # Earlier ballots (minute 0) by any member, then everyone's final ballot (minute 1).
    lasts = [ballot(index, choice, minute=1) for index, choice in enumerate(final)]
    history = [ballot(index, choice, minute=0) for index, choice in earlier if index < len(final)]
    with_history = tally("proposal@1", {}, VOTERS, history + lasts, charter)
    only_last = tally("proposal@1", {}, VOTERS, lasts, charter)
    assert with_history.canonical_bytes() == only_last.canonical_bytes()


@given(st.lists(st.sampled_from(["yes", "no", "abstain"]), max_size=SIZE - 1), charters)
def test_an_abstention_changes_pass_fail_only_through_quorum(
    choices: list[str], charter: Charter
) -> None:
    if charter.threshold_base is not ThresholdBase.CAST_EXCL_ABSTAIN:
        # With cast_incl_abstain an abstention is in the base by definition; only the
        # default base promises neutrality.
        charter = Charter(quorum=charter.quorum, comparison=charter.comparison)
    before = tally("proposal@1", {}, VOTERS, proposal_ballots(choices), charter)
    after = tally("proposal@1", {}, VOTERS, proposal_ballots([*choices, "abstain"]), charter)
    if before.quorum_met and after.quorum_met:
        assert before.status is after.status
    else:
        assert before.status is DecisionStatus.NO_QUORUM or after.status is before.status


@settings(max_examples=25)
@given(choice_lists, charters)
def test_result_bytes_identical_across_runs(choices: list[str], charter: Charter) -> None:
    ballots = proposal_ballots(choices)
    first = tally("proposal@1", {}, VOTERS, ballots, charter, proposal_id="p", log_head="0" * 64)
    again = tally("proposal@1", {}, VOTERS, ballots, charter, proposal_id="p", log_head="0" * 64)
    assert first.canonical_bytes() == again.canonical_bytes()
    assert first.result_hash() == again.result_hash()


@given(st.lists(st.sampled_from(["yes", "no"]), max_size=SIZE))
def test_pooled_majority_matches_the_integer_formula(choices: list[str]) -> None:
    yes, no = choices.count("yes"), choices.count("no")
    result = tally("proposal@1", {}, VOTERS, proposal_ballots(choices), Charter())
    assert (result.status is DecisionStatus.PASSED) == (2 * yes > yes + no)
    at_least = Charter(comparison=parse_comparison("at_least:2/3"))
    expected = yes + no > 0 and 3 * yes >= 2 * (yes + no)
    result = tally("proposal@1", {}, VOTERS, proposal_ballots(choices), at_least)
    assert (result.status is DecisionStatus.PASSED) == expected
    assert Fraction(result.turnout) == yes + no


CHOICE_METHODS = ["approval@1", "borda@1", "irv@1", "stv@1", "schulze@1"]


@settings(max_examples=60)
@given(st.sampled_from(CHOICE_METHODS), rankings, charters)
def test_a_tie_record_names_the_tied_options_and_why(
    method: str, choices: list[tuple[str, ...]], charter: Charter
) -> None:
    ballots = [ballot(index, list(choice)) for index, choice in enumerate(choices)]
    result = tally(method, {"options": ABC}, VOTERS, ballots, charter, proposal_id="p")
    if result.detail["status"] != "tie":
        assert result.tie is None
        return
    assert result.tie is not None
    tied = result.tie["tied"]
    assert len(tied) >= 2 and set(tied) <= set(ABC)
    assert all(name in result.tie["reason"] for name in tied)


@settings(max_examples=40)
@given(
    st.sampled_from(["irv@1", "stv@1"]),
    st.lists(st.permutations(ABC).map(lambda r: r[:2]), max_size=SIZE),
    st.permutations(ABC),
)
def test_ranked_records_do_not_depend_on_the_option_order(
    method: str, choices: list[tuple[str, ...]], options: list[str]
) -> None:
    # Without a lot: a lot's seed hashes the spec, so listing the options differently is
    # another draw.
    ballots = [ballot(index, list(choice)) for index, choice in enumerate(choices)]
    records = [
        tally(method, {"options": listed}, VOTERS, ballots, Charter(), proposal_id="p").to_dict()
        for listed in (ABC, list(options))
    ]
    for data in records:
        del data["spec"], data["inputs_hash"], data["detail"]["candidates"]
    assert records[0] == records[1]
