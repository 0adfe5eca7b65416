"""Alliance offers decided by the members' vote (charter `alliances: vote`), on two in-process
nodes."""

from __future__ import annotations

import pytest

from coopfed.governance.charter import AllianceDecision, Charter
from coopfed.services import alliance_votes, alliances, members, proposals, votes
from coopfed.services.errors import ServiceError
from coopfed.store import actors as actor_store
from coopfed.store import remote_actors as remote_store
from tests.services.two_nodes import Peer, exchange, pair, stored_actors_only

__all__ = ["pair", "stored_actors_only"]

VOTERS = ("https://social.example/users/w0", "https://social.example/users/w1")


async def states(peer: Peer) -> dict[str, tuple[str, str | None]]:
    return {a.remote_actor_uri: (a.state, a.proposal_uri)
            for a in await alliances.list_alliances(peer.node)}  # fmt: skip


async def offer_to_voting_coop(a: Peer, b: Peer) -> str:
    """A offers B an alliance; B's charter puts it to its members; returns the proposal."""
    await proposals.set_charter(b.node, Charter(alliances=AllianceDecision.VOTE))
    for voter in VOTERS:
        await members.add_member(b.node, voter)
    await alliances.offer_alliance(a.node, b.coop)
    await exchange(a, b)
    state, proposal = (await states(b))[a.coop]
    assert state == "offered" and proposal is not None
    return proposal


@pytest.mark.parametrize(("ballot", "outcome"), [("yes", "active"), ("no", "declined")])
async def test_the_members_vote_accepts_or_declines(
    pair: tuple[Peer, Peer], ballot: str, outcome: str
) -> None:
    a, b = pair
    proposal = await offer_to_voting_coop(a, b)
    record = await proposals.find_proposal(b.node, proposal)
    assert record.visibility == "members" and record.proposal.method == "proposal@1"
    with pytest.raises(ServiceError, match="members decide"):
        await alliances.accept_alliance(b.node, a.coop)  # the admin cannot decide alone
    with pytest.raises(ServiceError, match="members decide"):
        await alliances.end_alliance(b.node, a.coop)
    for voter in VOTERS:
        counted = await votes.cast_vote(b.node, proposal, voter, ballot)
        assert counted.status is votes.VoteStatus.COUNTED
    assert await alliance_votes.settle_alliance_votes(b.node) == 0  # still open
    await proposals.close_proposal(b.node, proposal, closed_by="admin")
    assert await alliance_votes.settle_alliance_votes(b.node) == 1
    assert await alliance_votes.settle_alliance_votes(b.node) == 0  # answered once
    await exchange(a, b)
    assert (await states(b))[a.coop][0] == outcome
    assert (await states(a))[b.coop][0] == outcome  # A got the Accept or the Reject


async def test_withdrawing_the_vote_declines_the_offer(pair: tuple[Peer, Peer]) -> None:
    a, b = pair
    proposal = await offer_to_voting_coop(a, b)
    await proposals.withdraw_proposal(b.node, proposal, by="admin")
    assert await alliance_votes.settle_alliance_votes(b.node) == 1
    await exchange(a, b)
    assert (await states(a))[b.coop][0] == "declined"


async def test_by_default_the_admin_decides(pair: tuple[Peer, Peer]) -> None:
    a, b = pair
    await alliances.offer_alliance(a.node, b.coop)
    await exchange(a, b)
    assert (await states(b))[a.coop] == ("offered", None)
    await alliances.accept_alliance(b.node, a.coop)
    await exchange(a, b)
    assert (await states(a))[b.coop][0] == "active"


async def test_an_offer_sent_again_during_the_vote_opens_no_second_vote(
    pair: tuple[Peer, Peer],
) -> None:
    a, b = pair
    proposal = await offer_to_voting_coop(a, b)
    async with b.node.engine.begin() as conn:
        coop = await actor_store.get_actor_of_kind(conn, "coop")
        offering = await remote_store.get_by_uri(conn, a.coop)
        assert coop is not None and offering is not None
        received = await alliance_votes.receive_offer(
            conn, b.node, coop, offering, "http://a.test/activities/again"
        )
    assert "already put to the members' vote" in received.note
    assert received.state == "done"
    assert (await states(b))[a.coop] == ("offered", proposal)
    assert len(await proposals.list_proposals(b.node)) == 1
