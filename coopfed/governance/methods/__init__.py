"""The method registry: every tally method by versioned name (`proposal@1`, `irv@1`, ...).

One entry point, `tally(method, spec, electorate, ballots, charter, seed)`, turns the ballot
log of a proposal into a `ResultRecord`: it picks the ballot that counts per member,
re-validates choices (so any node recomputing from the log gets the same invalid ballots),
hashes the inputs, runs the method and checks the quorum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from coopfed.governance.ballots import (
    Ballot,
    BallotKind,
    ChoiceValidator,
    check_choice,
    effective_ballots,
)
from coopfed.governance.canonical import to_jsonable
from coopfed.governance.charter import Charter, TieBreak, charter_hash
from coopfed.governance.counting import quorum_met
from coopfed.governance.electorate import Electorate
from coopfed.governance.errors import GovernanceError
from coopfed.governance.methods import advice, choice, consensus, consent, proposal_vote
from coopfed.governance.result import (
    DecisionStatus,
    Outcome,
    ResultRecord,
    inputs_hash,
    lot_seed,
)

Runner = Callable[[Any, Electorate, list[Ballot], Charter, bytes], Outcome]


class UnknownMethod(GovernanceError):
    """A method name (with version) that this node does not implement."""


@dataclass(frozen=True, slots=True)
class MethodEntry:
    name: str
    parse_spec: Callable[[Mapping[str, Any]], Any]
    validate: Callable[[Any, Ballot], None]
    run: Runner


def _without_seed(
    function: Callable[[Any, Electorate, list[Ballot], Charter], Outcome],
) -> Runner:
    def run(
        spec: Any, electorate: Electorate, ballots: list[Ballot], charter: Charter, seed: bytes
    ) -> Outcome:
        return function(spec, electorate, ballots, charter)

    return run


_MOTIONS: tuple[Any, ...] = (proposal_vote, consent, consensus, advice)

REGISTRY: dict[str, MethodEntry] = {
    module.METHOD: MethodEntry(
        module.METHOD, module.parse_spec, module.validate, _without_seed(module.tally)
    )
    for module in _MOTIONS
}
REGISTRY.update(
    {
        name: MethodEntry(name, choice.parser(name), choice.validate, choice.tally)
        for name in choice.CHOICE_METHODS
    }
)


def get_method(method: str) -> MethodEntry:
    entry = REGISTRY.get(method)
    if entry is None:
        known = ", ".join(sorted(REGISTRY))
        raise UnknownMethod(f"unknown method {method!r}; this node knows {known}")
    return entry


def parse_spec(method: str, spec: Mapping[str, Any]) -> Any:
    """Validate a proposal's method spec (raises SpecError) and return its typed form."""
    return get_method(method).parse_spec(spec)


def validator(method: str, spec: Mapping[str, Any]) -> ChoiceValidator:
    """The choice check for `ballots.admit_ballot`."""
    entry = get_method(method)
    parsed = entry.parse_spec(spec)

    def validate(ballot: Ballot) -> None:
        entry.validate(parsed, ballot)

    return validate


def tally(
    method: str,
    spec: Mapping[str, Any],
    electorate: Electorate,
    ballots: Iterable[Ballot],
    charter: Charter,
    seed: bytes | None = None,
    *,
    proposal_id: str = "",
    author_member_id: str | None = None,
    departed: frozenset[str] = frozenset(),
    log_head: str | None = None,
) -> ResultRecord:
    """Tally the ballot log of one proposal.

    `ballots` is the whole log (replaced ballots included), `departed` the members who left
    after the record date. Without a `seed`, a lot is seeded by sha256(proposal id || inputs
    hash), which any node can recompute.
    """
    entry = get_method(method)
    parsed = entry.parse_spec(spec)
    counted = effective_ballots(
        ballots, electorate, charter, author_member_id=author_member_id, departed=departed
    )

    checked = _check_all(counted.ballots, entry, parsed)
    charter_digest = charter_hash(charter)
    electorate_digest = electorate.electorate_hash()
    digest = inputs_hash(method, spec, charter_digest, electorate_digest, checked)
    lot = seed if seed is not None else lot_seed(proposal_id, digest)
    outcome = entry.run(parsed, electorate, checked, charter, lot)
    heads = sum(1 for ballot in checked if ballot.kind is not BallotKind.INVALID)
    met = outcome.quorum_met
    status = outcome.status
    if met is None:
        met = quorum_met(heads, electorate.size, charter.quorum)
        status = status if met else DecisionStatus.NO_QUORUM
    return ResultRecord(
        proposal_id=proposal_id,
        method=method,
        spec=spec,
        charter_hash=charter_digest,
        electorate_hash=electorate_digest,
        electorate_size=electorate.size,
        turnout=heads,
        quorum_met=met,
        status=status,
        counts=_plain(outcome.counts),
        detail=_plain(outcome.detail),
        inputs_hash=digest,
        tie=None if outcome.tie is None else _plain(outcome.tie),
        lot_seed=lot.hex() if charter.tie_break is TieBreak.LOT else None,
        log_head=log_head,
        set_aside={
            "outside_electorate": counted.outside_electorate,
            "revoked": counted.revoked,
            "author_refused": counted.author_refused,
        },
    )


def _check_all(ballots: Iterable[Ballot], entry: MethodEntry, parsed: Any) -> list[Ballot]:
    """Re-validate every counted ballot; identical choices are validated once.

    100,000 ballots usually hold a few hundred distinct choices, so the memo saves most of
    the work.
    """
    verdicts: dict[tuple[Any, ...], Ballot | None] = {}

    def validate(ballot: Ballot) -> None:
        entry.validate(parsed, ballot)

    out: list[Ballot] = []
    for ballot in ballots:
        if ballot.kind is not BallotKind.CAST:
            out.append(ballot)
            continue
        key = _memo_key(ballot)
        if key is None:
            out.append(check_choice(ballot, validate))
            continue
        if key not in verdicts:
            checked = check_choice(ballot, validate)
            verdicts[key] = None if checked is ballot else checked
            out.append(checked)
            continue
        invalid = verdicts[key]
        if invalid is not None:
            ballot = replace(ballot, kind=invalid.kind, invalid_reason=invalid.invalid_reason)
        out.append(ballot)
    return out


_SCALARS = (str, int, bool, type(None))


def _memo_key(ballot: Ballot) -> tuple[Any, ...] | None:
    """A hashable key that keeps each value's type (1, 1.0 and True never share a verdict),
    for the payload shapes of the methods: a scalar, a list of strings, or an object of
    string → scalar. None for anything else: validated without the memo."""
    choice = ballot.choice
    kind = type(choice)
    if kind in _SCALARS:
        return (kind, choice, ballot.reason)
    if kind is list and all(type(item) is str for item in choice):
        return (list, tuple(choice), ballot.reason)
    if kind is dict and all(type(k) is str and type(v) in _SCALARS for k, v in choice.items()):
        items = tuple((k, type(v), v) for k, v in choice.items())
        return (dict, items, ballot.reason)
    return None


def _plain(value: Mapping[str, Any]) -> dict[str, Any]:
    """The record keeps JSON values (fractions as "p/q"), exactly what its bytes say."""
    plain = to_jsonable(value)
    assert isinstance(plain, dict)
    return plain


__all__ = [
    "REGISTRY",
    "MethodEntry",
    "UnknownMethod",
    "get_method",
    "parse_spec",
    "tally",
    "validator",
]
