"""Applications for membership and admission: by an admin, or by the members' vote.

An application comes from a remote actor's `Join` (inbox handler) or from the web form
(`apply_for_membership`). An admin admits or rejects it (`admit_applicant`, `reject_applicant`);
when the charter's class policy says "vote", the `admissions` worker job opens an admission
proposal (`proposal@1`, yes/no) and settles the application once the proposal is decided.
Admission binds the member to their actor, issues the class's shares and publishes `Accept` of
the Join and `Add` to the members collection, all in one transaction. Every decision also tells
the applicant in words, in that same transaction (`application_outcomes`: an e-mail to a web
applicant's address, a private note to a fediverse applicant).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.errors import GovernanceError
from coopfed.governance.members import Member, MemberStatus
from coopfed.governance.membership import ClassPolicy, MembershipPrinciple
from coopfed.i18n import supported
from coopfed.node import Node
from coopfed.services import membership_publishing as publishing
from coopfed.services import shares
from coopfed.services.application_outcomes import Outcome, tell_applicant
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.languages import coop_language
from coopfed.services.members import GONE, coop_actor, member_classes, new_public_id
from coopfed.services.membership_principle import current_principle
from coopfed.store import member_history
from coopfed.store import members as member_store
from coopfed.store import membership as membership_store
from coopfed.store.actors import LocalActor
from coopfed.store.members import MemberRecord
from coopfed.store.membership import Application, ApplicationState, NewApplication
from coopfed.uris import Uris

WAITING = (ApplicationState.PENDING, ApplicationState.VOTING)


class ApplyStatus(enum.StrEnum):
    RECEIVED = "received"  # waiting for an admin, or for the admission vote
    DUPLICATE = "duplicate"  # this actor already has an application waiting
    ALREADY_MEMBER = "already_member"  # active member: the Accept is sent again
    REFUSED = "refused"  # e.g. class closed to applications; the applicant is told why


@dataclass(frozen=True)
class ApplyOutcome:
    status: ApplyStatus
    message: str
    application: Application | None = None


@dataclass(frozen=True)
class ApplicationRequest:
    actor_uri: str
    handle: str = ""
    requested_class: str | None = None
    message: str = ""
    source: str = "web"  # fediverse | web
    join_activity_id: str | None = None
    email: str | None = None  # normalised (`addresses.normalise_email`)
    contact_actor: str | None = None  # resolved (`application_outcomes.resolve_contact`)
    language: str | None = None  # the page's language (web): the outcome is told in it


async def receive_application(
    conn: AsyncConnection, uris: Uris, request: ApplicationRequest, now: datetime
) -> ApplyOutcome:
    """Record an application in the caller's transaction; answers a Join that is refused."""
    coop = await coop_actor(conn)
    principle = (await current_principle(conn, coop.id, now)).principle
    existing = await member_store.get_by_actor(conn, request.actor_uri)
    if existing is not None and existing.member.status not in GONE:
        return await _already_member(conn, uris, coop, existing, request, now)
    waiting = await membership_store.open_application_of(conn, request.actor_uri)
    if waiting is not None:
        return ApplyOutcome(ApplyStatus.DUPLICATE, "your application is being considered", waiting)
    try:
        policy = principle.application_class(request.requested_class)
        refusal = ""
    except GovernanceError as error:
        policy, refusal = principle.policy(principle.default_class), str(error)
    new = NewApplication(
        coop.id, request.actor_uri, request.handle, request.requested_class or policy.name,
        request.message, request.source, request.join_activity_id, request.email,
        request.contact_actor, supported(request.language),
    )  # fmt: skip
    application = await membership_store.insert_application(conn, new, now)
    if refusal:
        await settle_rejected(conn, uris, coop, application, refusal, "charter", now)
        return ApplyOutcome(ApplyStatus.REFUSED, refusal, application)
    how = "the members will vote on it" if _by_vote(policy) else "an admin will decide"
    return ApplyOutcome(ApplyStatus.RECEIVED, f"application received; {how}", application)


def _by_vote(policy: ClassPolicy) -> bool:
    return policy.admission.value == "vote"


async def _already_member(
    conn: AsyncConnection,
    uris: Uris,
    coop: LocalActor,
    record: MemberRecord,
    request: ApplicationRequest,
    now: datetime,
) -> ApplyOutcome:
    status = record.member.status
    if request.join_activity_id is not None:
        # Answer again (the member may have lost our first Accept); a suspended one is told.
        accept = status is MemberStatus.ACTIVE
        reason = "" if accept else f"your membership is {status.value}"
        await publishing.publish_join_answer(
            conn, uris, coop, accept=accept, join_id=request.join_activity_id,
            applicant=request.actor_uri, reason=reason, now=now,
        )  # fmt: skip
    return ApplyOutcome(ApplyStatus.ALREADY_MEMBER, f"already a member ({status.value})")


async def apply_for_membership(node: Node, request: ApplicationRequest) -> ApplyOutcome:
    """The web form's entry (and any other local caller): one unit of work."""
    if request.language is None:  # the outcome is told in the co-op's language
        request = replace(request, language=coop_language(node.settings))
    async with node.engine.begin() as conn:
        outcome = await receive_application(conn, node.uris, request, node.now())
    if outcome.status is ApplyStatus.REFUSED:
        raise ServiceError(outcome.message)
    return outcome


async def list_applications(node: Node, *, every: bool = False) -> list[Application]:
    """Waiting applications (pending or being voted on), or every application."""
    states = tuple(ApplicationState) if every else WAITING
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        return await membership_store.list_applications(conn, coop.id, states)


async def latest_application(node: Node, actor_uri: str) -> Application | None:
    """The actor's most recent application, whatever its state (what their page shows)."""
    async with node.engine.connect() as conn:
        return await membership_store.latest_application_of(conn, actor_uri)


