"""Participatory budgets (`budget@1`, docs/governance.md, rule 16).

Options are projects, each with a cost (a positive integer) in the proposal's spec, and the
spec gives the total budget. A ballot approves a set of projects (optionally only sets whose
cost fits the budget: `limit_to_budget`).

**Greedy selection (the decision).** Projects in order of approvals (higher first), then cost
(lower first); each is selected if it still fits in what is left of the budget, otherwise
skipped, and the count goes on; a project nobody approved is never selected. Projects equal
on both keys are taken together when they all fit and skipped together when none does; when
only some fit, which ones is a `tie` (or drawn by lot). Every project in such a group costs the
same, so the money left, and hence every later step, is the same whichever are taken: the
count goes on and the tie names the group. GOVERNANCE.md gives no other order for ties, so
this is "the rules' order, then lot".

**Method of Equal Shares (an alternative view, not the decision).** Every voter (ballot cast)
gets budget / n. A project is affordable at ρ when its approvers can pay its cost, each paying
min(own money left, ρ); the affordable project with the smallest ρ is bought (ties: more
approvals, then lower cost, then lot; without a lot an unbreakable tie stops the count and is
reported), until none is affordable. No completion step is run (money left is reported), so the
view may spend less than the greedy one.

All arithmetic is exact (`Fraction`); voters with identical ballots always hold the same money,
so they are counted as one group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from coopfed.governance.methods.approval import (
    LotDraw,
    Status,
    TieBreak,
    count_text,
    draw_lot,
    fraction_text,
)
from coopfed.governance.methods.errors import InvalidBallot

METHOD = "budget@1"


@dataclass(frozen=True)
class GreedyStep:
    project: str
    approvals: int
    cost: int
    # "selected", "skipped" (does not fit), "tied" (some of an equal group fit) or "unapproved"
    outcome: str
    left: int  # budget left after this step

    def to_dict(self) -> dict[str, object]:
        return {
            "project": self.project,
            "approvals": self.approvals,
            "cost": self.cost,
            "outcome": self.outcome,
            "left": self.left,
        }


@dataclass(frozen=True)
class EqualSharesPurchase:
    project: str
    rho: Fraction  # the most any approver paid
    approvals: int
    tie_broken_by: str | None = None  # "approvals_and_cost" or "lot"

    def to_dict(self) -> dict[str, object]:
        return {
            "project": self.project,
            "rho": fraction_text(self.rho),
            "approvals": self.approvals,
            "tie_broken_by": self.tie_broken_by,
        }


@dataclass(frozen=True)
class EqualShares:
    """The Method of Equal Shares outcome, reported next to the greedy decision."""

    share: Fraction  # budget / n, what each voter starts with
    purchases: tuple[EqualSharesPurchase, ...]
    selected: tuple[str, ...]  # in order of purchase
    spent: int
    max_payment: Fraction  # the most one voter paid in total (never above `share`)
    # Money each voter paid in total, largest first (not in to_dict: one entry per voter).
    payments: tuple[Fraction, ...]
    tied: tuple[str, ...]  # an unbreakable tie that stopped the count (no lot)
    lots: tuple[LotDraw, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "share_per_voter": fraction_text(self.share),
            "purchases": [purchase.to_dict() for purchase in self.purchases],
            "selected": list(self.selected),
            "spent": self.spent,
            "max_payment_per_voter": fraction_text(self.max_payment),
            "completion": "none",
            "tied": list(self.tied),
            "lots": [lot.to_dict() for lot in self.lots],
        }


@dataclass(frozen=True)
class BudgetResult:
    options: tuple[str, ...]
    costs: Mapping[str, int]
    budget: int
    ballots: int
    totals: Mapping[str, int]  # approvals
    steps: tuple[GreedyStep, ...]
    winners: tuple[str, ...]  # selected by the greedy rule, in order (certain ones only on a tie)
    spent: int
    status: Status
    tied: tuple[str, ...]
    undecided: int  # with status "tie": how many of `tied` the budget still funds
    lots: tuple[LotDraw, ...]
    equal_shares: EqualShares
    method: str = METHOD
    tie_reason: str | None = None  # not in to_dict: the result record carries it

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "options": list(self.options),
            "costs": {project: self.costs[project] for project in self.options},
            "budget": self.budget,
            "ballots": self.ballots,
            "totals": {project: self.totals[project] for project in self.options},
            "steps": [step.to_dict() for step in self.steps],
            "winners": list(self.winners),
            "spent": self.spent,
            "left": self.budget - self.spent,
            "status": self.status,
            "tied": list(self.tied),
            "undecided": self.undecided,
            "lots": [lot.to_dict() for lot in self.lots],
            "equal_shares": self.equal_shares.to_dict(),
        }


def validate_budget_ballot(
    ballot: frozenset[str],
    options: Sequence[str],
    costs: Mapping[str, int],
    budget: int,
    *,
    limit_to_budget: bool = False,
) -> None:
    """Raise InvalidBallot unless the ballot approves known projects (within budget if asked)."""
    unknown = sorted(ballot - set(options))
    if unknown:
        raise InvalidBallot(f"ballot approves {', '.join(map(repr, unknown))}, not a project")
    if not ballot:
        raise InvalidBallot("ballot approves no project (abstain instead)")
    total = sum(costs[project] for project in ballot)
    if limit_to_budget and total > budget:
        raise InvalidBallot(f"ballot approves projects costing {total}, over the budget {budget}")


def _order_key(
    project: str, totals: Mapping[str, int], costs: Mapping[str, int]
) -> tuple[int, int]:
    return (-totals[project], costs[project])


@dataclass
class _Greedy:
    steps: list[GreedyStep]
    selected: list[str]
    tied: list[str]
    undecided: int  # places among `tied` the budget funds
    lots: list[LotDraw]
    reasons: list[str]


def _greedy(
    options: Sequence[str],
    costs: Mapping[str, int],
    budget: int,
    totals: Mapping[str, int],
    tie_break: TieBreak,
    seed: bytes,
) -> _Greedy:
    """Go through the groups of equal (approvals, cost); see the module docstring."""
    groups: dict[tuple[int, int], list[str]] = {}
    for project in sorted(options):  # name order inside a group: display only
        groups.setdefault(_order_key(project, totals, costs), []).append(project)
    left = budget
    out = _Greedy([], [], [], 0, [], [])
    for key in sorted(groups):
        group, cost = groups[key], key[1]
        if key[0] == 0:
            # A project nobody approved is never funded, even if money is left.
            out.steps.extend(GreedyStep(p, 0, cost, "unapproved", left) for p in group)
            continue
        fits = min(len(group), left // cost)
        partial = 0 < fits < len(group)
        if partial and tie_break == "lot":
            lot = draw_lot(group, seed)
            out.lots.append(lot)
            group, partial = list(lot.order), False
        if partial:
            out.tied.extend(group)
            out.undecided += fits
            out.reasons.append(
                f"{', '.join(group)} have {count_text(-key[0], 'approval')} and cost "
                f"{cost} each; {left} is left, enough for {fits} of them"
            )
        left -= fits * cost
        for index, project in enumerate(group):
            if partial:
                outcome = "tied"
            elif index < fits:
                outcome = "selected"
                out.selected.append(project)
            else:
                outcome = "skipped"
            out.steps.append(GreedyStep(project, totals[project], cost, outcome, left))
    if out.reasons:
        out.reasons.append("tie_break is none")
    return out


def _rho(cost: int, holders: list[tuple[Fraction, int]]) -> Fraction | None:
    """The smallest ρ at which these (money each, members) groups can pay `cost`, or None."""
    if sum(money * size for money, size in holders) < cost:
        return None
    paid = Fraction(0)
    remaining = sum(size for _, size in holders)
    for money, size in sorted(holders):
        rho = (cost - paid) / remaining
        if rho <= money:
            return rho
        paid += money * size
        remaining -= size
    raise AssertionError("unreachable: the supporters hold enough money")


def _equal_shares(
    options: Sequence[str],
    costs: Mapping[str, int],
    budget: int,
    kinds: Mapping[frozenset[str], int],
    totals: Mapping[str, int],
    tie_break: TieBreak,
    seed: bytes,
) -> EqualShares:
    voters = sum(kinds.values())
    share = Fraction(budget, voters) if voters else Fraction(0)
    money = {kind: share for kind in kinds}
    bought: list[EqualSharesPurchase] = []
    lots: list[LotDraw] = []
    tied: list[str] = []
    open_projects = set(options)
    while voters and open_projects:
        rhos: dict[str, Fraction] = {}
        for project in open_projects:
            holders = [(money[kind], size) for kind, size in kinds.items() if project in kind]
            rho = _rho(costs[project], holders)
            if rho is not None:
                rhos[project] = rho
        if not rhos:
            break
        best = min((rho, -totals[p], costs[p]) for p, rho in rhos.items())
        first = [p for p, rho in rhos.items() if (rho, -totals[p], costs[p]) == best]
        how = None if len([p for p in rhos if rhos[p] == best[0]]) == 1 else "approvals_and_cost"
        if len(first) > 1:
            if tie_break != "lot":
                tied = sorted(first)
                break
            drawn = draw_lot(first, seed)
            lots.append(drawn)
            first, how = [drawn.order[0]], "lot"
        project = first[0]
        rho = rhos[project]
        for kind in kinds:
            if project in kind:
                money[kind] -= min(money[kind], rho)
        open_projects.discard(project)
        bought.append(EqualSharesPurchase(project, rho, totals[project], how))
    payments = sorted(
        (share - money[kind] for kind, size in kinds.items() for _ in range(size)), reverse=True
    )
    return EqualShares(
        share=share,
        purchases=tuple(bought),
        selected=tuple(purchase.project for purchase in bought),
        spent=sum(costs[purchase.project] for purchase in bought),
        max_payment=payments[0] if payments else Fraction(0),
        payments=tuple(payments),
        tied=tuple(tied),
        lots=tuple(lots),
    )


def tally_budget(
    options: Sequence[str],
    costs: Mapping[str, int],
    budget: int,
    ballots: Iterable[frozenset[str]],
    *,
    tie_break: TieBreak = "none",
    seed: bytes = b"",
) -> BudgetResult:
    """Greedy selection by approvals, plus the equal-shares view. Ballots are assumed valid."""
    kinds = Counter(ballots)
    totals = dict.fromkeys(options, 0)
    for picked, count in kinds.items():
        for project in picked:
            totals[project] += count
    greedy = _greedy(options, costs, budget, totals, tie_break, seed)
    # On a tie the money the tied groups take is known, only not who gets it.
    spent = budget - min((step.left for step in greedy.steps), default=budget)
    return BudgetResult(
        options=tuple(options),
        costs=dict(costs),
        budget=budget,
        ballots=sum(kinds.values()),
        totals=totals,
        steps=tuple(greedy.steps),
        winners=tuple(greedy.selected),
        spent=spent,
        status="tie" if greedy.tied else "decided",
        tied=tuple(greedy.tied),
        undecided=greedy.undecided,
        lots=tuple(greedy.lots),
        equal_shares=_equal_shares(options, costs, budget, kinds, totals, tie_break, seed),
        tie_reason="; ".join(greedy.reasons) or None,
    )
