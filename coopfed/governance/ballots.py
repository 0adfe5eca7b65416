"""Ballots: what a member cast, when the home node received it, and which ballot counts.

Refusals (late, not open, not in the electorate, author self-vote, change not allowed) raise
`BallotError` and nothing is stored. A ballot whose choice fails the method's validation is
kept as `invalid`: it is logged and counted apart, never in quorum.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from coopfed.governance.canonical import rfc3339, to_jsonable
from coopfed.governance.charter import Charter
from coopfed.governance.electorate import Electorate
from coopfed.governance.errors import GovernanceError


class BallotKind(enum.StrEnum):
    CAST = "cast"
    ABSTAIN = "abstain"
    INVALID = "invalid"


class BallotRefusal(enum.StrEnum):
    NOT_OPEN = "not_open"
    LATE = "late"
    NOT_IN_ELECTORATE = "not_in_electorate"
    NO_LONGER_MEMBER = "no_longer_member"
    AUTHOR_MAY_NOT_VOTE = "author_may_not_vote"
    CHANGE_NOT_ALLOWED = "change_not_allowed"
    INVALID_CHOICE = "invalid_choice"


class BallotError(GovernanceError):
    """A ballot refused (or, for INVALID_CHOICE, a choice the method cannot count)."""

    def __init__(self, reason: BallotRefusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Ballot:
    """One ballot. `choice` is the method's JSON payload (None for an abstention).

    `reason` is the voter's free text (required with a consent objection);
    `invalid_reason` says why validation turned the ballot `invalid`. `cast_by` is the member
    who cast it for `member_id` by proxy (governance/proxies.py), None for her own ballot.
    """

    member_id: str
    kind: BallotKind
    choice: Any
    cast_at: datetime
    reason: str = ""
    invalid_reason: str = ""
    cast_by: str | None = None

    @property
    def by_proxy(self) -> bool:
        return self.cast_by is not None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "member_id": self.member_id,
            "kind": self.kind.value,
            "choice": to_jsonable(self.choice),
            "cast_at": rfc3339(self.cast_at),
            "reason": self.reason,
            "invalid_reason": self.invalid_reason,
        }
        # Only when present: a member's own ballot hashes exactly as before proxies existed.
        if self.cast_by is not None:
            data["cast_by"] = self.cast_by
        return data

    def counted_form(self) -> list[Any]:
        """[member id, kind, choice]: what a tally depends on (no times, no free text).

        An invalid ballot's payload is left out (null): the tally does not depend on it, and
        it may hold anything a remote server sent, even values canonical JSON refuses.
        """
        choice = self.choice if self.kind is BallotKind.CAST else None
        return [self.member_id, self.kind.value, choice]


def cast(member_id: str, choice: Any, at: datetime, reason: str = "") -> Ballot:
    return Ballot(member_id, BallotKind.CAST, choice, at, reason)


def abstain(member_id: str, at: datetime, reason: str = "") -> Ballot:
    return Ballot(member_id, BallotKind.ABSTAIN, None, at, reason)


ChoiceValidator = Callable[[Ballot], None]
"""Raises BallotError(INVALID_CHOICE, ...) when the method cannot count the ballot."""


@dataclass(frozen=True, slots=True)
class VotingContext:
    """What admitting a ballot needs to know about its proposal."""

    electorate: Electorate
    charter: Charter
    author_member_id: str
    is_open: bool
    closes_at: datetime


def admit_ballot(
    context: VotingContext,
    ballot: Ballot,
    now: datetime,
    *,
    validate: ChoiceValidator,
    already_voted: bool = False,
    still_member: bool = True,
) -> Ballot:
    """Check a ballot against the rules; return it stamped with the home clock `now`.

    Raises BallotError for a refusal. A failed choice validation returns an `invalid` ballot.
    """
    _refuse_if_closed(context, now)
    member_id = ballot.member_id
    if member_id not in context.electorate:
        raise BallotError(
            BallotRefusal.NOT_IN_ELECTORATE,
            f"{member_id} is not in this proposal's electorate (frozen when it opened)",
        )
    if not still_member:
        raise BallotError(BallotRefusal.NO_LONGER_MEMBER, f"{member_id} is no longer a member")
    if member_id == context.author_member_id and not context.charter.author_may_vote:
        raise BallotError(
            BallotRefusal.AUTHOR_MAY_NOT_VOTE, "the charter forbids the author to vote"
        )
    if already_voted and not context.charter.ballots_may_change:
        raise BallotError(
            BallotRefusal.CHANGE_NOT_ALLOWED, "the charter does not allow changing a ballot"
        )
    stamped = replace(ballot, cast_at=now, invalid_reason="")
    return check_choice(stamped, validate)


def _refuse_if_closed(context: VotingContext, now: datetime) -> None:
    if not context.is_open:
        raise BallotError(BallotRefusal.NOT_OPEN, "this proposal is not open for voting")
    if now >= context.closes_at:
        raise BallotError(
            BallotRefusal.LATE, f"voting closed at {rfc3339(context.closes_at)} (home clock)"
        )


def check_choice(ballot: Ballot, validate: ChoiceValidator) -> Ballot:
    """Return the ballot, or the same ballot marked `invalid` with the validator's reason."""
    if ballot.kind is not BallotKind.CAST:
        return ballot
    try:
        validate(ballot)
    except BallotError as error:
        return replace(ballot, kind=BallotKind.INVALID, invalid_reason=str(error))
    return ballot


def invalid_choice(message: str) -> BallotError:
    return BallotError(BallotRefusal.INVALID_CHOICE, message)


@dataclass(frozen=True, slots=True)
class CountedBallots:
    """The ballots that count (one per member, sorted by member id) and what was set aside."""

    ballots: tuple[Ballot, ...]
    outside_electorate: int = 0
    revoked: int = 0
    author_refused: int = 0


def effective_ballots(
    log_ballots: Iterable[Ballot],
    electorate: Electorate,
    charter: Charter,
    *,
    author_member_id: str | None = None,
    departed: frozenset[str] = frozenset(),
) -> CountedBallots:
    """One ballot per member: the latest (or, if changes are not allowed, the first).

    Order is by `cast_at` (the home clock), ties by position in the log, so a tally does not
    depend on how ballots from different members are interleaved. A member's own ballot always
    overrides one a proxy holder cast for her, whichever came first (governance/proxies.py).
    `departed` are members who left after the record date; their ballots are dropped only if
    the charter revokes them.
    """
    chosen: dict[str, Ballot] = {}
    outside = author = 0
    keep_latest = charter.ballots_may_change
    for ballot in log_ballots:
        member_id = ballot.member_id
        if member_id not in electorate:
            outside += 1
            continue
        if member_id == author_member_id and not charter.author_may_vote:
            author += 1
            continue
        previous = chosen.get(member_id)
        if previous is None or _replaces(ballot, previous, keep_latest):
            chosen[member_id] = ballot
    revoked = 0
    if charter.revoke_ballot_on_leave:
        revoked = sum(1 for member_id in departed if chosen.pop(member_id, None) is not None)
    ordered = tuple(chosen[member_id] for member_id in sorted(chosen))
    return CountedBallots(ordered, outside, revoked, author)


def _replaces(new: Ballot, old: Ballot, keep_latest: bool) -> bool:
    if new.by_proxy != old.by_proxy:
        return old.by_proxy  # her own ballot wins over the holder's, before or after
    if keep_latest:
        return new.cast_at >= old.cast_at
    return new.cast_at < old.cast_at


def ballots_by_member(ballots: Iterable[Ballot]) -> Mapping[str, Ballot]:
    return {ballot.member_id: ballot for ballot in ballots}