async def _waiting_application(conn: AsyncConnection, coop_id: int, ref: str) -> Application:
    reference = ref.strip()
    for application in await membership_store.list_applications(conn, coop_id, WAITING):
        handles = {application.handle, application.handle.removeprefix("acct:")}
        if reference == application.actor_uri or reference.lstrip("@") in handles - {""}:
            return application
    raise NotFound(f"no application waiting from {ref!r} (see `coopfed member applications`)")


async def admit_applicant(
    node: Node, reference: str, *, member_class: str | None = None, by: str = "admin"
) -> MemberRecord:
    """An admin admits the applicant `reference` (actor URL or handle)."""
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        application = await _waiting_application(conn, coop.id, reference)
        if application.state is ApplicationState.VOTING:
            raise ServiceError("the members are voting on this application; wait for the result")
        return await admit_in(conn, node.uris, coop, application, member_class, by, now)


async def reject_applicant(node: Node, reference: str, *, reason: str, by: str = "admin") -> None:
    """An admin rejects the applicant; the reason goes back with the `Reject`."""
    if not reason.strip():
        raise ServiceError("give the reason the applicant will be told (--reason)")
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        application = await _waiting_application(conn, coop.id, reference)
        if application.state is ApplicationState.VOTING:
            raise ServiceError("the members are voting on this application; wait for the result")
        await settle_rejected(conn, node.uris, coop, application, reason.strip(), by, now)


async def settle_rejected(
    conn: AsyncConnection,
    uris: Uris,
    coop: LocalActor,
    application: Application,
    reason: str,
    by: str,
    now: datetime,
) -> bool:
    settled = await membership_store.decide(
        conn, application.row_id, ApplicationState.REJECTED, now=now, by=by, reason=reason
    )
    if not settled:
        return False
    if application.join_activity_id is not None:
        await publishing.publish_join_answer(
            conn, uris, coop, accept=False, join_id=application.join_activity_id,
            applicant=application.actor_uri, reason=reason, now=now,
        )  # fmt: skip
    await tell_applicant(conn, uris, coop, application, Outcome(False, reason=reason), now)
    return True


async def admit_in(
    conn: AsyncConnection,
    uris: Uris,
    coop: LocalActor,
    application: Application,
    member_class: str | None,
    by: str,
    now: datetime,
) -> MemberRecord:
    """Admit in the caller's transaction: member, shares, Accept and Add. Settles first, so
    two workers settling one application admit once."""
    principle = (await current_principle(conn, coop.id, now)).principle
    chosen = _class_for(principle, member_class or application.requested_class)
    (await member_classes(conn, coop.id, now)).require(chosen)  # the register knows it
    settled = await membership_store.decide(
        conn, application.row_id, ApplicationState.ADMITTED, now=now, by=by
    )
    if not settled:
        raise ServiceError("this application was settled meanwhile")
    record = await _bind(conn, coop.id, application, chosen, principle, now)
    await shares.issue_on_admission(conn, coop.id, principle, record, now)
    await membership_store.link_member(conn, application.row_id, record.row_id)
    await _keep_address(conn, record, application.email)
    fresh = await member_store.get_by_row_id(conn, record.row_id)
    assert fresh is not None
    if application.join_activity_id is not None:
        await publishing.publish_join_answer(
            conn, uris, coop, accept=True, join_id=application.join_activity_id,
            applicant=application.actor_uri, reason="", now=now,
        )  # fmt: skip
    await publishing.publish_added(conn, uris, coop, fresh, now)
    outcome = Outcome(True, member_class=fresh.member.member_class)
    await tell_applicant(conn, uris, coop, application, outcome, now)
    return fresh


async def _keep_address(conn: AsyncConnection, record: MemberRecord, email: str | None) -> None:
    """The address given when applying becomes the member's (password resets, notifications),
    unless the member has one already or another member holds it (one member per address:
    a clash must not undo the admission)."""
    if email is None or record.email is not None:
        return
    if await member_store.get_by_email(conn, email) is None:
        await member_store.set_email(conn, record.row_id, email)


def _class_for(principle: MembershipPrinciple, name: str) -> str:
    try:
        return principle.policy(name).name
    except GovernanceError as error:
        raise ServiceError(str(error)) from None


async def _bind(
    conn: AsyncConnection,
    coop_id: int,
    application: Application,
    member_class: str,
    principle: MembershipPrinciple,
    now: datetime,
) -> MemberRecord:
    """A new member row, or the old one of a former member (one story, one member id)."""
    required = principle.policy(member_class).shares_required
    detail = {"actor": application.actor_uri, "class": member_class, "shares": required}
    existing = await member_store.get_by_actor(conn, application.actor_uri)
    if existing is not None:
        if existing.member.status not in GONE:
            raise ServiceError(f"{application.actor_uri} is already member {existing.member_id}")
        await member_store.update_status(conn, existing.row_id, MemberStatus.ACTIVE, left_at=None)
        await _set_class(conn, existing, member_class)
        await member_store.append_event(conn, existing.row_id, "readmitted", detail, now)
        record = await member_store.get_by_row_id(conn, existing.row_id)
        assert record is not None
        return record
    member = Member(new_public_id(), application.actor_uri, member_class, shares=0)
    record = await member_store.insert_member(
        conn, coop_id, member, handle=application.handle or application.actor_uri, now=now
    )
    await member_store.append_event(conn, record.row_id, "admitted", detail, now)
    return record


async def _set_class(conn: AsyncConnection, record: MemberRecord, member_class: str) -> None:
    if record.member.member_class != member_class:
        await member_history.set_member_class(conn, record.row_id, member_class)
