"""Result records: golden bytes per method, and stable hashing.

The golden files were written once from the implementation after checking every number by
hand against docs/governance.md; the test compares bytes. To rewrite them on purpose (a new
method version), run `.venv/bin/python -m tests.governance.test_result` and review the diff.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from coopfed.governance.ballots import Ballot, abstain, cast
from coopfed.governance.charter import Charter, ClassMode, ClassRules
from coopfed.governance.electorate import Electorate
from coopfed.governance.methods import tally
from coopfed.governance.result import ResultRecord

from .support import T0, ballots_from_counts, classed_electorate, electorate

GOLDEN = Path(__file__).parent / "golden"
ABC = ["A", "B", "C"]


def ranked(rankings: list[list[str]]) -> list[Ballot]:
    return [cast(f"m{i:04d}", ranking, T0) for i, ranking in enumerate(rankings)]


def run(
    method: str, spec: dict[str, Any], voters: Electorate, ballots: list[Ballot], charter: Charter
) -> ResultRecord:
    return tally(method, spec, voters, ballots, charter, proposal_id="p-golden", log_head="f" * 64)


def proposal() -> ResultRecord:
    ballots = ballots_from_counts([("yes", 3), ("no", 2), ("abstain", 1)])
    return run("proposal@1", {}, electorate(10), ballots, Charter(quorum=Fraction(1, 2)))


def proposal_class_weighted() -> ResultRecord:
    ballots = ballots_from_counts([("yes", 3), ("no", 1)], prefix="worker")
    ballots += ballots_from_counts([("yes", 18), ("no", 22)], prefix="consumer")
    half = Fraction(1, 2)
    rules = ClassRules(ClassMode.CLASS_WEIGHTED, shares=(("consumer", half), ("worker", half)))
    voters = classed_electorate({"worker": 4, "consumer": 40})
    return run("proposal@1", {}, voters, ballots, Charter(class_rules=rules))


def consent() -> ResultRecord:
    ballots = [*ballots_from_counts([("consent", 4)]), cast("m0004", "objection", T0, "cost")]
    return run("consent@1", {}, electorate(5), ballots, Charter())


def consensus() -> ResultRecord:
    spec = {"tests": [{"option": "agree", "op": ">=", "fraction": "3/4", "base": "eligible"}]}
    ballots = ballots_from_counts([("agree", 4), ("disagree", 1)])
    return run("consensus@1", spec, electorate(5), ballots, Charter(quorum=Fraction(3, 5)))


def advice() -> ResultRecord:
    ballots = ballots_from_counts([("agree", 2), ("disagree", 1), ("abstain", 1)])
    return run("advice@1", {}, electorate(5), ballots, Charter())


def approval() -> ResultRecord:
    ballots = ranked([["A"], ["A"], ["B"], ["C", "B"]])
    return run("approval@1", {"options": ABC}, electorate(4), ballots, Charter())


def score() -> ResultRecord:
    # A and B both total 6; A wins on the mean (6/2 against 6/3).
    choices = [{"A": 5, "B": 2}, {"A": 1, "B": 2, "C": 4}, {"B": 2, "C": 1}]
    ballots = [cast(f"m{i:04d}", choice, T0) for i, choice in enumerate(choices)]
    return run("score@1", {"options": ABC}, electorate(3), ballots, Charter())


def dots() -> ResultRecord:
    choices = [{"A": 5, "B": 4}, {"A": 5, "B": 3}, {"B": 8}, {"C": 1}]
    ballots = [cast(f"m{i:04d}", choice, T0) for i, choice in enumerate(choices)]
    ballots.append(abstain("m0004", T0))
    return run("dots@1", {"options": ABC, "dots": 8}, electorate(5), ballots, Charter())


def borda() -> ResultRecord:
    ballots = ranked([["A", "B", "C"], ["B", "A", "C"], ["B", "C", "A"]])
    return run("borda@1", {"options": ABC}, electorate(3), ballots, Charter())


def irv() -> ResultRecord:
    ballots = ranked([["A", "B", "C"]] * 4 + [["B", "C", "A"]] * 3 + [["C", "B", "A"]] * 2)
    return run("irv@1", {"options": ABC}, electorate(9), ballots, Charter())


def stv() -> ResultRecord:
    ballots = ranked([["A", "B"]] * 6 + [["B"]] * 3 + [["C", "B"]] * 2)
    return run("stv@1", {"options": ABC, "seats": 2}, electorate(11), ballots, Charter())


def schulze() -> ResultRecord:
    ballots = ranked([["A", "B", "C"]] * 3 + [["B", "C", "A"]] * 2 + [["C", "A", "B"]])
    return run("schulze@1", {"options": ABC}, electorate(6), ballots, Charter())


def meeting() -> ResultRecord:
    # docs/governance.md example 15.2: tue wins on if-need-be answers.
    slots = ["mon-18h", "tue-18h", "wed-12h"]
    choices = [
        {"mon-18h": "yes", "tue-18h": "yes", "wed-12h": "no"},
        {"mon-18h": "no", "tue-18h": "if_need_be", "wed-12h": "yes"},
        {"mon-18h": "yes", "tue-18h": "yes"},
    ]
    ballots = [cast(f"m{i:04d}", choice, T0) for i, choice in enumerate(choices)]
    return run("meeting@1", {"options": slots}, electorate(3), ballots, Charter())


def budget() -> ResultRecord:
    # docs/governance.md example 16.2: greedy B, A; equal shares B, C.
    spec = {"options": ABC, "costs": {"A": 40, "B": 30, "C": 40}, "budget": 100}
    ballots = ranked([["A", "B"]] * 6 + [["C"]] * 4)
    return run("budget@1", spec, electorate(10), ballots, Charter())


CASES: dict[str, Callable[[], ResultRecord]] = {
    "proposal": proposal,
    "proposal_class_weighted": proposal_class_weighted,
    "consent": consent,
    "consensus": consensus,
    "advice": advice,
    "approval": approval,
    "score": score,
    "dots": dots,
    "borda": borda,
    "irv": irv,
    "stv": stv,
    "schulze": schulze,
    "meeting": meeting,
    "budget": budget,
}


def golden_bytes(record: ResultRecord) -> bytes:
    # The canonical bytes, one line, plus a newline so the file diffs well.
    return record.canonical_bytes() + b"\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_result_bytes_match_golden_file(name: str) -> None:
    path = GOLDEN / f"{name}.json"
    assert path.exists(), f"missing golden file {path}; see the module docstring"
    assert golden_bytes(CASES[name]()) == path.read_bytes()


@pytest.mark.parametrize("name", sorted(CASES))
def test_result_bytes_identical_across_runs(name: str) -> None:
    first = CASES[name]()
    assert CASES[name]().canonical_bytes() == first.canonical_bytes()
    assert json.loads(first.canonical_bytes())["method"] == f"{name.split('_')[0]}@1"


def test_golden_statuses() -> None:
    statuses = {name: CASES[name]().status.value for name in CASES}
    assert statuses == {
        "proposal": "passed",
        "proposal_class_weighted": "passed",
        "consent": "rejected",
        "consensus": "passed",
        "advice": "inconclusive",
        "approval": "tie",
        "score": "decided",
        "dots": "decided",
        "borda": "decided",
        "irv": "decided",
        "stv": "decided",
        "schulze": "decided",
        "meeting": "decided",
        "budget": "decided",
    }


def write_golden_files() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, case in CASES.items():
        (GOLDEN / f"{name}.json").write_bytes(golden_bytes(case()))


if __name__ == "__main__":
    write_golden_files()
