"""Votes tapped in Mastodon-compatible polls: turned into ballots by the same `cast_vote`
service as local votes, inside the inbox worker's transaction.

- The option must be one of the poll's; methods a poll cannot show are voted on the web page.
- meeting@1 is a multiple-choice poll of its slots: each tap is a "yes" for that slot, the
  slots not tapped count as "no" (answers of "if need be" are given on the web page).
- Multiple choice: Mastodon sends one Create per chosen option. Mastodon never changes a vote,
  so every option an actor taps on one poll belongs to one ballot: each Create replaces that
  actor's earlier poll ballot with the union of the options (one ballot per member counts).
- The home clock decides lateness: the time the inbox committed the activity, never a date the
  sender wrote.
- A refused vote (not a member, not in the electorate, late...) earns the voter one private
  note saying why (Mastodon ignores a Reject of a vote); a counted one schedules a coalesced
  Update(Question) and earns the voter a private note with the ballot's receipt, so a member
  voting from Mastodon can check the log as a local voter can (issue 14).
- Before anything else, the voter must be someone who may see the proposal
  (`audience.may_see_proposal`): to anyone else a members-only or allies-only proposal, or a
  draft, is a vote on nothing of ours: ignored as an unknown IRI is, no note, nothing stored
  (the note would quote its title and options: issue 13, hole 1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.polls import TAP_MEANS_YES, PollKind, poll_kind, poll_options
from coopfed.federation.mapping.votes import (
    CountedNotice,
    RemoteVote,
    VoteNotice,
    counted_notice_to_ap,
    vote_notice_to_ap,
)
from coopfed.governance.canonical import rfc3339
from coopfed.services import audience, proposal_publishing
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, publish
from coopfed.services.proposals import slug_of
from coopfed.services.votes import (
    VoteOutcome,
    VoteRefusal,
    VoteStatus,
    cast_vote_in,
    count_vote,
)
from coopfed.store import proposals as proposal_store
from coopfed.store import question_updates as update_store
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris


@dataclass(frozen=True)
class RemoteVoteResult:
    """What happened to one vote activity; `notice_sent` when the voter was told why."""

    status: str  # a VoteStatus value, or "ignored" (not a proposal of ours)
    message: str
    notice_sent: bool = False


def _not_a_member_text(record: ProposalRecord) -> str:
    return (
        "only members of the co-op vote, and this account is not bound to a member."
        " Following the co-op does not make you a member; a member can link this account"
        " from their page on the co-op's site."
    )


async def record_remote_vote(
    conn: AsyncConnection, uris: Uris, vote: RemoteVote, received_at: datetime
) -> RemoteVoteResult:
    record = await proposal_store.get_by_slug(conn, slug_of(uris, vote.question))
    if record is None or record.uri != vote.question:
        return RemoteVoteResult("ignored", "not one of our proposals")
    if not await audience.may_see_proposal(conn, record, vote.voter):
        # The same answer as for an IRI we never minted: nothing here exists for this voter.
        return RemoteVoteResult("ignored", "not one of our proposals")
    proposal = record.proposal
    kind = poll_kind(proposal.method, proposal.spec)
    options = poll_options(proposal.method, proposal.spec)
    page = record.uri
    if kind is None:
        reason = f"this proposal is decided by {proposal.method}; vote on its page, {page}"
        return await _refuse(conn, uris, record, vote, "web_only", reason, received_at)
    if vote.option not in options:
        reason = f"“{vote.option[:100]}” is not one of the options ({', '.join(options)})"
        return await _refuse(conn, uris, record, vote, "unknown_option", reason, received_at)
    if proposal.method == "consent@1" and vote.option == "objection":
        reason = f"an objection needs a reason: object on the proposal's page, {page}"
        return await _refuse(conn, uris, record, vote, "objection", reason, received_at)
    choice = await _choice(conn, record, vote, kind, options)
    outcome = await cast_vote_in(
        conn, uris, record.slug, vote.voter, choice, received_at, activity_id=vote.activity_id
    )
    count_vote(outcome, "federated")
    return await _after(conn, uris, record, vote, outcome, received_at)


async def _choice(
    conn: AsyncConnection,
    record: ProposalRecord,
    vote: RemoteVote,
    kind: PollKind,
    options: tuple[str, ...],
) -> Any:
    if kind is PollKind.ONE_OF:
        # approval@1 with max_choices 1 still takes a list; motions take the option itself.
        return [vote.option] if record.proposal.method == "approval@1" else vote.option
    previous = await update_store.latest_remote_choice(conn, record.row_id, vote.voter)
    chosen = {vote.option}
    if isinstance(previous, list):
        chosen.update(option for option in previous if isinstance(option, str))
    if record.proposal.method in TAP_MEANS_YES:
        # meeting@1: each tapped slot is a "yes"; the slots not tapped count as "no".
        if isinstance(previous, dict):
            chosen.update(slot for slot, answer in previous.items() if answer == "yes")
        return {slot: "yes" for slot in options if slot in chosen}
    return [option for option in options if option in chosen]


async def _after(
    conn: AsyncConnection,
    uris: Uris,
    record: ProposalRecord,
    vote: RemoteVote,
    outcome: VoteOutcome,
    now: datetime,
) -> RemoteVoteResult:
    if outcome.status is VoteStatus.REFUSED:
        assert outcome.reason is not None
        reason = outcome.message
        if outcome.reason is VoteRefusal.NOT_A_MEMBER:
            reason = _not_a_member_text(record)
        return await _refuse(conn, uris, record, vote, outcome.reason.value, reason, now)
    if outcome.stored:
        fresh = await proposal_store.get_by_slug(conn, record.slug)
        assert fresh is not None
        await proposal_publishing.tally_changed(conn, fresh, now)
        if outcome.receipt is not None:
            await _send_receipt(conn, uris, record, vote, outcome, now)
            return RemoteVoteResult(outcome.status.value, outcome.message, notice_sent=True)
    return RemoteVoteResult(outcome.status.value, outcome.message)


async def _send_receipt(
    conn: AsyncConnection,
    uris: Uris,
    record: ProposalRecord,
    vote: RemoteVote,
    outcome: VoteOutcome,
    now: datetime,
) -> None:
    """One note per stored ballot: a later tap (multiple choice) is a new ballot, a new receipt."""
    assert outcome.receipt is not None
    note_id = f"{record.uri}/receipts/{outcome.receipt[:24]}"
    coop = await coop_actor(conn)
    notice = CountedNotice(
        note_id=note_id,
        activity_id=f"{note_id}/activity",
        coop_actor=uris.actor(coop.username),
        voter=vote.voter,
        question=record.uri,
        title=record.proposal.title,
        receipt=outcome.receipt,
        invalid=outcome.status is VoteStatus.INVALID,
        published=rfc3339(now),
    )
    audience = Audience(actors=(vote.voter,))
    await publish(
        conn, sender=coop, activity=counted_notice_to_ap(notice), audience=audience, now=now
    )


async def _refuse(
    conn: AsyncConnection,
    uris: Uris,
    record: ProposalRecord,
    vote: RemoteVote,
    code: str,
    reason: str,
    now: datetime,
) -> RemoteVoteResult:
    """Tell the voter why, once per (proposal, voter, reason)."""
    digest = hashlib.sha256(f"{vote.voter}\n{code}".encode()).hexdigest()[:24]
    note_id = f"{record.uri}/notices/{digest}"
    activity_id = f"{note_id}/activity"
    if await update_store.outbox_has(conn, activity_id):
        return RemoteVoteResult(VoteStatus.REFUSED.value, reason)
    coop = await coop_actor(conn)
    notice = VoteNotice(
        note_id=note_id,
        activity_id=activity_id,
        coop_actor=uris.actor(coop.username),
        voter=vote.voter,
        question=record.uri,
        title=record.proposal.title,
        reason=reason,
        published=rfc3339(now),
    )
    audience = Audience(actors=(vote.voter,))
    await publish(conn, sender=coop, activity=vote_notice_to_ap(notice), audience=audience, now=now)
    return RemoteVoteResult(VoteStatus.REFUSED.value, reason, notice_sent=True)
