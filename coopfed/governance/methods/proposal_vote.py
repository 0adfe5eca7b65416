"""Method 1, `proposal@1`: yes / no / abstain, optional block (docs/governance.md, rule 1).

Passed iff quorum met, threshold met and no block. Order of statuses: no quorum first (nothing
was decided), then a block (`vetoed`; a block counts as turnout, never as no), then the
threshold. A failure exactly on a strict threshold (e.g. 3 yes, 3 no under majority) is
`rejected` and the record's `tie` says so: the status quo stands.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from coopfed.governance.ballots import Ballot, invalid_choice
from coopfed.governance.charter import Charter, ClassMode
from coopfed.governance.counting import (
    base_size,
    check_groups,
    count_ballots,
    counts_dict,
    pooled_support,
)
from coopfed.governance.electorate import Electorate
from coopfed.governance.result import DecisionStatus, Outcome
from coopfed.governance.specs import refuse_unknown_keys, spec_bool

METHOD = "proposal@1"
YES, NO, BLOCK = "yes", "no", "block"


@dataclass(frozen=True, slots=True)
class ProposalSpec:
    allow_block: bool = True

    @property
    def options(self) -> tuple[str, ...]:
        return (YES, NO, BLOCK) if self.allow_block else (YES, NO)


def parse_spec(data: Mapping[str, Any]) -> ProposalSpec:
    refuse_unknown_keys(data, {"allow_block"}, METHOD)
    return ProposalSpec(spec_bool(data, "allow_block", True, METHOD))


def validate(spec: ProposalSpec, ballot: Ballot) -> None:
    if ballot.choice not in spec.options:
        raise invalid_choice(f"choose one of {', '.join(spec.options)}; got {ballot.choice!r}")


def tally(
    spec: ProposalSpec, electorate: Electorate, ballots: Sequence[Ballot], charter: Charter
) -> Outcome:
    tallied = count_ballots(ballots, electorate)
    comparison = charter.comparison

    def support_of(counts: Counter[str], eligible: int) -> Fraction | None:
        base = base_size(counts, charter.threshold_base, eligible, YES, [NO])
        return pooled_support(counts[YES], base)

    def test(support: Fraction | None) -> bool:
        return support is not None and comparison.holds(support)

    checks = check_groups(tallied, charter, support_of, test)
    pooled = tallied.pooled()
    if not checks.quorum_met:
        status = DecisionStatus.NO_QUORUM
    elif pooled[BLOCK]:
        status = DecisionStatus.VETOED
    elif checks.all_hold:
        status = DecisionStatus.PASSED
    else:
        status = DecisionStatus.REJECTED
    tied = [
        group.group
        for group in checks.groups
        if not group.holds and group.support is not None and comparison.is_tie(group.support)
    ]
    tie = {"at_threshold": tied} if status is DecisionStatus.REJECTED and tied else None
    counts: dict[str, Any] = counts_dict(pooled, spec.options)
    if charter.class_rules.mode is not ClassMode.POOLED:
        counts["per_class"] = {
            name: counts_dict(tallied.per_class[name], spec.options) for name in tallied.classes()
        }
    return Outcome(status, counts, checks.to_dict(), tie, checks.quorum_met)
