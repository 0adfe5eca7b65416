"""Proposal use cases: create, open (electorate snapshot), close and decide, withdraw, the
scheduler closing due proposals."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from coopfed.governance.canonical import canonical_hash
from coopfed.governance.charter import Charter
from coopfed.governance.members import MemberStatus
from coopfed.governance.proposal import ProposalState
from coopfed.governance.result import DecisionStatus
from coopfed.node import Node
from coopfed.services import members, proposals
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.proposals import ProposalDraft
from coopfed.services.votes import VoteRefusal, VoteStatus, cast_vote
from coopfed.store import proposals as proposal_store
from coopfed.worker import Worker, default_jobs
from tests.support.governance import T0, add_locals, open_yes_no, use_clock


async def test_a_draft_opens_with_a_frozen_electorate(node: Node) -> None:
    clock = use_clock(node)
    alice, bob = await add_locals(node, "alice", "bob")
    await members.add_member(node, local_username="applicant")
    await members.change_status(node, "applicant", MemberStatus.APPLICANT)
    draft = ProposalDraft(title="Cargo bike", method="proposal", duration=timedelta(days=3))
    record = await proposals.create_proposal(node, draft)
    assert record.proposal.state is ProposalState.DRAFT
    assert record.uri == f"http://coop.test/proposals/{record.slug}"
    assert record.options == ("yes", "no", "block") and record.charter_version == 1
    clock.advance(hours=1)
    opened = await proposals.open_proposal(node, record.uri)  # the IRI works as well as the slug
    electorate = opened.proposal.electorate
    assert electorate is not None and electorate.size == 2
    assert sorted(electorate) == sorted([alice.member_id, bob.member_id])
    assert opened.proposal.opened_at == clock.now
    assert opened.proposal.closes_at == clock.now + timedelta(days=3)
    pairs = sorted([[alice.member_id, "member"], [bob.member_id, "member"]])
    assert electorate.electorate_hash() == canonical_hash(pairs)


async def test_creating_refuses_bad_input_with_one_line(node: Node) -> None:
    use_clock(node)
    cases = [
        (ProposalDraft(title="x", method="nonsense", duration=timedelta(days=1)), "unknown method"),
        (ProposalDraft(title="x", method="proposal"), "closing time or a duration"),
        (ProposalDraft(title="x", method="proposal", closes_at=T0), "in the past"),
        (ProposalDraft(title="", method="proposal", duration=timedelta(1)), "title"),
        (
            ProposalDraft(title="x", method="proposal", duration=timedelta(1), quorum="3/2"),
            "quorum",
        ),
        (
            ProposalDraft(title="x", method="proposal", duration=timedelta(1), threshold="most"),
            "comparison",
        ),
        (ProposalDraft(title="x", method="irv", options=["A"], duration=timedelta(1)), "options"),
        (
            ProposalDraft(title="x", method="proposal", duration=timedelta(1), visibility="all"),
            "visibility",
        ),
    ]
    for draft, message in cases:
        with pytest.raises(ServiceError, match=message):
            await proposals.create_proposal(node, draft)
    assert await proposals.list_proposals(node) == []


def test_durations() -> None:
    assert proposals.parse_duration("3d") == timedelta(days=3)
    assert proposals.parse_duration("90m") == timedelta(minutes=90)
    for bad in ("3", "0d", "d", "3 days", "-1h"):
        with pytest.raises(ServiceError, match="duration"):
            proposals.parse_duration(bad)


async def test_electorate_snapshot_through_the_services(node: Node) -> None:
    """Admitted after opening: no vote. Left after voting: the ballot still counts."""
    clock = use_clock(node)
    alice, bob, carol = await add_locals(node, "alice", "bob", "carol")
    record = await open_yes_no(node)
    late_joiner = (await add_locals(node, "dave"))[0]
    refused = await cast_vote(node, record.slug, late_joiner.actor_uri, "yes")
    assert refused.status is VoteStatus.REFUSED
    assert refused.reason is VoteRefusal.NOT_IN_ELECTORATE
    for voter, choice in ((alice, "yes"), (bob, "yes"), (carol, "no")):
        outcome = await cast_vote(node, record.slug, voter.actor_uri, choice)
        assert outcome.status is VoteStatus.COUNTED, outcome.message
    await members.change_status(node, "bob", MemberStatus.LEFT)
    after_leaving = await cast_vote(node, record.slug, bob.actor_uri, "no")
    assert after_leaving.reason is VoteRefusal.NO_LONGER_MEMBER
    clock.advance(days=3)
    decided = await proposals.close_proposal(node, record.slug, closed_by=None)
    assert decided.result is not None
    assert decided.result["counts"]["yes"] == 2 and decided.result["counts"]["no"] == 1
    assert decided.result["electorate_size"] == 3
    assert decided.proposal.status is DecisionStatus.PASSED


async def test_an_early_close_by_an_admin_is_recorded_and_decides(node: Node) -> None:
    clock = use_clock(node)
    voters = await add_locals(node, "alice", "bob", "carol")
    record = await open_yes_no(node, quorum="1/2", threshold="at_least:2/3")
    for voter in voters[:2]:
        await cast_vote(node, record.slug, voter.actor_uri, "yes")
    clock.advance(hours=2)
    with pytest.raises(ServiceError, match="not due yet"):
        await proposals.close_proposal(node, record.slug, closed_by=None)
    decided = await proposals.close_proposal(node, record.slug, closed_by="cli:admin")
    assert decided.proposal.state is ProposalState.DECIDED
    assert decided.proposal.closed_early_by == "cli:admin"
    assert decided.result is not None and decided.result["status"] == "passed"
    assert decided.result["turnout"] == 2 and decided.result["quorum_met"] is True
    assert decided.proposal.result_hash is not None
    async with node.engine.connect() as conn:
        events = await proposal_store.events_of(conn, record.row_id)
    assert [e.kind for e in events] == ["created", "opened", "closed", "decided"]
    assert events[2].actor == "cli:admin" and events[2].detail == {"early": True}
    with pytest.raises(ServiceError, match="cannot close"):
        await proposals.close_proposal(node, record.slug, closed_by="cli:admin")


async def test_tally_shows_counts_while_open_and_the_result_once_decided(node: Node) -> None:
    clock = use_clock(node)
    alice, bob = await add_locals(node, "alice", "bob")
    record = await open_yes_no(node)
    await cast_vote(node, record.slug, alice.actor_uri, "yes")
    await cast_vote(node, record.slug, bob.actor_uri, "abstain")
    await cast_vote(node, record.slug, alice.actor_uri, "no")  # replaces her yes
    running = await proposals.tally_proposal(node, record.slug)
    assert running.result is None and running.ballots_logged == 3
    assert running.counts == {"yes": 0, "no": 1, "block": 0, "abstain": 1, "invalid": 0}
    clock.advance(days=4)
    await proposals.close_proposal(node, record.slug, closed_by=None)
    final = await proposals.tally_proposal(node, record.slug)
    assert final.result is not None and final.result["status"] == "rejected"
    assert final.result["log_head"] == final.log_head and final.counts == running.counts


async def test_withdrawn_proposals_take_no_more_votes(node: Node) -> None:
    use_clock(node)
    (alice,) = await add_locals(node, "alice")
    record = await open_yes_no(node)
    withdrawn = await proposals.withdraw_proposal(node, record.slug, by="cli:admin")
    assert withdrawn.proposal.state is ProposalState.WITHDRAWN
    outcome = await cast_vote(node, record.slug, alice.actor_uri, "yes")
    assert outcome.reason is VoteRefusal.NOT_OPEN
    with pytest.raises(NotFound):
        await proposals.open_proposal(node, "nope")


async def test_a_proposal_keeps_the_charter_version_it_opened_under(node: Node) -> None:
    use_clock(node)
    await add_locals(node, "alice")
    first = await open_yes_no(node)
    await proposals.set_charter(node, Charter(author_may_vote=False))
    second = await open_yes_no(node)
    assert (await proposals.find_proposal(node, first.slug)).charter_version == 1
    assert second.charter_version == 2 and second.proposal.charter.author_may_vote is False


async def test_the_scheduler_closes_due_proposals_once(node: Node) -> None:
    clock = use_clock(node)
    (alice,) = await add_locals(node, "alice")
    due = await open_yes_no(node, duration=timedelta(hours=1))
    later = await open_yes_no(node, duration=timedelta(days=1))
    await cast_vote(node, due.slug, alice.actor_uri, "yes")
    assert await proposals.close_due_proposals(node) == 0
    clock.advance(hours=1)
    scheduler = [job for job in default_jobs() if job.name == "scheduler"]
    assert len(scheduler) == 1
    assert await Worker(node, scheduler).run_once() == 1
    assert await proposals.close_due_proposals(node) == 0
    decided = await proposals.find_proposal(node, due.slug)
    assert decided.proposal.state is ProposalState.DECIDED
    assert decided.proposal.status is DecisionStatus.PASSED
    assert decided.proposal.closed_early_by is None
    still_open = await proposals.find_proposal(node, later.slug)
    assert still_open.proposal.state is ProposalState.OPEN


async def test_first_proposals_opened_at_once_share_charter_version_one(node: Node) -> None:
    # Regression: the default charter is stored on first use; two proposals opened at the same
    # moment on a new co-op (e.g. two joint proposals arriving together) both inserted version
    # 1 and the second failed on the unique (coop, version).
    draft = ProposalDraft(title="Two at once", method="proposal", duration=timedelta(days=1))
    opened = await asyncio.gather(
        *(proposals.create_proposal(node, draft, open_now=True) for _ in range(3))
    )
    assert {r.proposal.state for r in opened} == {ProposalState.OPEN}
    assert {r.charter_version for r in opened} == {1}
