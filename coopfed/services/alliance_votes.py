"""Alliance offers decided by the members' vote (charter `alliances: vote`): worker job
`alliance_votes`, mirroring admission by vote (services/admission_votes.py).

When an `Offer{Alliance}` arrives and the co-op's charter says `alliances: vote`, the inbox
handler opens a proposal (`proposal@1`, yes/no, members only, open `VOTE_DAYS`) in the same
transaction as the stored offer and links it to the offer. Once that proposal is decided, the
job accepts the offer when it passed and declines it otherwise (any other status, or the
proposal withdrawn); the admin cannot accept or decline alone meanwhile. Settling claims the
offer with a conditional update, so two workers never answer it twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.charter import AllianceDecision
from coopfed.governance.proposal import ProposalState
from coopfed.governance.result import DecisionStatus
from coopfed.node import Node
from coopfed.services import alliances, proposals
from coopfed.services.errors import ServiceError
from coopfed.services.received import Received, done
from coopfed.store import actors as actor_store
from coopfed.store import alliances as alliance_store
from coopfed.store import proposals as proposal_store
from coopfed.store.actors import LocalActor
from coopfed.store.alliances import Alliance, AllianceState
from coopfed.store.remote_actors import RemoteActor

BATCH = 20
VOTE_DAYS = 7


def _draft(offering: RemoteActor) -> proposals.ProposalDraft:
    who = offering.display_name or offering.uri
    return proposals.ProposalDraft(
        title=f"Ally with {who}?"[:300],
        method="proposal",
        body=f"{offering.uri} offers our co-op an alliance. Passing accepts it; anything else "
        "declines it. Allies follow each other, see allies-only proposals, receive each "
        "other's membership events and may invite each other to shared projects.",
        spec={"allow_block": False},
        duration=timedelta(days=VOTE_DAYS),
        visibility="members",
    )


async def receive_offer(
    conn: AsyncConnection, node: Node, coop: LocalActor, offering: RemoteActor, offer_id: str
) -> Received:
    """An `Offer{Alliance}` arrived (the only entry for one): it waits for the admin (`coopfed
    ally accept`) or, when the charter says `alliances: vote`, for the members' vote."""
    now = node.now()
    existing = await alliance_store.get(conn, coop.id, offering.uri)
    if existing is not None and existing.state == AllianceState.ACTIVE:
        return done("already allied")
    if existing is not None and existing.state == AllianceState.OFFERED and existing.proposal_uri:
        return done(f"offer already put to the members' vote: {existing.proposal_uri}")  # one vote
    alliance = await alliance_store.save(
        conn, coop_id=coop.id, remote_uri=offering.uri, direction="incoming",
        state=AllianceState.OFFERED, offer_id=offer_id, now=now,
    )  # fmt: skip
    charter = (await proposals.current_charter(conn, coop.id, now)).charter
    if charter.alliances is not AllianceDecision.VOTE:
        return done("offer waiting for the admin")
    try:
        record = await proposals.create_in(conn, node.uris, _draft(offering), now, open_now=True)
    except ServiceError as error:  # e.g. no members yet: the admin decides instead
        return done(f"offer waiting for the admin (no vote: {error})")
    await alliance_store.set_proposal(conn, alliance.id, record.row_id)
    return done(f"offer put to the members' vote: {record.uri}")


async def _settle(
    conn: AsyncConnection, node: Node, coop: LocalActor, alliance: Alliance, now: datetime
) -> bool:
    record = await proposal_store.get_by_slug(conn, alliance.proposal_slug or "")
    if record is None:
        return False
    proposal = record.proposal
    passed = proposal.state is ProposalState.DECIDED and proposal.status is DecisionStatus.PASSED
    if not await alliance_store.claim_offer(conn, alliance.id, AllianceState.SETTLING, now):
        return False  # another worker settled it
    if passed:
        await alliances.accept_in(conn, node.uris, coop, alliance, now)
    else:
        await alliances.decline_in(conn, node.uris, coop, alliance, now)
    return True


async def settle_alliance_votes(node: Node) -> int:
    """Worker job `alliance_votes`: answer offers whose members' vote has ended."""
    async with node.engine.connect() as conn:
        coop = await actor_store.get_actor_of_kind(conn, "coop")
        if coop is None:  # `coopfed init` not run yet
            return 0
        ended = await alliance_store.offers_put_to_vote(conn, coop.id, BATCH)
    settled = 0
    for alliance in ended:
        async with node.engine.begin() as conn:
            settled += await _settle(conn, node, coop, alliance, node.now())
    return settled
