"""Adapters from ballots and JSON specs to the pure choice-method functions (methods 5–11, 13, 14).

The counting lives in approval.py, score.py, dots.py, borda.py, irv.py, stv.py, schulze.py,
meeting.py and budget.py; this module only turns JSON payloads into their inputs and their
results into an `Outcome`. Payloads: approval and budget a list of options; score and dots an
object option → int; meeting an object slot → "yes" | "if_need_be" | "no"; borda, irv, stv and
schulze a ranking (list, most preferred first). A budget spec carries each project's cost as an
object `costs` (project → positive integer) next to `budget`, as score and dots carry theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from coopfed.governance.ballots import Ballot, BallotKind, invalid_choice
from coopfed.governance.charter import Charter, TieBreak
from coopfed.governance.electorate import Electorate
from coopfed.governance.methods import (
    approval,
    borda,
    budget,
    dots,
    irv,
    meeting,
    schulze,
    score,
    stv,
)
from coopfed.governance.methods.errors import InvalidBallot
from coopfed.governance.result import DecisionStatus, Outcome
from coopfed.governance.specs import (
    SpecError,
    option_list,
    refuse_unknown_keys,
    spec_bool,
    spec_int,
)


@dataclass(frozen=True, slots=True)
class ChoiceSpec:
    """Options and the knobs of one choice method (unused knobs keep their defaults)."""

    method: str
    options: tuple[str, ...]
    winners: int = 1
    min_choices: int = 1
    max_choices: int | None = None
    require_majority: bool = False
    min_score: int = 0
    max_score: int = 5
    require_all: bool = False
    dots: int = 0
    exact: bool = False
    min_ranked: int = 1
    require_complete: bool = False
    costs: tuple[tuple[str, int], ...] = ()  # budget@1: (project, cost) in option order
    budget: int = 0
    limit_to_budget: bool = False

    @property
    def cost_of(self) -> dict[str, int]:
        return dict(self.costs)


_KNOBS: dict[str, set[str]] = {
    "approval@1": {"winners", "min_choices", "max_choices", "require_majority"},
    "score@1": {"winners", "min_score", "max_score", "require_all"},
    "dots@1": {"winners", "dots", "exact"},
    "borda@1": {"winners", "min_ranked", "require_complete"},
    "irv@1": {"min_ranked"},
    "stv@1": {"seats", "min_ranked"},
    "schulze@1": {"min_ranked"},
    "meeting@1": set(),
    "budget@1": {"costs", "budget", "limit_to_budget"},
}


def parse_choice_spec(method: str, data: Mapping[str, Any]) -> ChoiceSpec:
    knobs = _KNOBS[method]
    refuse_unknown_keys(data, {"options", *knobs}, method)
    options = option_list(data.get("options"), method, minimum=2)
    spec = ChoiceSpec(
        method,
        options,
        # STV calls its number of winners "seats".
        winners=_count(data, "seats" if method == "stv@1" else "winners", 1, method),
        min_choices=_count(data, "min_choices", 1, method),
        max_choices=spec_int(data, "max_choices", None, method),
        require_majority=spec_bool(data, "require_majority", False, method),
        min_score=_count(data, "min_score", 0, method),
        max_score=_count(data, "max_score", 5, method),
        require_all=spec_bool(data, "require_all", False, method),
        dots=_count(data, "dots", 0, method),
        exact=spec_bool(data, "exact", False, method),
        min_ranked=_count(data, "min_ranked", 1, method),
        require_complete=spec_bool(data, "require_complete", False, method),
        costs=_costs(data, options, method) if method == "budget@1" else (),
        budget=_count(data, "budget", 0, method),
        limit_to_budget=spec_bool(data, "limit_to_budget", False, method),
    )
    _check_knobs(spec)
    return spec


def _count(data: Mapping[str, Any], key: str, default: int, method: str) -> int:
    value = spec_int(data, key, default, method)
    return default if value is None else value


def _costs(
    data: Mapping[str, Any], options: tuple[str, ...], method: str
) -> tuple[tuple[str, int], ...]:
    costs = data.get("costs")
    if not isinstance(costs, Mapping):
        raise SpecError(f"{method}: give each project's cost, costs: {{project: integer}}")
    missing = [option for option in options if option not in costs]
    if missing:
        raise SpecError(f"{method}: no cost for {', '.join(missing)}")
    unknown = sorted(str(key) for key in costs if key not in options)
    if unknown:
        raise SpecError(f"{method}: costs name {', '.join(unknown)}, not a project")
    for option in options:
        cost = costs[option]
        if isinstance(cost, bool) or not isinstance(cost, int) or cost < 1:
            raise SpecError(f"{method}: the cost of {option} must be a positive integer")
    return tuple((option, costs[option]) for option in options)


def _check_knobs(spec: ChoiceSpec) -> None:
    if not 1 <= spec.winners <= len(spec.options):
        raise SpecError(f"{spec.method}: winners must be between 1 and the number of options")
    if spec.min_score > spec.max_score:
        raise SpecError(f"{spec.method}: min_score is above max_score")
    if spec.method == "dots@1" and spec.dots < 1:
        raise SpecError(f"{spec.method}: give the number of dots per ballot (dots ≥ 1)")
    if spec.method == "budget@1" and spec.budget < 1:
        raise SpecError(f"{spec.method}: give the total budget (a positive integer)")
    if spec.max_choices is not None and spec.max_choices < spec.min_choices:
        raise SpecError(f"{spec.method}: max_choices is below min_choices")


def _as_ranking(choice: Any) -> tuple[str, ...]:
    if not isinstance(choice, list | tuple) or not all(isinstance(c, str) for c in choice):
        raise invalid_choice("a ranking is a list of options, most preferred first")
    return tuple(choice)


def _as_set(choice: Any) -> frozenset[str]:
    ranking = _as_ranking(choice)
    if len(set(ranking)) != len(ranking):
        raise invalid_choice("an option is picked more than once")
    return frozenset(ranking)


def _as_points(choice: Any) -> dict[str, int]:
    if not isinstance(choice, Mapping) or not all(isinstance(k, str) for k in choice):
        raise invalid_choice("this ballot is an object of option → integer")
    return dict(choice)


def _as_answers(choice: Any) -> dict[str, Any]:
    if not isinstance(choice, Mapping) or not all(isinstance(k, str) for k in choice):
        raise invalid_choice('this ballot is an object of slot → "yes", "if_need_be" or "no"')
    return dict(choice)


def _check(spec: ChoiceSpec, ballot: Ballot) -> None:
    choice = ballot.choice
    method = spec.method
    if method == "approval@1":
        approval.validate_approval_ballot(
            _as_set(choice), spec.options, spec.min_choices, spec.max_choices
        )
    elif method == "score@1":
        score.validate_score_ballot(
            _as_points(choice),
            spec.options,
            spec.min_score,
            spec.max_score,
            require_all=spec.require_all,
        )
    elif method == "dots@1":
        dots.validate_dots_ballot(_as_points(choice), spec.options, spec.dots, exact=spec.exact)
    elif method == "borda@1":
        borda.validate_borda_ballot(
            _as_ranking(choice),
            spec.options,
            min_ranked=spec.min_ranked,
            require_complete=spec.require_complete,
        )
    elif method == "irv@1":
        irv.validate_irv_ballot(_as_ranking(choice), spec.options, min_ranked=spec.min_ranked)
    elif method == "stv@1":
        stv.validate_stv_ballot(_as_ranking(choice), spec.options, min_ranked=spec.min_ranked)
    elif method == "meeting@1":
        meeting.validate_meeting_ballot(_as_answers(choice), spec.options)
    elif method == "budget@1":
        budget.validate_budget_ballot(
            _as_set(choice),
            spec.options,
            spec.cost_of,
            spec.budget,
            limit_to_budget=spec.limit_to_budget,
        )
    else:
        schulze.validate_schulze_ballot(
            _as_ranking(choice), spec.options, min_ranked=spec.min_ranked
        )


def validate(spec: ChoiceSpec, ballot: Ballot) -> None:
    try:
        _check(spec, ballot)
    except InvalidBallot as error:
        raise invalid_choice(str(error)) from error


ChoiceResult = Any  # each method's frozen result dataclass, all with to_dict()


def _run(
    spec: ChoiceSpec, choices: list[Any], tie_break: Literal["none", "lot"], seed: bytes
) -> Any:
    method, options, k = spec.method, spec.options, spec.winners
    if method == "approval@1":
        sets = [frozenset(choice) for choice in choices]
        return approval.tally_approval(
            options,
            sets,
            k,
            require_majority=spec.require_majority,
            tie_break=tie_break,
            seed=seed,
        )
    if method == "score@1":
        return score.tally_score(options, choices, k, tie_break=tie_break, seed=seed)
    if method == "dots@1":
        return dots.tally_dots(options, choices, k, tie_break=tie_break, seed=seed)
    if method == "meeting@1":
        return meeting.tally_meeting(options, choices, tie_break=tie_break, seed=seed)
    if method == "budget@1":
        sets = [frozenset(choice) for choice in choices]
        return budget.tally_budget(
            options, spec.cost_of, spec.budget, sets, tie_break=tie_break, seed=seed
        )
    rankings = [tuple(choice) for choice in choices]
    if method == "borda@1":
        return borda.tally_borda(options, rankings, k, tie_break=tie_break, seed=seed)
    if method == "irv@1":
        return irv.tally_irv(options, rankings, tie_break=tie_break, seed=seed)
    if method == "stv@1":
        return stv.tally_stv(options, rankings, k, tie_break=tie_break, seed=seed)
    return schulze.tally_schulze(options, rankings, tie_break=tie_break, seed=seed)


def tally(
    spec: ChoiceSpec,
    electorate: Electorate,
    ballots: Sequence[Ballot],
    charter: Charter,
    seed: bytes,
) -> Outcome:
    choices = [ballot.choice for ballot in ballots if ballot.kind is BallotKind.CAST]
    tie_break: Literal["none", "lot"] = "lot" if charter.tie_break is TieBreak.LOT else "none"
    result = _run(spec, choices, tie_break, seed)
    detail: dict[str, Any] = result.to_dict()
    counts: dict[str, Any] = dict(detail["totals"])
    counts["abstain"] = sum(1 for ballot in ballots if ballot.kind is BallotKind.ABSTAIN)
    counts["invalid"] = sum(1 for ballot in ballots if ballot.kind is BallotKind.INVALID)
    if detail["status"] == "tie":
        # Every choice method says which options are tied and why the tie stands.
        tie = {"tied": detail["tied"], "reason": result.tie_reason}
        return Outcome(DecisionStatus.TIE, counts, detail, tie)
    return Outcome(DecisionStatus.DECIDED, counts, detail)


def parser(method: str) -> Callable[[Mapping[str, Any]], ChoiceSpec]:
    def parse(data: Mapping[str, Any]) -> ChoiceSpec:
        return parse_choice_spec(method, data)

    return parse


CHOICE_METHODS = tuple(_KNOBS)
