"""Casting a vote: THE single entry for local votes and remote votes alike.

The voter is named by actor IRI; the member bound to that actor votes (or the member whose
linked account it is: one member, one ballot, whichever account votes). Governance decides (in
the electorate frozen at opening? open? late by the home clock? author allowed? may a
ballot change?) and the admitted ballot is appended to the proposal's hash-chained log.
Expected refusals come back as a `VoteOutcome` with a reason rather than an exception:
a remote voter is told that reason in a private note.

An abstention is the choice "abstain" (a name no method allows as an option).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed import metrics
from coopfed.governance import methods
from coopfed.governance.ballots import (
    Ballot,
    BallotError,
    BallotKind,
    abstain,
    admit_ballot,
    cast,
)
from coopfed.governance.members import MemberStatus
from coopfed.governance.proposal import ProposalState
from coopfed.node import Node
from coopfed.services.account_links import member_for_actor
from coopfed.services.members import GONE
from coopfed.services.proposals import slug_of
from coopfed.store import ballots as ballot_store
from coopfed.store import proposals as proposal_store
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris

ABSTAIN = "abstain"
RETRIES = 5


class VoteStatus(enum.StrEnum):
    COUNTED = "counted"  # the member's first ballot
    REPLACED = "replaced"  # a later ballot that replaces the member's earlier one
    INVALID = "invalid"  # logged as invalid: counted apart, never in quorum
    DUPLICATE = "duplicate"  # this activity was already recorded; nothing new stored
    REFUSED = "refused"  # nothing stored; `reason` says why


class VoteRefusal(enum.StrEnum):
    UNKNOWN_PROPOSAL = "unknown_proposal"
    NOT_A_MEMBER = "not_a_member"
    NOT_OPEN = "not_open"
    LATE = "late"
    NOT_IN_ELECTORATE = "not_in_electorate"
    NO_LONGER_MEMBER = "no_longer_member"
    AUTHOR_MAY_NOT_VOTE = "author_may_not_vote"
    CHANGE_NOT_ALLOWED = "change_not_allowed"
    INVALID_CHOICE = "invalid_choice"


@dataclass(frozen=True)
class VoteOutcome:
    status: VoteStatus
    message: str
    proposal_uri: str | None = None
    member_id: str | None = None
    kind: BallotKind | None = None
    receipt: str | None = None  # the entry hash of the ballot in the log
    reason: VoteRefusal | None = None

    @property
    def stored(self) -> bool:
        return self.status in (VoteStatus.COUNTED, VoteStatus.REPLACED, VoteStatus.INVALID)


def _refused(reason: VoteRefusal, message: str, proposal_uri: str | None = None) -> VoteOutcome:
    return VoteOutcome(VoteStatus.REFUSED, message, proposal_uri, reason=reason)


async def cast_vote(
    node: Node,
    proposal: str,
    voter: str,
    choice: Any,
    *,
    now: datetime | None = None,
    activity_id: str | None = None,
    reason: str = "",
    keep_invalid: bool = True,
) -> VoteOutcome:
    """Cast `voter`'s (actor IRI) ballot on `proposal` (slug or IRI) in its own transaction.

    `now` defaults to the node clock: the home clock decides lateness, never the sender's.
    The same `activity_id` twice from one voter stores one ballot, even when both arrive at
    once; another actor's use of that id is not this voter's.
    `keep_invalid=False` (the admin CLI) refuses a choice the method cannot count instead
    of logging it as an invalid ballot.
    """
    moment = node.now() if now is None else now
    for attempt in range(RETRIES):
        try:
            async with node.engine.begin() as conn:
                outcome = await cast_vote_in(
                    conn, node.uris, proposal, voter, choice, moment,
                    activity_id=activity_id, reason=reason, keep_invalid=keep_invalid,
                )  # fmt: skip
            count_vote(outcome, "local")
            return outcome
        except IntegrityError:
            # Lost a race on the activity id or the log position: the retry sees the winner.
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def count_vote(outcome: VoteOutcome, source: str) -> None:
    """For /metrics, once the ballot's unit of work committed (`local`: web and CLI)."""
    metrics.VOTES.labels(source, outcome.status.value).inc()


