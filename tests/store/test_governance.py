"""Governance persistence: charter versions, proposal round trips, the ballot log on disk."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from coopfed.governance.charter import Charter
from coopfed.governance.log import LogError
from coopfed.governance.proposal import ProposalState
from coopfed.node import Node
from coopfed.services.members import coop_actor
from coopfed.services.votes import cast_vote
from coopfed.store import ballots as ballot_store
from coopfed.store import proposals as proposal_store
from coopfed.store.tables import ballots
from tests.support.governance import add_locals, open_yes_no, use_clock


async def test_charters_are_versioned_and_hashed(node: Node) -> None:
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        assert await proposal_store.current_charter(conn, coop.id) is None
        first = await proposal_store.insert_charter(conn, coop.id, Charter(), node.now())
        strict = Charter(ballots_may_change=False)
        second = await proposal_store.insert_charter(conn, coop.id, strict, node.now())
        current = await proposal_store.current_charter(conn, coop.id)
    assert (first.version, second.version) == (1, 2)
    assert current == second and current.charter == strict and first.hash != second.hash


async def test_an_open_proposal_reads_back_as_the_same_governance_proposal(node: Node) -> None:
    use_clock(node)
    await add_locals(node, "alice", "bob")
    record = await open_yes_no(node, quorum="60%", threshold="more_than:2/3", body="Why: hills.")
    async with node.engine.connect() as conn:
        again = await proposal_store.get_by_slug(conn, record.slug)
    assert again == record
    proposal = record.proposal
    assert proposal.state is ProposalState.OPEN and proposal.electorate is not None
    assert proposal.charter.comparison.to_str() == "more_than:2/3"
    assert str(proposal.charter.quorum) == "3/5" and record.body == "Why: hills."


async def test_a_changed_ballot_row_breaks_the_chain_when_loaded(node: Node) -> None:
    use_clock(node)
    alice, bob = await add_locals(node, "alice", "bob")
    record = await open_yes_no(node)
    await cast_vote(node, record.slug, alice.actor_uri, "yes")
    await cast_vote(node, record.slug, bob.actor_uri, "no")
    async with node.engine.begin() as conn:
        await conn.execute(update(ballots).where(ballots.c.position == 1).values(choice='"yes"'))
    async with node.engine.connect() as conn:
        with pytest.raises(LogError, match="entry 1"):
            await ballot_store.load_log(conn, record.row_id, record.uri)


async def test_due_slugs_lists_only_open_proposals_past_closing(node: Node) -> None:
    clock = use_clock(node)
    record = await open_yes_no(node)
    async with node.engine.connect() as conn:
        assert await proposal_store.due_slugs(conn, clock.now, 10) == []
        assert await proposal_store.due_slugs(conn, clock.advance(days=3), 10) == [record.slug]
