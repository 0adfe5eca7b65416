"""cast_vote: one entry for local and remote votes; typed outcomes; one ballot per activity."""

from __future__ import annotations

import asyncio

from coopfed.governance.ballots import BallotKind
from coopfed.governance.charter import Charter
from coopfed.governance.log import verify_chain
from coopfed.node import Node
from coopfed.services import members, proposals
from coopfed.services.votes import VoteRefusal, VoteStatus, cast_vote
from coopfed.store import ballots as ballot_store
from tests.support.governance import add_locals, open_yes_no, use_clock

REMOTE = "https://social.example/users/bob"


async def _resolve(reference: str) -> str:
    return REMOTE


async def test_counted_then_replaced_with_receipts_on_one_chain(node: Node) -> None:
    clock = use_clock(node)
    (alice,) = await add_locals(node, "alice")
    record = await open_yes_no(node)
    first = await cast_vote(node, record.slug, alice.actor_uri, "yes")
    clock.advance(minutes=5)
    second = await cast_vote(node, record.uri, alice.actor_uri, "no")
    assert first.status is VoteStatus.COUNTED and second.status is VoteStatus.REPLACED
    assert first.member_id == alice.member_id and first.kind is BallotKind.CAST
    async with node.engine.connect() as conn:
        log = await ballot_store.load_log(conn, record.row_id, record.uri)
    assert [entry.entry_hash for entry in log] == [first.receipt, second.receipt]
    assert verify_chain(log, record.uri) == second.receipt
    assert log[1].ballot.cast_at == clock.now


async def test_refusals_are_outcomes_not_exceptions(node: Node) -> None:
    clock = use_clock(node)
    (alice,) = await add_locals(node, "alice")
    record = await open_yes_no(node)
    stranger = await cast_vote(node, record.slug, "https://elsewhere.example/u/x", "yes")
    assert stranger.status is VoteStatus.REFUSED and stranger.reason is VoteRefusal.NOT_A_MEMBER
    unknown = await cast_vote(node, "nope", alice.actor_uri, "yes")
    assert unknown.reason is VoteRefusal.UNKNOWN_PROPOSAL
    clock.advance(days=3)  # exactly closes_at by the home clock: late
    late = await cast_vote(node, record.slug, alice.actor_uri, "yes")
    assert late.reason is VoteRefusal.LATE and "home clock" in late.message
    async with node.engine.connect() as conn:
        assert len(await ballot_store.load_log(conn, record.row_id, record.uri)) == 0


async def test_author_self_vote_follows_the_charter(node: Node) -> None:
    use_clock(node)
    alice, bob = await add_locals(node, "alice", "bob")
    await proposals.set_charter(node, Charter(author_may_vote=False))
    record = await open_yes_no(node, author="alice")
    own = await cast_vote(node, record.slug, alice.actor_uri, "yes")
    assert own.reason is VoteRefusal.AUTHOR_MAY_NOT_VOTE
    assert (await cast_vote(node, record.slug, bob.actor_uri, "yes")).stored


async def test_invalid_choices_are_logged_for_remote_votes_refused_for_the_cli(node: Node) -> None:
    use_clock(node)
    (alice,) = await add_locals(node, "alice")
    record = await open_yes_no(node)
    refused = await cast_vote(node, record.slug, alice.actor_uri, "maybe", keep_invalid=False)
    assert refused.reason is VoteRefusal.INVALID_CHOICE and "choose one of" in refused.message
    logged = await cast_vote(node, record.slug, alice.actor_uri, "maybe")
    assert logged.status is VoteStatus.INVALID and logged.kind is BallotKind.INVALID
    tally = await proposals.tally_proposal(node, record.slug)
    assert tally.counts["invalid"] == 1 and tally.turnout == 0


async def test_remote_member_votes_through_the_same_entry(node: Node) -> None:
    use_clock(node)
    remote = await members.add_member(node, "acct:bob@social.example", resolver=_resolve)
    record = await open_yes_no(node, method="irv", options=["A", "B", "C"])
    outcome = await cast_vote(
        node, record.uri, REMOTE, ["B", "A"], activity_id="https://social.example/v/1"
    )
    assert outcome.status is VoteStatus.COUNTED and outcome.member_id == remote.member_id
    again = await cast_vote(
        node, record.uri, REMOTE, ["C"], activity_id="https://social.example/v/1"
    )
    assert again.status is VoteStatus.DUPLICATE and again.receipt == outcome.receipt
    tally = await proposals.tally_proposal(node, record.slug)
    assert tally.ballots_logged == 1


async def test_ballot_changes_can_be_forbidden(node: Node) -> None:
    use_clock(node)
    (alice,) = await add_locals(node, "alice")
    await proposals.set_charter(node, Charter(ballots_may_change=False))
    record = await open_yes_no(node)
    assert (await cast_vote(node, record.slug, alice.actor_uri, "yes")).stored
    change = await cast_vote(node, record.slug, alice.actor_uri, "no")
    assert change.reason is VoteRefusal.CHANGE_NOT_ALLOWED


async def test_twenty_concurrent_deliveries_of_one_activity_store_one_ballot(node: Node) -> None:
    use_clock(node)
    remote = await members.add_member(node, "acct:bob@social.example", resolver=_resolve)
    record = await open_yes_no(node)
    activity = "https://social.example/users/bob/statuses/1/activity"
    outcomes = await asyncio.gather(
        *(cast_vote(node, record.slug, REMOTE, "yes", activity_id=activity) for _ in range(20))
    )
    statuses = sorted(outcome.status.value for outcome in outcomes)
    assert statuses == ["counted"] + ["duplicate"] * 19
    assert {outcome.receipt for outcome in outcomes} == {outcomes[0].receipt}
    async with node.engine.connect() as conn:
        log = await ballot_store.load_log(conn, record.row_id, record.uri)
    assert len(log) == 1 and log[0].ballot.member_id == remote.member_id


async def test_concurrent_votes_of_many_members_keep_one_linear_chain(node: Node) -> None:
    use_clock(node)
    voters = await add_locals(node, *(f"m{i}" for i in range(12)))
    record = await open_yes_no(node)
    outcomes = await asyncio.gather(
        *(cast_vote(node, record.slug, voter.actor_uri, "yes") for voter in voters)
    )
    assert all(outcome.status is VoteStatus.COUNTED for outcome in outcomes)
    async with node.engine.connect() as conn:
        log = await ballot_store.load_log(conn, record.row_id, record.uri)
    assert len(log) == 12 and verify_chain(log, record.uri) == log.head_hash
