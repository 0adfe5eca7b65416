"""Admission by the members' vote: the `admissions` worker job.

For each application whose class the charter admits by vote, the job opens an admission
proposal (`proposal@1`, yes/no, members-only, open for the principle's `admission_vote_days`)
and links it to the application; once the proposal is decided, passing admits and anything
else rejects, and the applicant is told (Accept/Reject of their Join).

Steps are separate units of work, each safe to repeat: a draft proposal is linked to the
application with a conditional update (the loser withdraws its draft), a linked proposal still
in draft is opened on the next round, and settling is conditional too. A crash between creating
the draft and linking it leaves an unlinked draft behind (visible in `coopfed proposal list`).
"""

from __future__ import annotations

from datetime import timedelta

from coopfed.governance.errors import GovernanceError
from coopfed.governance.proposal import ProposalState
from coopfed.governance.result import DecisionStatus
from coopfed.node import Node
from coopfed.services import proposals
from coopfed.services.errors import ServiceError
from coopfed.services.members import coop_actor
from coopfed.services.membership import admit_in, settle_rejected
from coopfed.services.membership_principle import current_principle
from coopfed.store import actors as actor_store
from coopfed.store import membership as membership_store
from coopfed.store import proposals as proposal_store
from coopfed.store.membership import Application, ApplicationState

BATCH = 20


async def _needing_a_vote(node: Node) -> list[Application]:
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await actor_store.get_actor_of_kind(conn, "coop")
        if coop is None:  # `coopfed init` not run yet: nothing to admit
            return []
        if not await membership_store.list_applications(conn, coop.id, (ApplicationState.PENDING,)):
            return []
        principle = (await current_principle(conn, coop.id, now)).principle
        pending = await membership_store.list_applications(
            conn, coop.id, (ApplicationState.PENDING,)
        )
    wanted = []
    for application in pending[:BATCH]:
        try:
            policy = principle.policy(application.requested_class)
        except GovernanceError:
            continue
        if policy.admission.value == "vote":
            wanted.append(application)
    return wanted


def _draft(application: Application, days: int) -> proposals.ProposalDraft:
    who = application.handle or application.actor_uri
    body = f"{application.actor_uri} applies to join as {application.requested_class}."
    if application.message:
        body += f"\n\nTheir message: {application.message}"
    return proposals.ProposalDraft(
        title=f"Admit {who} as {application.requested_class}"[:300],
        method="proposal",
        body=body,
        spec={"allow_block": False},
        duration=timedelta(days=days),
        visibility="members",
    )


async def _open_vote(node: Node, application: Application) -> bool:
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        principle = (await current_principle(conn, coop.id, node.now())).principle
    draft = await proposals.create_proposal(
        node, _draft(application, principle.admission_vote_days)
    )
    async with node.engine.begin() as conn:
        linked = await membership_store.set_voting(conn, application.row_id, draft.row_id)
    if not linked:  # settled or linked by someone else meanwhile
        await proposals.withdraw_proposal(node, draft.slug, by="admissions")
        return False
    await proposals.open_proposal(node, draft.slug)
    return True


async def _settle(node: Node, application: Application) -> bool:
    assert application.proposal_row_id is not None
    async with node.engine.connect() as conn:
        slug = await membership_store.proposal_slug(conn, application.proposal_row_id)
        record = await proposal_store.get_by_slug(conn, slug or "")
    if record is None:
        return False
    state = record.proposal.state
    if state is ProposalState.DRAFT:
        await proposals.open_proposal(node, record.slug)  # a crash left it unopened
        return True
    if state not in (ProposalState.DECIDED, ProposalState.WITHDRAWN):
        return False
    now = node.now()
    status = record.proposal.status
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        if state is ProposalState.DECIDED and status is DecisionStatus.PASSED:
            await admit_in(conn, node.uris, coop, application, None, record.uri, now)
            return True
        outcome = status.value if status is not None else state.value
        reason = f"the members' vote on your application ended: {outcome}"
        return await settle_rejected(conn, node.uris, coop, application, reason, record.uri, now)


async def process_admissions(node: Node) -> int:
    """The worker job: open admission votes, settle decided ones; how many steps were taken."""
    handled = 0
    for application in await _needing_a_vote(node):
        handled += await _open_vote(node, application)
    async with node.engine.connect() as conn:
        voting = await membership_store.voting_applications(conn, BATCH)
    for application in voting:
        try:
            handled += await _settle(node, application)
        except ServiceError:
            continue  # settled meanwhile by another worker
    return handled
