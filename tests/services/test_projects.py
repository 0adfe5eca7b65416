"""Shared projects between two in-process nodes: invitation, leaving, removal, fixed weights,
linked proposals an admin confirms."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coopfed.governance.charter import Charter, LinkedProposals
from coopfed.governance.proposal import ProposalState
from coopfed.services import (
    alliances,
    joint_certificates,
    joint_proposals,
    members,
    project_hosting,
    project_membership,
    proposals,
    votes,
)
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.proposals import ProposalDraft
from coopfed.store import actors as actor_store
from coopfed.store import joint as joint_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.joint import JointProposal
from tests.services.two_nodes import (
    Peer,
    deliver,
    exchange,
    introduce,
    later,
    pair,
    stored_actors_only,
)

__all__ = ["pair", "stored_actors_only"]


async def allied(a: Peer, b: Peer) -> None:
    await alliances.offer_alliance(a.node, b.coop)
    await exchange(a, b)
    await alliances.accept_alliance(b.node, a.coop)
    await exchange(a, b)


async def project_with(a: Peer, b: Peer, charter: dict[str, object] | None = None) -> str:
    """A hosts project `river` with B in it; returns the project's IRI."""
    await allied(a, b)
    rule = charter or project_hosting.parse_rule("coop_majority:1/2", None, "equal", timedelta(0))
    await project_hosting.create_project(a.node, "river", name="River", charter=rule)
    await introduce(a, b, "river")
    river = a.uri("river")
    await project_hosting.invite(a.node, "river", b.coop)
    await exchange(a, b)
    await project_membership.accept_invitation(b.node, river)
    await exchange(a, b)
    return river


async def member_states(a: Peer) -> dict[str, str]:
    _, members = await project_hosting.show_project(a.node, "river")
    return {member.coop_uri: member.state for member in members}


async def membership_state(b: Peer, river: str) -> str:
    found = {m.project_uri: m.state for m in await project_membership.invitations(b.node)}
    return found[river]


def draft(title: str) -> ProposalDraft:
    return ProposalDraft(title=title, method="proposal", duration=timedelta(hours=1))


async def known_joint(peer: Peer, joint: JointProposal) -> tuple[JointProposal | None, str | None]:
    async with peer.node.engine.connect() as conn:
        found = await joint_store.get_by_uri(conn, joint.uri)
        return found, await joint_store.linked_proposal_uri(conn, joint.uri)


async def test_a_coop_leaves_a_project(pair: tuple[Peer, Peer]) -> None:
    a, b = pair
    river = await project_with(a, b)
    assert await member_states(a) == {a.coop: "active", b.coop: "active"}
    before = await joint_proposals.propose(a.node, "river", draft("Before"))
    await exchange(a, b)
    assert (await known_joint(b, before))[1] is not None  # B opened its linked proposal

    left = await project_membership.leave_project(b.node, river)
    assert left.state == "left"
    await exchange(a, b)
    assert await member_states(a) == {a.coop: "active", b.coop: "left"}
    with pytest.raises(ServiceError, match="not a member"):
        await project_membership.leave_project(b.node, river)  # once is enough

    after = await joint_proposals.propose(a.node, "river", draft("After"))
    assert after.charter["coops"] == [a.coop]  # opened after B left: B is not counted
    await exchange(a, b)
    assert await known_joint(b, after) == (None, None)  # and B gets no linked proposal

    # The joint proposal opened while B was in keeps its frozen co-op list: B is in the
    # denominator as "left" (leaving counts like not reporting, never as an abstention).
    later(a, timedelta(hours=2))
    assert await joint_proposals.decide_due_joint_proposals(a.node) == 2
    decided, _ = await known_joint(a, before)
    assert decided is not None and decided.result is not None
    result = decided.result["jointResult"]
    assert result["did_not_take_part"][b.coop] == "left"
    assert set(result["weights"]) == {a.coop, b.coop}


async def test_an_old_acceptance_does_not_bring_a_coop_back(pair: tuple[Peer, Peer]) -> None:
    a, b = pair
    river = await project_with(a, b)
    await project_membership.leave_project(b.node, river)
    await exchange(a, b)
    # Regression: an Accept of the old Invite arriving again made the co-op active again.
    _, members = await project_hosting.show_project(a.node, "river")
    invite_id = next(m.invite_activity_id for m in members if m.coop_uri == b.coop)
    assert invite_id is not None
    async with a.node.engine.begin() as conn:
        sender = await remote_store.get_by_uri(conn, b.coop)
        assert sender is not None
        note = await project_hosting.receive_invite_answer(
            conn, sender, invite_id, accepted=True, now=a.node.now()
        )
    assert note is not None and "no longer open" in note.note
    assert note.state == "ignored"
    assert (await member_states(a))[b.coop] == "left"


async def test_only_the_coop_itself_can_leave(pair: tuple[Peer, Peer]) -> None:
    a, b = pair
    await project_with(a, b)
    async with a.node.engine.begin() as conn:
        river = await actor_store.get_local_actor(conn, "river")
        assert river is not None
        outsider = "http://c.test/actors/coopc"
        refused = await project_hosting.receive_leave(conn, a.node, river, outsider, a.node.now())
    assert "refused" in refused.note and "not a member" in refused.note
    assert refused.state == "ignored"
    assert (await member_states(a))[b.coop] == "active"


