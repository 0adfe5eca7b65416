"""Quorum, threshold bases and class modes shared by methods 1–3 (docs/governance.md).

Quorum is definition D5, threshold bases and comparisons D6 and D7, class modes rule 12.
Every threshold is applied to a `support` fraction: pooled `yes / D`, or in class_weighted
mode `Σ w_k * yes_k / D_k` over classes with D_k > 0. For pooled counts this is the same test
as the integer forms of D7 (`2*yes > D`, `q*yes >= p*D`) whenever D > 0. An empty base
(D = 0) gives no support, and no "at least" or "more than" test holds on it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from coopfed.governance.ballots import Ballot, BallotKind
from coopfed.governance.charter import Charter, ClassMode, ClassRules, ThresholdBase
from coopfed.governance.electorate import Electorate

ABSTAIN = "abstain"
INVALID = "invalid"

SupportTest = Callable[[Fraction | None], bool]
"""Does this support (None: empty base) pass the test?"""


@dataclass(frozen=True, slots=True)
class Tallied:
    """Counts per class: option names plus 'abstain' and 'invalid'; class sizes from E."""

    per_class: Mapping[str, Counter[str]]
    class_sizes: Mapping[str, int]

    def pooled(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for counts in self.per_class.values():
            total.update(counts)
        return total

    def classes(self) -> list[str]:
        return sorted(self.class_sizes)


def count_ballots(ballots: Iterable[Ballot], electorate: Electorate) -> Tallied:
    """Count effective ballots per class of the electorate (option = the choice string)."""
    sizes = electorate.class_sizes()
    per_class: dict[str, Counter[str]] = {name: Counter() for name in sizes}
    for ballot in ballots:
        counts = per_class[electorate.class_of(ballot.member_id)]
        if ballot.kind is BallotKind.CAST:
            counts[str(ballot.choice)] += 1
        elif ballot.kind is BallotKind.ABSTAIN:
            counts[ABSTAIN] += 1
        else:
            counts[INVALID] += 1
    return Tallied(per_class, sizes)


def turnout(counts: Counter[str]) -> int:
    """Members with a cast or abstain ballot; invalid ballots do not count."""
    return sum(counts.values()) - counts[INVALID]


def quorum_met(turnout_count: int, eligible: int, quorum: Fraction | None) -> bool:
    """`turnout * q >= p * |E|` (no quorum in the charter: always met)."""
    if quorum is None:
        return True
    return turnout_count * quorum.denominator >= quorum.numerator * eligible


def base_size(
    counts: Counter[str], base: ThresholdBase, eligible: int, yes: str, no: Iterable[str]
) -> int:
    """D for one group: yes + no, yes + no + abstain, or |E| of the group."""
    if base is ThresholdBase.ELIGIBLE:
        return eligible
    cast = counts[yes] + sum(counts[option] for option in no)
    if base is ThresholdBase.CAST_INCL_ABSTAIN:
        return cast + counts[ABSTAIN]
    return cast


def pooled_support(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(numerator, denominator) if denominator > 0 else None


def capped_weights(
    shares: Mapping[str, Fraction], caps: Mapping[str, Fraction]
) -> dict[str, Fraction]:
    """Normalise shares to sum 1, then hold every capped class at its cap and share the
    excess out pro rata among the others, repeating until no class exceeds its cap.

    If every class ends up capped and the caps sum below 1, the excess has nowhere to go; the
    caps are returned and `weighted_support` divides by their sum.
    """
    total = sum(shares.values(), Fraction(0))
    weights = {name: share / total for name, share in shares.items()}
    fixed: dict[str, Fraction] = {}
    while True:
        over = [n for n, w in weights.items() if n not in fixed and n in caps and w > caps[n]]
        if not over:
            return weights
        fixed.update({name: caps[name] for name in over})
        free = [name for name in weights if name not in fixed]
        free_total = sum((shares[name] for name in free), Fraction(0))
        if not free:
            return dict(fixed)
        remaining = 1 - sum(fixed.values(), Fraction(0))
        weights = {
            name: fixed[name] if name in fixed else shares[name] * remaining / free_total
            for name in weights
        }


def weighted_support(
    supports: Mapping[str, Fraction | None], rules: ClassRules
) -> tuple[Fraction | None, dict[str, Fraction]]:
    """Σ w_k * support_k / Σ w_k over classes with a support (D_k > 0), caps applied."""
    shares = {name: share for name, share in rules.shares if supports.get(name) is not None}
    if not shares:
        return None, {}
    weights = capped_weights(shares, rules.cap_map)
    total_weight = sum(weights.values(), Fraction(0))
    value = sum((weights[name] * _known(supports[name]) for name in weights), Fraction(0))
    return value / total_weight, weights


def _known(support: Fraction | None) -> Fraction:
    assert support is not None
    return support


@dataclass(frozen=True, slots=True)
class GroupCheck:
    """One group's quorum and test: the pool, or one class in concurrent mode."""

    group: str
    quorum_met: bool
    support: Fraction | None
    holds: bool


