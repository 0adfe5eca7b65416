"""Proxy grants on disk: they read back as governance grants, revoking keeps the row."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coopfed.governance.proxies import ProxyGrant
from coopfed.node import Node
from coopfed.services import assemblies, proposals
from coopfed.services.assemblies import AssemblyDraft
from coopfed.store import proxies as proxy_store
from tests.support.governance import add_locals, open_yes_no, use_clock


async def test_a_grant_reads_back_as_the_governance_grant_with_member_ids(node: Node) -> None:
    clock = use_clock(node)
    alice, bob = await add_locals(node, "alice", "bob")
    record = await open_yes_no(node)
    until = clock.now + timedelta(days=30)
    async with node.engine.begin() as conn:
        for_one = await proxy_store.insert_grant(
            conn, grantor_row_id=alice.row_id, holder_row_id=bob.row_id,
            proposal_row_id=record.row_id, until=None, granted_at=clock.now,
        )  # fmt: skip
        dated = await proxy_store.insert_grant(
            conn, grantor_row_id=bob.row_id, holder_row_id=alice.row_id,
            proposal_row_id=None, until=until, granted_at=clock.now,
        )  # fmt: skip
    assert for_one.grant == ProxyGrant(
        alice.member_id, bob.member_id, clock.now, proposal_id=record.uri
    )
    assert dated.grant == ProxyGrant(bob.member_id, alice.member_id, clock.now, until=until)
    async with node.engine.connect() as conn:
        assert await proxy_store.list_grants(conn) == [for_one, dated]
        assert await proxy_store.get_grant(conn, dated.row_id) == dated


async def test_revoking_keeps_the_row_and_leaves_the_active_list(node: Node) -> None:
    clock = use_clock(node)
    alice, bob, carol = await add_locals(node, "alice", "bob", "carol")
    async with node.engine.begin() as conn:
        first = await proxy_store.insert_grant(
            conn, grantor_row_id=alice.row_id, holder_row_id=bob.row_id,
            proposal_row_id=None, until=None, granted_at=clock.now,
        )  # fmt: skip
        second = await proxy_store.insert_grant(
            conn, grantor_row_id=carol.row_id, holder_row_id=bob.row_id,
            proposal_row_id=None, until=None, granted_at=clock.now,
        )  # fmt: skip
    later = clock.advance(hours=1)
    async with node.engine.begin() as conn:
        assert await proxy_store.revoke_grant(conn, first.row_id, later)
        assert not await proxy_store.revoke_grant(conn, first.row_id, later)
    async with node.engine.connect() as conn:
        everything = await proxy_store.list_grants(conn)
        active = await proxy_store.list_grants(conn, active_at=later)
        of_carol = await proxy_store.list_grants(conn, member_row_id=carol.row_id)
    assert [g.row_id for g in everything] == [first.row_id, second.row_id]
    assert everything[0].revoked_at == later and not everything[0].active_at(later)
    assert active == [second] and of_carol == [second]


async def test_grants_for_voting_are_this_proposals_and_open_ended_ones_in_force(
    node: Node,
) -> None:
    clock = use_clock(node)
    alice, bob, carol, dan = await add_locals(node, "alice", "bob", "carol", "dan")
    here = await open_yes_no(node)
    elsewhere = await open_yes_no(node, title="Paint the shed")
    async with node.engine.begin() as conn:
        for grantor, proposal, until in (
            (alice, here.row_id, None),
            (carol, elsewhere.row_id, None),
            (dan, None, clock.now + timedelta(hours=1)),
        ):
            await proxy_store.insert_grant(
                conn, grantor_row_id=grantor.row_id, holder_row_id=bob.row_id,
                proposal_row_id=proposal, until=until, granted_at=clock.now,
            )  # fmt: skip
        await proxy_store.lock_members(conn, bob.row_id, alice.row_id)
    async with node.engine.connect() as conn:
        now = await proxy_store.grants_for_voting(conn, here.row_id, clock.now)
        later = await proxy_store.grants_for_voting(conn, here.row_id, clock.advance(hours=2))
    assert [g.grantor for g in now] == [alice.member_id, dan.member_id]
    assert [g.grantor for g in later] == [alice.member_id]


async def test_a_grant_for_an_assembly_reads_back_with_its_agenda_while_in_force(
    node: Node,
) -> None:
    clock = use_clock(node)
    alice, bob = await add_locals(node, "alice", "bob")
    item = await open_yes_no(node)
    draft = AssemblyDraft(title="AGM", starts_at=clock.now + timedelta(days=1), place="Hall")
    detail = await assemblies.create_assembly(node, draft)
    async with node.engine.begin() as conn:
        with pytest.raises(ValueError, match="one proposal or one assembly, not both"):
            await proxy_store.insert_grant(
                conn, grantor_row_id=alice.row_id, holder_row_id=bob.row_id,
                proposal_row_id=item.row_id, assembly_row_id=detail.record.row_id,
                until=None, granted_at=clock.now,
            )  # fmt: skip
        stored = await proxy_store.insert_grant(
            conn, grantor_row_id=alice.row_id, holder_row_id=bob.row_id,
            proposal_row_id=None, assembly_row_id=detail.record.row_id,
            until=None, granted_at=clock.now,
        )  # fmt: skip
    assert stored.grant.assembly_id == detail.record.uri and stored.grant.agenda == frozenset()
    await assemblies.add_to_agenda(node, detail.record.slug, item.slug)
    async with node.engine.connect() as conn:
        voting = await proxy_store.grants_for_voting(conn, item.row_id, clock.now)
        assert [g.agenda for g in voting] == [frozenset({item.uri})]
        # Started, its only item still open: in force; once decided, no longer.
        started = clock.advance(days=2)
        assert len(await proxy_store.list_grants(conn, active_at=started)) == 1
    await proposals.close_proposal(node, item.slug, closed_by="admin")
    async with node.engine.connect() as conn:
        assert await proxy_store.list_grants(conn, active_at=clock.now) == []
