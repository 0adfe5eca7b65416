"""Method 2, `consent@1` (sociocratic): consent / objection, a reason required with an objection.

Passed iff quorum met and no objection. Silence is not an objection. An objection without a
reason is an invalid ballot. Class modes only change the quorum here (concurrent: in each
listed class); a single objection anywhere stops the proposal whatever the mode.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from coopfed.governance.ballots import Ballot, invalid_choice
from coopfed.governance.charter import Charter, ClassMode
from coopfed.governance.counting import check_groups, count_ballots, counts_dict
from coopfed.governance.electorate import Electorate
from coopfed.governance.result import DecisionStatus, Outcome
from coopfed.governance.specs import refuse_unknown_keys

METHOD = "consent@1"
CONSENT, OBJECTION = "consent", "objection"
OPTIONS = (CONSENT, OBJECTION)


@dataclass(frozen=True, slots=True)
class ConsentSpec:
    @property
    def options(self) -> tuple[str, ...]:
        return OPTIONS


def parse_spec(data: Mapping[str, Any]) -> ConsentSpec:
    refuse_unknown_keys(data, set(), METHOD)
    return ConsentSpec()


def validate(spec: ConsentSpec, ballot: Ballot) -> None:
    if ballot.choice not in OPTIONS:
        raise invalid_choice(f"choose consent or objection; got {ballot.choice!r}")
    if ballot.choice == OBJECTION and not ballot.reason.strip():
        raise invalid_choice("an objection needs a reason")


def _no_support(counts: Counter[str], eligible: int) -> Fraction | None:
    return None


def _always(support: Fraction | None) -> bool:
    return True


def tally(
    spec: ConsentSpec, electorate: Electorate, ballots: Sequence[Ballot], charter: Charter
) -> Outcome:
    tallied = count_ballots(ballots, electorate)
    checks = check_groups(tallied, charter, _no_support, _always)
    pooled = tallied.pooled()
    if not checks.quorum_met:
        status = DecisionStatus.NO_QUORUM
    elif pooled[OBJECTION]:
        status = DecisionStatus.REJECTED
    else:
        status = DecisionStatus.PASSED
    counts: dict[str, Any] = counts_dict(pooled, OPTIONS)
    if charter.class_rules.mode is not ClassMode.POOLED:
        counts["per_class"] = {
            name: counts_dict(tallied.per_class[name], OPTIONS) for name in tallied.classes()
        }
    return Outcome(status, counts, {"quorum_met": checks.quorum_met}, None, checks.quorum_met)
