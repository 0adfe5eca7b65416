"""Method 4, `advice@1` (advice / sense check): counts only.

The status is `inconclusive` by design, whatever the counts: the proposer writes the outcome.
The quorum is still reported so the proposer knows how many were heard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coopfed.governance.ballots import Ballot, invalid_choice
from coopfed.governance.charter import Charter, ClassMode
from coopfed.governance.counting import count_ballots, counts_dict, quorum_met, turnout
from coopfed.governance.electorate import Electorate
from coopfed.governance.result import DecisionStatus, Outcome
from coopfed.governance.specs import option_list, refuse_unknown_keys

METHOD = "advice@1"
DEFAULT_OPTIONS = ("agree", "disagree")


@dataclass(frozen=True, slots=True)
class AdviceSpec:
    options: tuple[str, ...] = DEFAULT_OPTIONS


def parse_spec(data: Mapping[str, Any]) -> AdviceSpec:
    refuse_unknown_keys(data, {"options"}, METHOD)
    return AdviceSpec(option_list(data.get("options", list(DEFAULT_OPTIONS)), METHOD))


def validate(spec: AdviceSpec, ballot: Ballot) -> None:
    if ballot.choice not in spec.options:
        raise invalid_choice(f"choose one of {', '.join(spec.options)}; got {ballot.choice!r}")


def tally(
    spec: AdviceSpec, electorate: Electorate, ballots: Sequence[Ballot], charter: Charter
) -> Outcome:
    tallied = count_ballots(ballots, electorate)
    pooled = tallied.pooled()
    met = quorum_met(turnout(pooled), electorate.size, charter.quorum)
    counts: dict[str, Any] = counts_dict(pooled, spec.options)
    if charter.class_rules.mode is not ClassMode.POOLED:
        counts["per_class"] = {
            name: counts_dict(tallied.per_class[name], spec.options) for name in tallied.classes()
        }
    return Outcome(DecisionStatus.INCONCLUSIVE, counts, {"quorum_met": met}, None, met)