async def test_the_host_removes_a_member(pair: tuple[Peer, Peer]) -> None:
    a, b = pair
    river = await project_with(a, b)
    with pytest.raises(ServiceError, match="hosting co-op"):
        await project_hosting.remove_member(a.node, "river", a.coop)
    with pytest.raises(ServiceError, match="hosting co-op"):
        await project_membership.leave_project(a.node, river)
    removed = await project_hosting.remove_member(a.node, "river", b.coop)
    assert removed.state == "removed"
    outcomes = await deliver(a, b)
    assert [o.note for o in outcomes] == ["removed from the project"]
    assert await membership_state(b, river) == "removed"
    with pytest.raises(NotFound):
        await project_hosting.remove_member(a.node, "river", b.coop)
    joint = await joint_proposals.propose(a.node, "river", draft("After removal"))
    assert joint.charter["coops"] == [a.coop]


async def test_a_remove_from_a_stranger_changes_nothing(pair: tuple[Peer, Peer]) -> None:
    a, b = pair
    river = await project_with(a, b)
    async with b.node.engine.begin() as conn:
        note = await project_membership.receive_removal(conn, b.node, a.coop, b.coop, b.node.now())
    assert note is None  # A's co-op is not the project: the Remove is not about a project
    assert await membership_state(b, river) == "joined"


async def test_fixed_weights_count_in_the_joint_result(pair: tuple[Peer, Peer]) -> None:
    a, b = pair
    await allied(a, b)
    rule = project_hosting.parse_rule("coop_majority:1/2", None, "fixed", timedelta(0))
    with pytest.raises(ServiceError, match="needs a weight too"):
        await project_hosting.fixed_weights(a.node, rule, [f"{b.coop}=1"])
    charter = await project_hosting.fixed_weights(a.node, rule, [f"{a.coop}=3"])
    await project_hosting.create_project(a.node, "river", name="River", charter=charter)
    await introduce(a, b, "river")
    with pytest.raises(ServiceError, match=r"give .* a weight N"):
        await project_hosting.invite(a.node, "river", b.coop)  # B has no weight yet
    with pytest.raises(ServiceError, match="above 0"):
        await project_hosting.invite(a.node, "river", b.coop, weight=0)
    await project_hosting.invite(a.node, "river", b.coop, weight=1)
    await exchange(a, b)
    (invitation,) = await project_membership.invitations(b.node)
    assert invitation.charter["weights"] == {a.coop: 3, b.coop: 1}  # B sees what it accepts
    await project_membership.accept_invitation(b.node, a.uri("river"))
    await exchange(a, b)
    joint = await joint_proposals.propose(a.node, "river", draft("Weighted"))
    assert joint.charter["weights"] == {a.coop: 3, b.coop: 1}
    later(a, timedelta(hours=2))
    await joint_proposals.decide_due_joint_proposals(a.node)
    decided, _ = await known_joint(a, joint)
    assert decided is not None and decided.result is not None
    result = decided.result["jointResult"]
    assert result["weighting"] == "fixed"
    assert result["weights"] == {a.coop: "3/1", b.coop: "1/1"}  # fractions, as ever
    assert result["detail"]["total_weight"] == "4/1"


async def test_linked_proposals_wait_for_an_admin_when_the_charter_says_confirm(
    pair: tuple[Peer, Peer],
) -> None:
    a, b = pair
    await project_with(a, b)
    await proposals.set_charter(b.node, Charter(joint_proposals=LinkedProposals.CONFIRM))
    voter = "https://social.example/users/w0"
    await members.add_member(b.node, voter)
    confirmed = await joint_proposals.propose(a.node, "river", draft("Confirmed"))
    ignored = await joint_proposals.propose(a.node, "river", draft("Never confirmed"))
    await exchange(a, b)
    linked = {}
    for joint in (confirmed, ignored):
        _, uri = await known_joint(b, joint)
        assert uri is not None
        linked[joint.uri] = await proposals.find_proposal(b.node, uri)
        assert linked[joint.uri].proposal.state is ProposalState.DRAFT
    opened = await proposals.open_proposal(b.node, linked[confirmed.uri].slug)  # the admin
    assert opened.proposal.state is ProposalState.OPEN
    outcome = await votes.cast_vote(b.node, opened.slug, voter, "yes")
    assert outcome.status is votes.VoteStatus.COUNTED

    later(b, timedelta(hours=2))
    with pytest.raises(ServiceError):  # too late to confirm: the co-op takes no part
        await proposals.open_proposal(b.node, linked[ignored.uri].slug)
    assert await proposals.close_due_proposals(b.node) == 1
    assert await joint_certificates.send_due_certificates(b.node) == 1
    await deliver(b, a)
    later(a, timedelta(hours=2))
    await joint_proposals.decide_due_joint_proposals(a.node)
    done, _ = await known_joint(a, confirmed)
    missed, _ = await known_joint(a, ignored)
    assert done is not None and done.result is not None
    assert done.result["jointResult"]["took_part"] == {b.coop: "passed"}
    assert missed is not None and missed.result is not None
    assert missed.result["jointResult"]["did_not_take_part"][b.coop] == "missing"


def test_weight_refusals_name_no_cli_option() -> None:
    with pytest.raises(project_hosting.WeightRefused) as refused:
        project_hosting.parse_weight("3")
    assert str(refused.value) == "weight '3': write COOP=N, e.g. acct:coop@host=3"
    worded = refused.value.worded(weight="--weight", fixed="--weights fixed")
    assert worded == "--weight '3': write COOP=N, e.g. acct:coop@host=3"
