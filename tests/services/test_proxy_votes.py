"""Voting by proxy through cast_vote (issue 18): the grantor's ballot, cast by the holder,
logged as "B for A"; the grantor's own ballot overrides; the electorate is unchanged; the
published result verifies."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from coopfed.federation.mapping.publication import question_claims
from coopfed.governance.charter import Charter
from coopfed.governance.proxies import ProxyPolicy
from coopfed.governance.verification import verify
from coopfed.node import Node
from coopfed.services import assemblies, member_export, proposals
from coopfed.services.assemblies import AssemblyDraft
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.proxies import grant_proxy, list_proxies, revoke_proxy
from coopfed.services.votes import VoteRefusal, VoteStatus, cast_vote
from coopfed.store import ballots as ballot_store
from tests.support.governance import add_locals, open_yes_no, use_clock

AS_JSON = {"Accept": "application/activity+json"}
ALLOWED = Charter(proxies=ProxyPolicy(allowed=True, cap_per_holder=2))


async def test_the_proxy_acceptance_story(node: Node, client: httpx.AsyncClient) -> None:
    clock = use_clock(node)
    alice, bob, _carol, dan, erin = await add_locals(node, "alice", "bob", "carol", "dan", "erin")
    await proposals.set_charter(node, ALLOWED)
    record = await open_yes_no(node)
    await grant_proxy(node, "alice", "bob", proposal=record.slug)  # A grants B

    # B votes for A and for herself: two ballots count, the electorate is unchanged.
    for_alice = await cast_vote(
        node, record.slug, bob.actor_uri, "yes", on_behalf_of=alice.member_id
    )
    assert for_alice.status is VoteStatus.COUNTED, for_alice.message
    assert (for_alice.member_id, for_alice.cast_by) == (alice.member_id, bob.member_id)
    assert for_alice.message == "your ballot for alice counts"
    own = await cast_vote(node, record.slug, bob.actor_uri, "yes")
    assert own.status is VoteStatus.COUNTED and own.cast_by is None
    tally = await proposals.tally_proposal(node, record.slug)
    assert tally.turnout == 2 and tally.counts["yes"] == 2 and tally.ballots_logged == 2
    assert tally.record.proposal.electorate is not None
    assert tally.record.proposal.electorate.size == 5

    # The log shows B for A: alice's ballot, cast by bob, from bob's actor.
    async with node.engine.connect() as conn:
        log = await ballot_store.load_log(conn, record.row_id, record.uri)
    first = log[0].ballot
    assert (first.member_id, first.cast_by) == (alice.member_id, bob.member_id)
    assert log[0].to_dict()["ballot"]["cast_by"] == bob.member_id
    assert "cast_by" not in log[1].to_dict()["ballot"]  # her own ballot hashes as before

    # A then votes herself: her ballot replaces B's for her, and B may not vote for her again.
    clock.advance(minutes=5)
    herself = await cast_vote(node, record.slug, alice.actor_uri, "no")
    assert herself.status is VoteStatus.REPLACED
    assert herself.message == "your ballot replaces the one cast for you by proxy"
    again = await cast_vote(node, record.slug, bob.actor_uri, "yes", on_behalf_of=alice.member_id)
    assert again.reason is VoteRefusal.GRANTOR_VOTED and "alice has voted herself" in again.message
    tally = await proposals.tally_proposal(node, record.slug)
    assert tally.turnout == 2 and (tally.counts["yes"], tally.counts["no"]) == (1, 1)

    # A third grant to a holder at the cap is refused with the reason.
    await grant_proxy(node, "carol", "bob", proposal=record.slug)
    with pytest.raises(ServiceError) as refused:
        await grant_proxy(node, "dan", "bob", proposal=record.slug)
    assert str(refused.value) == "bob already holds 2 proxies, the charter's cap per holder"
    await grant_proxy(node, "dan", "erin", proposal=record.slug)
    erin_for_dan = await cast_vote(
        node, record.slug, erin.actor_uri, "no", on_behalf_of=dan.member_id
    )
    assert erin_for_dan.status is VoteStatus.COUNTED

    # The decided result, as published, verifies: recounted from a log with proxy entries.
    decided = await proposals.close_proposal(node, record.slug, closed_by="admin")
    assert decided.result is not None and decided.result["turnout"] == 3
    assert decided.result["electorate_size"] == 5
    question = (await client.get(record.uri, headers=AS_JSON)).json()
    bundle = (await client.get(question["resultBundle"], headers=AS_JSON)).json()
    entries = bundle["log"]["entries"]
    by_proxy = [
        (e["ballot"]["cast_by"], e["ballot"]["member_id"])
        for e in entries
        if "cast_by" in e["ballot"]
    ]
    assert by_proxy == [(bob.member_id, alice.member_id), (erin.member_id, dan.member_id)]
    checks = verify(bundle, question_claims(question))
    assert [c for c in checks if not c.ok] == [] and any(c.name == "tally" for c in checks)
    tampered = {**bundle, "log": {**bundle["log"], "entries": [dict(e) for e in entries]}}
    tampered["log"]["entries"][0]["ballot"] = {
        k: v for k, v in entries[0]["ballot"].items() if k != "cast_by"
    }
    assert any(not c.ok for c in verify(tampered, question_claims(question)))


async def test_a_proxy_ballot_needs_a_grant_in_force_for_this_proposal(node: Node) -> None:
    clock = use_clock(node)
    alice, bob, carol = await add_locals(node, "alice", "bob", "carol")
    await proposals.set_charter(node, ALLOWED)
    record = await open_yes_no(node)
    other = await open_yes_no(node, title="Paint the shed")
    none = await cast_vote(node, record.slug, bob.actor_uri, "yes", on_behalf_of=alice.member_id)
    assert none.reason is VoteRefusal.NO_PROXY
    assert none.message == "bob holds no proxy of alice for this proposal"
    await grant_proxy(node, "alice", "bob", proposal=other.slug)
    elsewhere = await cast_vote(
        node, record.slug, bob.actor_uri, "yes", on_behalf_of=alice.member_id
    )
    assert elsewhere.reason is VoteRefusal.NO_PROXY
    held = await grant_proxy(node, "carol", "bob")  # every proposal, until revoked
    clock.advance(minutes=1)
    assert (
        await cast_vote(node, record.slug, bob.actor_uri, "yes", on_behalf_of=carol.member_id)
    ).stored
    await revoke_proxy(node, held.stored.row_id)
    clock.advance(minutes=1)
    after = await cast_vote(node, record.slug, bob.actor_uri, "no", on_behalf_of=carol.member_id)
    assert after.reason is VoteRefusal.NO_PROXY
    # The ballot cast while the grant was in force still counts for carol.
    tally = await proposals.tally_proposal(node, record.slug)
    assert tally.turnout == 1 and tally.counts["yes"] == 1
    # Carol's data export holds the ballot cast for her and the grant, revoked.
    exported = await member_export.export_member(node, "carol")
    assert [b["cast_by"] for b in exported["ballots"]] == [bob.member_id]
    (grant,) = exported["proxies"]
    assert grant["holder"] == bob.member_id and grant["revoked_at"] is not None


async def test_a_proposal_whose_charter_forbids_proxies_refuses_proxy_ballots(
    node: Node,
) -> None:
    use_clock(node)
    alice, bob = await add_locals(node, "alice", "bob")
    await proposals.set_charter(node, ALLOWED)
    await grant_proxy(node, "alice", "bob")
    await proposals.set_charter(node, Charter())
    record = await open_yes_no(node)  # opened after proxies were turned off again
    refused = await cast_vote(node, record.slug, bob.actor_uri, "yes", on_behalf_of=alice.member_id)
    assert refused.reason is VoteRefusal.NO_PROXY
    assert refused.message == "this proposal's charter does not allow proxies"


async def test_a_holder_changes_her_proxy_ballot_only_where_ballots_may_change(
    node: Node,
) -> None:
    clock = use_clock(node)
    alice, bob = await add_locals(node, "alice", "bob")
    await proposals.set_charter(
        node, Charter(ballots_may_change=False, proxies=ProxyPolicy(allowed=True))
    )
    record = await open_yes_no(node)
    await grant_proxy(node, "alice", "bob", proposal=record.slug)
    assert (
        await cast_vote(node, record.slug, bob.actor_uri, "yes", on_behalf_of=alice.member_id)
    ).stored
    clock.advance(minutes=1)
    change = await cast_vote(node, record.slug, bob.actor_uri, "no", on_behalf_of=alice.member_id)
    assert change.reason is VoteRefusal.CHANGE_NOT_ALLOWED
    # The grantor's own ballot still overrides, even where ballots may not change.
    herself = await cast_vote(node, record.slug, alice.actor_uri, "no")
    assert herself.status is VoteStatus.REPLACED
    tally = await proposals.tally_proposal(node, record.slug)
    assert tally.turnout == 1 and tally.counts["no"] == 1


async def test_a_proxy_for_an_assembly_votes_its_agenda_and_makes_its_quorum(node: Node) -> None:
    clock = use_clock(node)
    alice, bob, carol, _dan = await add_locals(node, "alice", "bob", "carol", "dan")
    await proposals.set_charter(node, ALLOWED)
    first = await open_yes_no(node, title="Buy a cargo bike")
    second = await open_yes_no(node, title="Paint the shed")
    elsewhere = await open_yes_no(node, title="Not on the agenda")
    starts = clock.now + timedelta(days=1)
    draft = AssemblyDraft(title="AGM", starts_at=starts, place="Hall", quorum="3/4")
    slug = (await assemblies.create_assembly(node, draft)).record.slug
    for item in (first, second):
        await assemblies.add_to_agenda(node, slug, item.slug)

    view = await grant_proxy(node, "alice", "bob", assembly=slug)
    assert view.grant.assembly_id == node.uris.assembly(slug) and view.grant.proposal_id is None
    assert view.grant.agenda == {first.uri, second.uri}
    listed = await list_proxies(node, "alice", active_only=True)
    assert [v.stored.row_id for v in listed] == [view.stored.row_id]

    # Bob votes for alice on both agenda items, through the same cast_vote path.
    for item in (first, second):
        outcome = await cast_vote(
            node, item.slug, bob.actor_uri, "yes", on_behalf_of=alice.member_id
        )
        assert outcome.status is VoteStatus.COUNTED, outcome.message
        assert (outcome.member_id, outcome.cast_by) == (alice.member_id, bob.member_id)
    off = await cast_vote(node, elsewhere.slug, bob.actor_uri, "yes", on_behalf_of=alice.member_id)
    assert off.reason is VoteRefusal.NO_PROXY
    assert off.message == (
        "bob holds no proxy of alice for this proposal: "
        "it is not on the agenda of the assembly her proxy is for"
    )

    # Bob and carol attend; alice is represented by bob: 3 of 4, the quorum is met.
    for who in ("bob", "carol"):
        await assemblies.record_attendance(node, slug, who, by="test")
    quorum = (await assemblies.assembly_detail(node, slug)).quorum
    assert quorum.represented == (alice.member_id,)
    assert (quorum.present, quorum.needed, quorum.met) == (3, 3, True)

    # Revoked before the assembly starts: alice is no longer represented, nor voted for.
    await revoke_proxy(node, view.stored.row_id, by="alice")
    quorum = (await assemblies.assembly_detail(node, slug)).quorum
    assert quorum.represented == () and (quorum.present, quorum.met) == (2, False)
    assert carol.member_id in quorum.attended
    third = await open_yes_no(node, title="Late item")
    await assemblies.add_to_agenda(node, slug, third.slug)
    late = await cast_vote(node, third.slug, bob.actor_uri, "no", on_behalf_of=alice.member_id)
    assert late.reason is VoteRefusal.NO_PROXY
    (kept,) = (await member_export.export_member(node, "alice"))["proxies"]
    assert kept["assembly"] == view.grant.assembly_id and kept["revoked_at"] is not None


async def test_a_proxy_for_an_assembly_is_checked_like_the_others(node: Node) -> None:
    clock = use_clock(node)
    await add_locals(node, "alice", "bob", "carol")
    await proposals.set_charter(node, ALLOWED)
    item = await open_yes_no(node)
    draft = AssemblyDraft(title="AGM", starts_at=clock.now + timedelta(days=1), place="Hall")
    slug = (await assemblies.create_assembly(node, draft)).record.slug
    await assemblies.add_to_agenda(node, slug, item.slug)
    with pytest.raises(ServiceError, match="one proposal or for one assembly, not both"):
        await grant_proxy(node, "alice", "bob", proposal=item.slug, assembly=slug)
    with pytest.raises(NotFound, match="no assembly 'nope'"):
        await grant_proxy(node, "alice", "bob", assembly="nope")
    # A grant for a proposal on its agenda overlaps: alice has already given her proxy.
    await grant_proxy(node, "alice", "carol", proposal=item.slug)
    with pytest.raises(ServiceError, match="alice has already granted a proxy for this"):
        await grant_proxy(node, "alice", "bob", assembly=slug)
    clock.advance(days=2)
    with pytest.raises(ServiceError, match=f"assembly {slug} has started"):
        await grant_proxy(node, "bob", "carol", assembly=slug)
