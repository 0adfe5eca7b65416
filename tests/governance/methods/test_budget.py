"""Participatory budgets (docs/governance.md, rule 16): greedy selection and equal shares."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopfed.governance.methods.budget import BudgetResult, tally_budget, validate_budget_ballot
from coopfed.governance.methods.errors import InvalidBallot


def ballots(*groups: tuple[int, str]) -> list[frozenset[str]]:
    return [frozenset(projects) for count, projects in groups for _ in range(count)]


def test_example_16_1_a_project_that_does_not_fit_is_skipped() -> None:
    costs = {"A": 60, "B": 50, "C": 40, "D": 10}
    cast = ballots((2, "AB"), (2, "ABC"), (1, "AC"), (1, "BD"))
    result = tally_budget("ABCD", costs, 100, cast)
    assert dict(result.totals) == {"A": 5, "B": 5, "C": 3, "D": 1}
    steps = [(s.project, s.outcome, s.left) for s in result.steps]
    # A and B have 5 approvals each: the cheaper B goes first, then A no longer fits.
    assert steps == [
        ("B", "selected", 50),
        ("A", "skipped", 50),
        ("C", "selected", 10),
        ("D", "selected", 0),
    ]
    assert result.winners == ("B", "C", "D")
    assert (result.spent, result.status) == (100, "decided")
    mes = result.equal_shares
    assert mes.share == Fraction(100, 6)
    assert mes.selected == ("B",)
    # D is affordable at rho 10 too (its one approver pays 10); B has more approvals.
    assert mes.purchases[0].rho == 10
    assert mes.purchases[0].tie_broken_by == "approvals_and_cost"
    assert mes.spent == 50


def test_example_16_2_greedy_and_equal_shares_differ() -> None:
    costs = {"A": 40, "B": 30, "C": 40}
    result = tally_budget("ABC", costs, 100, ballots((6, "AB"), (4, "C")))
    assert result.winners == ("B", "A")
    assert [s.outcome for s in result.steps] == ["selected", "selected", "skipped"]
    assert result.spent == 70
    mes = result.equal_shares
    assert mes.share == 10
    assert mes.selected == ("B", "C")
    assert [p.rho for p in mes.purchases] == [Fraction(5), Fraction(10)]
    assert mes.spent == 70
    assert mes.max_payment == 10
    assert mes.to_dict()["completion"] == "none"


def test_example_16_3_equal_projects_of_which_only_some_fit_are_a_tie() -> None:
    costs = {"A": 60, "B": 60, "C": 30}
    result = tally_budget("ABC", costs, 100, ballots((3, "AB"), (2, "C")))
    assert result.status == "tie"
    assert (result.tied, result.undecided) == (("A", "B"), 1)
    assert result.winners == ("C",)
    assert result.spent == 90  # one of A, B plus C, whichever
    assert result.tie_reason == (
        "A, B have 3 approvals and cost 60 each; 100 is left, enough for 1 of them; "
        "tie_break is none"
    )
    assert result.equal_shares.selected == ("C",)
    assert result.equal_shares.tied == ("A", "B")


def test_example_16_3_with_lot() -> None:
    costs = {"A": 60, "B": 60, "C": 30}
    result = tally_budget(
        "ABC", costs, 100, ballots((3, "AB"), (2, "C")), tie_break="lot", seed=b"s"
    )
    assert result.status == "decided"
    (lot,) = result.lots
    assert lot.among == ("A", "B")
    assert result.winners == (lot.order[0], "C")
    assert result.spent == 90


def test_equal_projects_that_all_fit_are_all_taken() -> None:
    costs = {"A": 30, "B": 30, "C": 30}
    result = tally_budget("ABC", costs, 100, ballots((2, "AB"), (1, "C")))
    assert (result.status, result.winners) == ("decided", ("A", "B", "C"))


def test_no_ballots() -> None:
    result = tally_budget("AB", {"A": 1, "B": 2}, 10, [])
    assert result.winners == ()  # a project nobody approved is never funded
    assert [step.outcome for step in result.steps] == ["unapproved", "unapproved"]
    assert result.spent == 0
    assert result.equal_shares.selected == ()
    assert result.equal_shares.max_payment == 0


def test_invalid_budget_ballots() -> None:
    costs = {"A": 60, "B": 50}
    with pytest.raises(InvalidBallot, match="not a project"):
        validate_budget_ballot(frozenset({"Z"}), "AB", costs, 100)
    with pytest.raises(InvalidBallot, match="over the budget 100"):
        validate_budget_ballot(frozenset("AB"), "AB", costs, 100, limit_to_budget=True)
    with pytest.raises(InvalidBallot, match="no project"):
        validate_budget_ballot(frozenset(), "AB", costs, 100)
    validate_budget_ballot(frozenset("AB"), "AB", costs, 100)


NAMES = ("A", "B", "C", "D", "E", "F")


@st.composite
def budgets(draw: st.DrawFn) -> tuple[tuple[str, ...], dict[str, int], int, list[frozenset[str]]]:
    names = NAMES[: draw(st.integers(2, 6))]
    costs = {name: draw(st.integers(1, 12)) for name in names}
    approval = st.frozensets(st.sampled_from(names), min_size=1)
    return names, costs, draw(st.integers(1, 40)), draw(st.lists(approval, max_size=12))


def comparable(result: BudgetResult) -> str:
    data = result.to_dict()
    del data["options"]
    return json.dumps(data, sort_keys=True)


@settings(max_examples=80)
@given(budgets(), st.randoms(use_true_random=False), st.sampled_from(["none", "lot"]))
def test_order_of_ballots_and_projects_never_matters(
    case: tuple[tuple[str, ...], dict[str, int], int, list[frozenset[str]]],
    rnd: random.Random,
    tie_break: str,
) -> None:
    names, costs, budget, cast = case
    options, shuffled = list(names), list(cast)
    rnd.shuffle(options)
    rnd.shuffle(shuffled)
    mode = "lot" if tie_break == "lot" else "none"
    first = tally_budget(names, costs, budget, cast, tie_break=mode, seed=b"s")
    second = tally_budget(tuple(options), costs, budget, shuffled, tie_break=mode, seed=b"s")
    assert comparable(first) == comparable(second)


@settings(max_examples=80)
@given(budgets(), st.sampled_from(["none", "lot"]))
def test_spending_stays_within_the_budget_and_the_shares(
    case: tuple[tuple[str, ...], dict[str, int], int, list[frozenset[str]]], tie_break: str
) -> None:
    names, costs, budget, cast = case
    mode = "lot" if tie_break == "lot" else "none"
    result = tally_budget(names, costs, budget, cast, tie_break=mode, seed=b"s")
    selected = sum(costs[p] for p in result.winners)
    assert selected <= result.spent <= budget
    if result.status == "decided":
        assert selected == result.spent
        # Greedy leaves out only projects that no longer fitted when their turn came.
        left_out = [p for p in names if p not in result.winners and result.totals[p] > 0]
        assert all(costs[p] > budget - result.spent for p in left_out)
    mes = result.equal_shares
    assert mes.spent == sum(costs[p] for p in mes.selected) <= budget
    assert len(mes.payments) == len(cast)
    assert all(payment <= mes.share for payment in mes.payments)
    assert sum(mes.payments) == mes.spent
