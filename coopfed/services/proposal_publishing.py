"""Publishing proposals to the fediverse: Create(Question) at opening, Update(Question) for
tallies (coalesced), at close and at withdrawal — always in the caller's transaction, so the
state change and its deliveries commit together (transactional outbox).

Audiences: public proposals go to the co-op's followers; members-only proposals to the actors
of the electorate's members; allies-only ones to allied co-ops (`services.alliances`).
Tally and closing Updates also go to everyone who voted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.activitypub.origin import origin_of, same_origin
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
from coopfed.services.account_links import member_for_actor
from coopfed.services.alliances import ally_actor_uris
from coopfed.services.members import GONE, coop_actor
from coopfed.services.object_proofs import sign_if_final
from coopfed.services.outbox import Audience, publish
from coopfed.store import account_links as link_store
from coopfed.store import actors as actor_store
from coopfed.store import ballots as ballot_store
from coopfed.store import joint as joint_store
from coopfed.store import members as member_store
from coopfed.store import proposals as proposal_store
from coopfed.store import question_updates as update_store
from coopfed.store.actors import LocalActor
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris

# At most one tally Update per proposal per interval (Mastodon debounces its own by ~3 min).
UPDATE_INTERVAL = timedelta(seconds=30)
UPDATE_BATCH = 20


async def proposal_view(conn: AsyncConnection, uris: Uris, record: ProposalRecord) -> ProposalView:
    """Everything the Question shows, read in the caller's transaction."""
    coop = await coop_actor(conn)
    proposal = record.proposal
    # The stored rows as they are: a chain broken behind the node's back must not make the
    # Question unservable (compute_result re-verifies it before any tally that decides).
    log = await ballot_store.load_entries(conn, record.row_id, record.uri)
    ballots = [entry.ballot for entry in log]
    tally = poll_tally(proposal, ballots) if proposal.electorate is not None else None
    return ProposalView(
        proposal=proposal,
        body=record.body,
        visibility=Visibility(record.visibility),
        coop_actor=uris.actor(coop.username),
        coop_followers=uris.followers(coop.username),
        tally=tally,
        member_actors=await electorate_actors(conn, record),
        ally_actors=await _allies_if(conn, record),
        log_head=log[-1].entry_hash if log else None,
        log_length=len(log),
        result=record.result,
        joint_proposal=record.joint_proposal_uri,
    )


async def _allies_if(conn: AsyncConnection, record: ProposalRecord) -> tuple[str, ...]:
    """Allied co-ops, for allies-only proposals (services/alliances.py)."""
    if record.visibility != Visibility.ALLIES.value:
        return ()
    return await ally_actor_uris(conn)


async def electorate_actors(conn: AsyncConnection, record: ProposalRecord) -> tuple[str, ...]:
    """The actors of the electorate's members and their linked accounts (who members-only
    proposals are addressed to: a linked Mastodon account sees the poll where it votes)."""
    electorate = record.proposal.electorate
    if electorate is None or record.visibility != Visibility.MEMBERS.value:
        return ()
    register = await member_store.list_members(conn, record.coop_id)
    voters = [r for r in register if r.member_id in electorate]
    linked = await link_store.linked_actor_uris(conn, [r.row_id for r in voters])
    return tuple(sorted({*(r.member.actor_id for r in voters), *linked}))


async def served_question(
    conn: AsyncConnection, uris: Uris, record: ProposalRecord
) -> dict[str, Any]:
    """The Question GET answers: a decided one signed as in its final Update."""
    question = proposal_to_question(await proposal_view(conn, uris, record))
    return sign_if_final(await coop_actor(conn), uris, record, question)


async def may_see(conn: AsyncConnection, record: ProposalRecord, actor: str | None) -> bool:
    """Public proposals: anyone. Members-only: a current member's actor. Allies-only: a member
    or an allied co-op."""
    if record.visibility == Visibility.PUBLIC.value:
        return True
    if actor is None:
        return False
    if record.visibility == Visibility.ALLIES.value and actor in await ally_actor_uris(conn):
        return True
    member = await member_for_actor(conn, actor)  # a linked account reads as its member
    if member is not None and member.member.status not in GONE:
        return True
    return record.joint_proposal_uri is not None and await _project_reader(conn, record, actor)


async def _project_reader(conn: AsyncConnection, record: ProposalRecord, actor: str) -> bool:
    """A linked proposal is also read by the nodes of its joint proposal's co-ops (frozen in
    the project charter at opening): `coopfed verify` on a joint proposal compares each
    co-op's certificate with that co-op's own result, signing its GETs as its node's instance
    actor. The voter ids stay pseudonyms for them (the roll is ours). From our own origin only
    our instance actor reads this way: our members and former members keep the members rule."""
    joint = await joint_store.get_by_uri(conn, record.joint_proposal_uri or "")
    if joint is None:
        return False
    if same_origin(actor, record.uri):
        instance = await actor_store.get_actor_of_kind(conn, "instance")
        return instance is not None and actor == Uris(origin_of(record.uri)).actor(
            instance.username
        )
    return any(same_origin(actor, coop) for coop in joint.charter.get("coops", []))


def _audience(view: ProposalView, voters: Sequence[str] = ()) -> Audience:
    public = view.visibility is Visibility.PUBLIC
    targets = {*view.member_actors, *view.ally_actors, *voters}
    return Audience(actors=tuple(sorted(targets)), followers=public, public=public)


def _sequence(now: datetime) -> int:
    """Update ids must differ: microseconds of the publishing time, then of the wall clock."""
    return int(now.timestamp() * 1_000_000) or time.time_ns() // 1000


async def publish_opened(
    conn: AsyncConnection, uris: Uris, record: ProposalRecord, now: datetime
) -> None:
    """Create(Question) by the co-op, for a proposal that just opened."""
    view = await proposal_view(conn, uris, record)
    activity = question_create_activity(proposal_to_question(view))
    sender = await coop_actor(conn)
    await publish(conn, sender=sender, activity=activity, audience=_audience(view), now=now)


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
    view = await proposal_view(conn, uris, record)
    voters = await update_store.voter_actors(conn, record.row_id)
    question = sign_if_final(sender, uris, record, proposal_to_question(view))
    activity = question_update_activity(question, sequence=_sequence(now))
    audience = _audience(view, voters)
    await publish(conn, sender=sender, activity=activity, audience=audience, now=now)


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