def check_groups(
    tallied: Tallied,
    charter: Charter,
    support_of: Callable[[Counter[str], int], Fraction | None],
    test: SupportTest,
) -> GroupChecks:
    """Quorum and test per group the class mode requires.

    `support_of(counts, eligible)` computes one group's support. Pooled and class_weighted
    modes check one group, "pooled" (class_weighted weighs class supports into it);
    concurrent checks each listed class, then the pool if the charter asks. The quorum of the
    whole electorate is always checked; concurrent mode also needs it in every listed class.
    """
    rules = charter.class_rules
    pooled = tallied.pooled()
    electorate_size = sum(tallied.class_sizes.values())
    pool_quorum = quorum_met(turnout(pooled), electorate_size, charter.quorum)
    if rules.mode is ClassMode.POOLED:
        support = support_of(pooled, electorate_size)
        return GroupChecks(
            pool_quorum, (GroupCheck("pooled", pool_quorum, support, test(support)),)
        )
    if rules.mode is ClassMode.CLASS_WEIGHTED:
        supports = {
            name: support_of(
                tallied.per_class.get(name, Counter()), tallied.class_sizes.get(name, 0)
            )
            for name, _ in rules.shares
        }
        support, weights = weighted_support(supports, rules)
        check = GroupCheck("pooled", pool_quorum, support, test(support))
        return GroupChecks(pool_quorum, (check,), supports, weights)
    checks = [_class_check(tallied, charter, name, support_of, test) for name in rules.classes]
    if rules.pooled:
        support = support_of(pooled, electorate_size)
        checks.append(GroupCheck("pooled", pool_quorum, support, test(support)))
    return GroupChecks(pool_quorum, tuple(checks))


@dataclass(frozen=True, slots=True)
class GroupChecks:
    pool_quorum: bool
    groups: tuple[GroupCheck, ...]
    class_supports: Mapping[str, Fraction | None] | None = None
    class_weights: Mapping[str, Fraction] | None = None

    @property
    def quorum_met(self) -> bool:
        return self.pool_quorum and all(group.quorum_met for group in self.groups)

    @property
    def all_hold(self) -> bool:
        return all(group.holds for group in self.groups)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "quorum_met": self.quorum_met,
            "groups": [
                {
                    "group": group.group,
                    "quorum_met": group.quorum_met,
                    "support": group.support,
                    "holds": group.holds,
                }
                for group in self.groups
            ],
        }
        if self.class_supports is not None:
            out["class_supports"] = dict(self.class_supports)
            out["class_weights"] = dict(self.class_weights or {})
        return out


def _class_check(
    tallied: Tallied,
    charter: Charter,
    name: str,
    support_of: Callable[[Counter[str], int], Fraction | None],
    test: SupportTest,
) -> GroupCheck:
    counts = tallied.per_class.get(name, Counter())
    size = tallied.class_sizes.get(name, 0)
    support = support_of(counts, size)
    met = quorum_met(turnout(counts), size, charter.quorum)
    return GroupCheck(name, met, support, test(support))


def counts_dict(counts: Counter[str], labels: Iterable[str]) -> dict[str, int]:
    """Counts for a fixed list of labels (zeros kept) plus 'abstain' and 'invalid'."""
    out = {label: counts[label] for label in labels}
    out[ABSTAIN] = counts[ABSTAIN]
    out[INVALID] = counts[INVALID]
    return out
