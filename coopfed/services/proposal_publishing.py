"""Publishing proposals to the fediverse: Create(Question) at opening, Update(Question) for
tallies (coalesced), at close and at withdrawal — always in the caller's transaction, so the
state change and its deliveries commit together (transactional outbox).

Audiences (decided in services/audience.py): public proposals go to the co-op's followers;
allies-only ones to the co-ops with an active alliance; members-only ones to the electorate's
members who are active now and their linked accounts, each in its own copy: the same Question
id, `to`/`tag` naming only that recipient, delivered to that recipient's own inbox (never a
shared inbox, which would let a server show one copy to all its users, and never to
followers), so no member learns who else is a member or which accounts they linked. Tally and
closing Updates also go to every voter who may still see the proposal.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.polls import poll_kind, poll_tally
from coopfed.federation.mapping.proposals import (
    ProposalView,
    Visibility,
    counts_visible,
    proposal_to_question,
    question_create_activity,
    question_update_activity,
)
from coopfed.governance.proposal import ProposalState
from coopfed.node import Node
from coopfed.services import audience
from coopfed.services.members import coop_actor
from coopfed.services.object_proofs import sign_if_final
from coopfed.store import ballots as ballot_store
from coopfed.store import comments as comment_store
from coopfed.store import proposals as proposal_store
from coopfed.store import question_updates as update_store
from coopfed.store.actors import LocalActor
from coopfed.store.comments import Thread
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris

# At most one tally Update per proposal per interval (Mastodon debounces its own by ~3 min).
UPDATE_INTERVAL = timedelta(seconds=30)
UPDATE_BATCH = 20


async def proposal_view(
    conn: AsyncConnection, uris: Uris, record: ProposalRecord, named: Sequence[str] = ()
) -> ProposalView:
    """Everything the Question shows, read in the caller's transaction. `named`: who a
    members-only Question names (the one recipient of a copy, or the reader of a GET)."""
    coop = await coop_actor(conn)
    proposal = record.proposal
    # The stored rows as they are: a chain broken behind the node's back must not make the
    # Question unservable (compute_result re-verifies it before any tally that decides).
    log = await ballot_store.load_entries(conn, record.row_id, record.uri)
    ballots = [entry.ballot for entry in log]
    tally = poll_tally(proposal, ballots) if proposal.electorate is not None else None
    visibility = Visibility(record.visibility)
    allies = visibility is Visibility.ALLIES
    return ProposalView(
        proposal=proposal,
        body=record.body,
        visibility=visibility,
        coop_actor=uris.actor(coop.username),
        coop_followers=uris.followers(coop.username),
        tally=tally,
        member_actors=tuple(named) if visibility is Visibility.MEMBERS else (),
        ally_actors=await audience.active_ally_actors(conn) if allies else (),
        comment_ids=await comment_store.visible_comment_uris(
            conn, Thread.of_proposal(record.row_id)
        ),
        log_head=log[-1].entry_hash if log else None,
        log_length=len(log),
        result=record.result,
        joint_proposal=record.joint_proposal_uri,
    )


async def served_question(
    conn: AsyncConnection, uris: Uris, record: ProposalRecord, reader: str | None = None
) -> dict[str, Any]:
    """The Question GET answers (to a reader `audience.may_see_proposal` let through): a
    members-only one names only that reader; a decided one is signed as in its final Update."""
    named = () if reader is None else (reader,)
    question = proposal_to_question(await proposal_view(conn, uris, record, named))
    return sign_if_final(await coop_actor(conn), uris, record, question)


def _sequence(now: datetime) -> int:
    """Update ids must differ: microseconds of the publishing time, then of the wall clock."""
    return int(now.timestamp() * 1_000_000) or time.time_ns() // 1000


async def publish_opened(
    conn: AsyncConnection, uris: Uris, record: ProposalRecord, now: datetime
) -> None:
    """Create(Question) by the co-op, for a proposal that just opened."""
    recipients = await audience.proposal_recipients(conn, record)
    await _publish(conn, uris, record, now, await coop_actor(conn), recipients, None)


async def publish_changed(
    conn: AsyncConnection, uris: Uris, record: ProposalRecord, now: datetime
) -> None:
    """Update(Question) now: at close (with `closed` and the result) or at withdrawal."""
    if record.proposal.opened_at is None:
        return  # a withdrawn draft was never published
    await _publish_update(conn, uris, record, now, await coop_actor(conn))
    await update_store.mark_published(conn, record.row_id, now)


async def _publish_update(
    conn: AsyncConnection,
    uris: Uris,
    record: ProposalRecord,
    now: datetime,
    sender: LocalActor,
) -> None:
    voters = await update_store.voter_actors(conn, record.row_id)
    recipients = await audience.update_recipients(conn, record, voters)
    await _publish(conn, uris, record, now, sender, recipients, _sequence(now))


async def _publish(
    conn: AsyncConnection,
    uris: Uris,
    record: ProposalRecord,
    now: datetime,
    sender: LocalActor,
    recipients: Sequence[str],
    sequence: int | None,
) -> None:
    """The Create (`sequence` None) or an Update: one activity for public and allies-only
    proposals, one copy per remote recipient for members-only ones."""
    view = await proposal_view(conn, uris, record)

    def activity_of(member: str | None) -> dict[str, Any]:
        shown = view if member is None else replace(view, member_actors=(member,))
        question = sign_if_final(sender, uris, record, proposal_to_question(shown))
        if sequence is None:
            return question_create_activity(question)
        return question_update_activity(question, sequence=sequence)

    await audience.publish_to_visibility(
        conn,
        sender=sender,
        coop=view.coop_actor,
        visibility=view.visibility,
        recipients=recipients,
        activity_for=activity_of,
        now=now,
    )


async def tally_changed(
    conn: AsyncConnection,
    record: ProposalRecord,
    now: datetime,
    interval: timedelta = UPDATE_INTERVAL,
) -> None:
    """A ballot was stored: schedule one coalesced Update (none while results are hidden)."""
    proposal = record.proposal
    if poll_kind(proposal.method, proposal.spec) is None or not counts_visible(proposal):
        return
    await update_store.mark_changed(conn, record.row_id, now=now, interval=interval)


async def publish_due_updates(node: Node) -> int:
    """Worker job: publish the pending tally Update of each due proposal, once."""
    now = node.now()
    async with node.engine.connect() as conn:
        due = await update_store.due(conn, now, UPDATE_BATCH)
    published = 0
    for row_id, slug in due:
        async with node.engine.begin() as conn:
            if not await update_store.claim(conn, row_id, now):
                continue
            record = await proposal_store.get_by_slug(conn, slug)
            if record is None or record.proposal.state is not ProposalState.OPEN:
                continue  # the closing Update carries the final counts
            await _publish_update(conn, node.uris, record, now, await coop_actor(conn))
            published += 1
    return published
