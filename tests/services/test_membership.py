"""Membership services: admission by the members' vote end to end, the share register, the
electorate recomputed from history, the data export, principle and charter in step."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from coopfed.governance.charter import Charter
from coopfed.governance.electorate import Electorate
from coopfed.governance.history import register_at
from coopfed.governance.members import MemberStatus
from coopfed.governance.membership import AdmissionMode, ClassPolicy, MembershipPrinciple
from coopfed.node import Node
from coopfed.services import (
    admission_votes,
    member_export,
    member_lifecycle,
    members,
    membership,
    proposals,
    shares,
    votes,
)
from coopfed.services.errors import ServiceError
from coopfed.services.membership import ApplicationRequest, ApplyStatus
from coopfed.services.membership_principle import principle_of, set_principle
from coopfed.services.proposals import ProposalDraft
from coopfed.store import member_history
from coopfed.store import proposals as proposal_store
from coopfed.store.membership import ApplicationState
from coopfed.store.tables import outbox_activities

PRINCIPLE = MembershipPrinciple(
    (
        ClassPolicy("worker", admission=AdmissionMode.VOTE, shares_required=2,
                    nominal_value=Decimal("50.00")),
        ClassPolicy("consumer"),
        ClassPolicy("investor", transferable=True, votes=False),
    ),
    "consumer",
)  # fmt: skip


async def _published(node: Node, kind: str) -> list[dict[str, Any]]:
    async with node.engine.connect() as conn:
        query = select(outbox_activities.c.body).where(outbox_activities.c.type == kind)
        return [json.loads(body) for body in (await conn.execute(query)).scalars()]


async def _apply(node: Node, actor: str, klass: str | None = None) -> None:
    request = ApplicationRequest(actor, requested_class=klass, message="hello",
                                 source="fediverse", join_activity_id=f"{actor}#join")  # fmt: skip
    outcome = await membership.apply_for_membership(node, request)
    assert outcome.status is ApplyStatus.RECEIVED, outcome


async def _seat_voters(node: Node, count: int) -> list[str]:
    actors = [f"https://social.example/users/w{n}" for n in range(count)]
    for actor in actors:
        await members.add_member(node, actor, member_class="worker")
    return actors


@pytest.mark.parametrize(("ballot", "admitted"), [("yes", True), ("no", False)])
async def test_admission_by_vote_admits_on_pass_and_rejects_on_fail(
    node: Node, ballot: str, admitted: bool
) -> None:
    await set_principle(node, PRINCIPLE)
    voters = await _seat_voters(node, 2)
    applicant = "https://elsewhere.example/users/new"
    await _apply(node, applicant, "worker")
    assert await admission_votes.process_admissions(node) == 1
    (application,) = await membership.list_applications(node)
    assert application.state is ApplicationState.VOTING
    with pytest.raises(ServiceError, match="voting on this application"):
        await membership.admit_applicant(node, applicant)
    (proposal,) = await proposals.list_proposals(node)
    assert proposal.proposal.title.startswith("Admit") and proposal.visibility == "members"
    assert proposal.proposal.electorate is not None and len(proposal.proposal.electorate) == 2
    for voter in voters:
        outcome = await votes.cast_vote(node, proposal.slug, voter, ballot)
        assert outcome.status is votes.VoteStatus.COUNTED
    assert await admission_votes.process_admissions(node) == 0  # still open
    await proposals.close_proposal(node, proposal.slug, closed_by="admin")
    assert await admission_votes.process_admissions(node) == 1
    assert await admission_votes.process_admissions(node) == 0  # settled once
    (settled,) = await membership.list_applications(node, every=True)
    assert settled.decided_by == proposal.uri
    if admitted:
        assert settled.state is ApplicationState.ADMITTED
        record, _ = await members.find_member(node, applicant)
        assert record.member.shares == 2 and record.member.member_class == "worker"
        (accept,) = await _published(node, "Accept")
        assert accept["object"]["id"] == f"{applicant}#join"
        assert [a["object"] for a in await _published(node, "Add")][-1] == applicant
    else:
        assert settled.state is ApplicationState.REJECTED
        (reject,) = await _published(node, "Reject")
        assert "ended: rejected" in reject["content"] and reject["to"] == [applicant]
        with pytest.raises(ServiceError):
            await members.find_member(node, applicant)


async def test_admin_admission_issues_shares_and_leaving_redeems_them(node: Node) -> None:
    await set_principle(node, PRINCIPLE)
    await _apply(node, "https://a.example/users/ann", "consumer")
    record = await membership.admit_applicant(node, "https://a.example/users/ann")
    assert record.member.shares == 1
    left = await member_lifecycle.end_membership(
        node, record.member_id, MemberStatus.LEFT, reason="", decided_by="admin"
    )
    assert left.member.shares == 0 and left.member.status is MemberStatus.LEFT
    exported = await member_export.export_member(node, record.member_id)
    assert [(line["kind"], line["count"]) for line in exported["shares"]] == [
        ("issue", 1), ("redeem", 1)
    ]  # fmt: skip
    with pytest.raises(ServiceError, match="already left"):
        await member_lifecycle.end_membership(
            node, record.member_id, MemberStatus.EXPELLED, reason="x", decided_by="admin"
        )


async def test_transfers_follow_the_principle(node: Node) -> None:
    await set_principle(node, PRINCIPLE)
    worker = await members.add_member(node, "https://a.example/users/w", member_class="worker")
    ids = {}
    for name in ("i1", "i2"):
        await _apply(node, f"https://a.example/users/{name}", "investor")
        record = await membership.admit_applicant(node, f"https://a.example/users/{name}")
        ids[name] = record.member_id
    with pytest.raises(ServiceError, match="'worker' are not transferable"):
        await shares.transfer_shares(node, worker.member_id, ids["i1"], 1)
    with pytest.raises(ServiceError, match="holds 1 share"):
        await shares.transfer_shares(node, ids["i1"], ids["i2"], 5)
    with pytest.raises(ServiceError, match="must keep at least 1"):
        await shares.transfer_shares(node, ids["i1"], ids["i2"], 1)
    exported = await member_export.export_member(node, ids["i1"])
    assert [line["kind"] for line in exported["shares"]] == ["issue"]  # nothing moved


async def test_principle_keeps_the_charter_voting_classes_in_step(node: Node) -> None:
    assert (await principle_of(node)).version == 1  # defaults on first use
    await set_principle(node, PRINCIPLE)
    async with node.engine.connect() as conn:
        coop = await members.coop_actor(conn)
        charter = await proposal_store.current_charter(conn, coop.id)
    assert charter is not None
    assert charter.charter.eligible_classes == frozenset({"worker", "consumer"})


async def test_the_electorate_of_a_proposal_is_recomputable_from_history(node: Node) -> None:
    first = await members.add_member(node, "https://a.example/users/one")
    await members.add_member(node, "https://a.example/users/two")
    await member_lifecycle.rebind_member(node, first.member_id, "https://b.example/users/one")
    opened = await proposals.create_proposal(
        node, ProposalDraft(title="T", method="proposal", duration=timedelta(days=1)),
        open_now=True,
    )  # fmt: skip
    await members.add_member(node, "https://a.example/users/late")
    await member_lifecycle.end_membership(
        node, first.member_id, MemberStatus.EXPELLED, reason="x", decided_by="admin"
    )
    async with node.engine.connect() as conn:
        coop = await members.coop_actor(conn)
        history = await member_history.history(conn, coop.id)
    electorate = opened.proposal.electorate
    assert electorate is not None
    replayed = Electorate.snapshot(
        register_at(history, electorate.record_date), Charter(), electorate.record_date
    )
    assert replayed.electorate_hash() == electorate.electorate_hash()
    assert len(replayed) == 2


async def test_an_application_twice_and_a_member_applying_again(node: Node) -> None:
    await _apply(node, "https://a.example/users/ann")
    again = await membership.apply_for_membership(
        node, ApplicationRequest("https://a.example/users/ann")
    )
    assert again.status is ApplyStatus.DUPLICATE
    await membership.admit_applicant(node, "https://a.example/users/ann")
    member_again = await membership.apply_for_membership(
        node, ApplicationRequest("https://a.example/users/ann", join_activity_id="j2")
    )
    assert member_again.status is ApplyStatus.ALREADY_MEMBER
    assert len(await _published(node, "Accept")) == 2  # answered again
    with pytest.raises(ServiceError, match="reason"):
        await membership.reject_applicant(node, "nobody", reason=" ")


async def test_first_uses_of_the_principle_at_once_share_version_one(node: Node) -> None:
    # Regression: the default principle is stored on first use; two first uses at the same
    # moment (e.g. two applications arriving together on a new co-op) both inserted version 1
    # and the second failed on the unique (coop, version).
    read = await asyncio.gather(*(principle_of(node) for _ in range(3)))
    assert {record.version for record in read} == {1}
    assert len({record.hash for record in read}) == 1