async def cast_vote_in(
    conn: AsyncConnection,
    uris: Uris,
    proposal: str,
    voter: str,
    choice: Any,
    now: datetime,
    *,
    activity_id: str | None = None,
    reason: str = "",
    keep_invalid: bool = True,
) -> VoteOutcome:
    """`cast_vote` inside the caller's unit of work (the inbox stores its outbox rows too)."""
    record = await proposal_store.get_by_slug(conn, slug_of(uris, proposal))
    if record is None:
        return _refused(VoteRefusal.UNKNOWN_PROPOSAL, f"no proposal {proposal!r} here")
    await proposal_store.lock(conn, record.row_id, now)
    if activity_id is not None:
        seen = await ballot_store.find_by_activity(conn, voter, activity_id)
        if seen is not None:
            ballot = seen.entry.ballot
            return VoteOutcome(
                VoteStatus.DUPLICATE, "this vote was already recorded", seen.entry.proposal_id,
                ballot.member_id, ballot.kind, seen.entry.entry_hash,
            )  # fmt: skip
    fresh = await proposal_store.get_by_slug(conn, record.slug)
    assert fresh is not None
    return await _admit_and_log(conn, fresh, voter, choice, now, activity_id, reason, keep_invalid)


async def _admit_and_log(
    conn: AsyncConnection,
    record: ProposalRecord,
    voter: str,
    choice: Any,
    now: datetime,
    activity_id: str | None,
    reason: str,
    keep_invalid: bool,
) -> VoteOutcome:
    uri = record.uri
    # The member bound to the voter's actor, or the one it is a linked account of.
    member = await member_for_actor(conn, voter)
    if member is None:
        return _refused(VoteRefusal.NOT_A_MEMBER, "only members' votes count", uri)
    proposal = record.proposal
    if proposal.state is not ProposalState.OPEN:
        return _refused(VoteRefusal.NOT_OPEN, f"this proposal is {proposal.state.value}", uri)
    log = await ballot_store.load_log(conn, record.row_id, uri)
    already = log.has_voted(member.member_id)
    try:
        admitted = admit_ballot(
            proposal.voting_context(),
            _ballot(member.member_id, choice, now, reason),
            now,
            validate=methods.validator(proposal.method, proposal.spec),
            already_voted=already,
            # A suspended member is removed from the roll too: no new ballots until reinstated.
            still_member=member.member.status not in GONE
            and member.member.status is not MemberStatus.SUSPENDED,
        )
    except BallotError as error:
        return _refused(VoteRefusal(error.reason.value), str(error), uri)
    if admitted.kind is BallotKind.INVALID and not keep_invalid:
        return _refused(VoteRefusal.INVALID_CHOICE, admitted.invalid_reason, uri)
    entry = log.append(admitted)
    await ballot_store.append_entry(
        conn,
        proposal_row_id=record.row_id,
        member_row_id=member.row_id,
        entry=entry,
        source_actor_uri=voter,
        activity_id=activity_id,
    )
    status = VoteStatus.REPLACED if already else VoteStatus.COUNTED
    message = "your ballot replaces your earlier one" if already else "your ballot counts"
    if admitted.kind is BallotKind.INVALID:
        status, message = VoteStatus.INVALID, f"logged as invalid: {admitted.invalid_reason}"
    return VoteOutcome(status, message, uri, member.member_id, admitted.kind, entry.entry_hash)


def _ballot(member_id: str, choice: Any, now: datetime, reason: str) -> Ballot:
    if choice == ABSTAIN:
        return abstain(member_id, now, reason)
    return cast(member_id, choice, now, reason)
