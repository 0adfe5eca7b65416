"""Casting a vote: THE single entry for local votes and remote votes alike.

The voter is named by actor IRI; the member bound to that actor votes (or the member whose
linked account it is: one member, one ballot, whichever account votes). Governance decides (in
the electorate frozen at opening? open? late by the home clock? author allowed? may a
ballot change?) and the admitted ballot is appended to the proposal's hash-chained log.
Expected refusals come back as a `VoteOutcome` with a reason rather than an exception:
a remote voter is told that reason in a private note.

An abstention is the choice "abstain" (a name no method allows as an option).

A proxy holder votes for a grantor through this same entry (`on_behalf_of`, issue 18): the
ballot is the grantor's (her member id, her place in the electorate, her one vote) and names
the holder in `cast_by`. The grantor's own ballot always overrides it, whichever came first:
a proxy ballot after hers is refused, hers after a proxy ballot replaces it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
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
from coopfed.governance.log import BallotLog
from coopfed.governance.members import MemberStatus
from coopfed.governance.proposal import ProposalState
from coopfed.governance.proxies import ProxyRefused, check_proxy_ballot
from coopfed.node import Node
from coopfed.services.account_links import member_for_actor
from coopfed.services.members import GONE
from coopfed.services.proposals import slug_of
from coopfed.store import ballots as ballot_store
from coopfed.store import members as member_store
from coopfed.store import proposals as proposal_store
from coopfed.store import proxies as proxy_store
from coopfed.store.members import MemberRecord
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
    NO_PROXY = "no_proxy"  # the voter holds no proxy of that member for this proposal
    GRANTOR_VOTED = "grantor_voted"  # the grantor has voted herself: her ballot counts


@dataclass(frozen=True)
class VoteOutcome:
    status: VoteStatus
    message: str
    proposal_uri: str | None = None
    member_id: str | None = None
    kind: BallotKind | None = None
    receipt: str | None = None  # the entry hash of the ballot in the log
    reason: VoteRefusal | None = None
    cast_by: str | None = None  # the holder's member id, for a ballot cast by proxy

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
    on_behalf_of: str | None = None,
) -> VoteOutcome:
    """Cast `voter`'s (actor IRI) ballot on `proposal` (slug or IRI) in its own transaction;
    with `on_behalf_of` (a member id), the ballot of the member whose proxy `voter` holds.

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
                    on_behalf_of=on_behalf_of,
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
    on_behalf_of: str | None = None,
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
    return await _admit_and_log(
        conn, fresh, voter, choice, now, activity_id, reason, keep_invalid, on_behalf_of
    )


async def _admit_and_log(
    conn: AsyncConnection,
    record: ProposalRecord,
    voter: str,
    choice: Any,
    now: datetime,
    activity_id: str | None,
    reason: str,
    keep_invalid: bool,
    on_behalf_of: str | None,
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
    owner, holder = member, None
    if on_behalf_of is not None and on_behalf_of != member.member_id:
        grantor = await _grantor(conn, record, member, on_behalf_of, log, now)
        if isinstance(grantor, VoteOutcome):
            return grantor
        owner, holder = grantor, member
    by_proxy = holder is not None
    mine = [e.ballot for e in log if e.ballot.member_id == owner.member_id]
    already = any(b.by_proxy == by_proxy for b in mine)
    try:
        admitted = admit_ballot(
            proposal.voting_context(),
            _ballot(owner.member_id, choice, now, reason),
            now,
            validate=methods.validator(proposal.method, proposal.spec),
            already_voted=already,
            still_member=_still_member(owner),
        )
    except BallotError as error:
        return _refused(VoteRefusal(error.reason.value), str(error), uri)
    if admitted.kind is BallotKind.INVALID and not keep_invalid:
        return _refused(VoteRefusal.INVALID_CHOICE, admitted.invalid_reason, uri)
    if holder is not None:
        admitted = replace(admitted, cast_by=holder.member_id)
    entry = log.append(admitted)
    await ballot_store.append_entry(
        conn,
        proposal_row_id=record.row_id,
        member_row_id=owner.row_id,
        entry=entry,
        source_actor_uri=voter,
        activity_id=activity_id,
    )
    status, message = _counted(owner, holder, already, replaces_proxy=bool(mine) and not by_proxy)
    if admitted.kind is BallotKind.INVALID:
        status, message = VoteStatus.INVALID, f"logged as invalid: {admitted.invalid_reason}"
    return VoteOutcome(
        status, message, uri, owner.member_id, admitted.kind, entry.entry_hash,
        cast_by=admitted.cast_by,
    )  # fmt: skip


def _still_member(member: MemberRecord) -> bool:
    # A suspended member is removed from the roll too: no new ballots until reinstated.
    status = member.member.status
    return status not in GONE and status is not MemberStatus.SUSPENDED


def _counted(
    owner: MemberRecord, holder: MemberRecord | None, already: bool, *, replaces_proxy: bool
) -> tuple[VoteStatus, str]:
    if holder is not None:
        if already:
            return VoteStatus.REPLACED, f"your ballot for {owner.handle} replaces your earlier one"
        return VoteStatus.COUNTED, f"your ballot for {owner.handle} counts"
    if already:
        return VoteStatus.REPLACED, "your ballot replaces your earlier one"
    if replaces_proxy:
        return VoteStatus.REPLACED, "your ballot replaces the one cast for you by proxy"
    return VoteStatus.COUNTED, "your ballot counts"


async def _grantor(
    conn: AsyncConnection,
    record: ProposalRecord,
    holder: MemberRecord,
    grantor_id: str,
    log: BallotLog,
    now: datetime,
) -> MemberRecord | VoteOutcome:
    """The member `holder` votes for, or the refusal: no proxy in force, or she voted."""
    uri = record.uri
    if not _still_member(holder):
        message = f"{holder.handle} is {holder.member.status.value}: she cannot vote by proxy"
        return _refused(VoteRefusal.NO_LONGER_MEMBER, message, uri)
    grantor = await member_store.get_by_member_id(conn, grantor_id)
    if grantor is None:
        return _refused(VoteRefusal.NO_PROXY, f"no member {grantor_id!r}", uri)
    grants = await proxy_store.grants_for_voting(conn, record.row_id, now)
    names = {m.member_id: m.handle for m in (grantor, holder)}
    try:
        check_proxy_ballot(
            record.proposal.charter.proxies, grants,
            grantor=grantor.member_id, holder=holder.member_id, proposal_id=uri, at=now,
            names=names,
        )  # fmt: skip
    except ProxyRefused as error:
        return _refused(VoteRefusal.NO_PROXY, str(error), uri)
    if any(e.ballot.member_id == grantor.member_id and not e.ballot.by_proxy for e in log):
        message = f"{grantor.handle} has voted herself: her own ballot counts"
        return _refused(VoteRefusal.GRANTOR_VOTED, message, uri)
    return grantor


def _ballot(member_id: str, choice: Any, now: datetime, reason: str) -> Ballot:
    if choice == ABSTAIN:
        return abstain(member_id, now, reason)
    return cast(member_id, choice, now, reason)
