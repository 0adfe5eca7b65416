"""Proxies (issue 18): a member lets another member vote for her.

A grant is for one proposal, for the proposals on one assembly's agenda (granted before the
assembly starts), or for every proposal until a date (or until revoked). The charter decides
whether proxies are allowed, how many one holder may hold and whether holder and grantor must
be of one class (governance/proxies.py `check_grant`): a one-proposal grant is checked
against that proposal's charter, any other against the co-op's current one.
Voting by proxy goes through `services/votes.py` like every vote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.charter import Charter
from coopfed.governance.errors import GovernanceError
from coopfed.governance.members import MemberStatus
from coopfed.governance.proposal import ProposalState
from coopfed.governance.proxies import ProxyGrant, check_grant
from coopfed.node import Node
from coopfed.services.assemblies import find_in as find_assembly_in
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.members import GONE, coop_actor, find_member_in
from coopfed.services.proposals import current_charter, slug_of
from coopfed.store import assemblies as assembly_store
from coopfed.store import members as member_store
from coopfed.store import proposals as proposal_store
from coopfed.store import proxies as proxy_store
from coopfed.store.assemblies import AssemblyRecord
from coopfed.store.members import MemberRecord
from coopfed.store.proposals import ProposalRecord
from coopfed.store.proxies import StoredGrant

# A grant for a proposal that can no longer be voted on is pointless: refused.
VOTABLE = frozenset(ProposalState(state) for state in proxy_store.VOTABLE)


@dataclass(frozen=True)
class GrantView:
    """A grant as people read it: the stored grant and both members' handles."""

    stored: StoredGrant
    grantor_handle: str
    holder_handle: str

    @property
    def grant(self) -> ProxyGrant:
        return self.stored.grant


def _may_act(record: MemberRecord, role: str) -> None:
    status = record.member.status
    if status in GONE or status is MemberStatus.SUSPENDED:
        raise ServiceError(f"{record.handle} is {status.value} and cannot {role} a proxy")


async def _proposal(conn: AsyncConnection, node: Node, reference: str) -> ProposalRecord:
    record = await proposal_store.get_by_slug(conn, slug_of(node.uris, reference))
    if record is None:
        raise NotFound(f"no proposal {reference!r}")
    if record.proposal.state not in VOTABLE:
        raise ServiceError(f"proposal {record.slug} is {record.proposal.state.value}: no proxy")
    return record


async def _assembly(
    conn: AsyncConnection, node: Node, reference: str, now: datetime
) -> AssemblyRecord:
    record = await find_assembly_in(conn, node.uris, reference)
    if record.starts_at <= now:
        # Its quorum counts the proxies standing at its start: a later grant would not count.
        raise ServiceError(f"assembly {record.slug} has started: a proxy for it comes before")
    return record


def through_day(day: date, time_zone: str) -> datetime:
    """A grant "until" a day lasts through it: to the next midnight in the co-op's zone."""
    return datetime.combine(day + timedelta(days=1), time(), ZoneInfo(time_zone))


@dataclass(frozen=True)
class MyProxies:
    """What /me shows a member: whether the charter allows proxies, the grants in force she
    gave and those she holds."""

    member_id: str
    allowed: bool
    cap_per_holder: int
    given: tuple[GrantView, ...]
    held: tuple[GrantView, ...]
    upcoming: tuple[AssemblyRecord, ...] = ()  # assemblies not yet started, soonest first


async def proxies_of(node: Node, actor_uri: str) -> MyProxies | None:
    """The proxies of the member bound to `actor_uri` (None when she is no member)."""
    async with node.engine.connect() as conn:
        member = await member_store.get_by_actor(conn, actor_uri)
        if member is None or member.member.status in GONE:
            return None
        coop = await coop_actor(conn)
        record = await proposal_store.current_charter(conn, coop.id)
        policy = Charter().proxies if record is None else record.charter.proxies
        views = await list_proxies_in(conn, node, member.member_id, active_only=True)
        now = node.now()
        upcoming = sorted(
            (a for a in await assembly_store.list_assemblies(conn, coop.id) if a.starts_at > now),
            key=lambda a: (a.starts_at, a.row_id),
        )
    return MyProxies(
        member.member_id,
        policy.allowed,
        policy.cap_per_holder,
        tuple(v for v in views if v.grant.grantor == member.member_id),
        tuple(v for v in views if v.grant.holder == member.member_id),
        tuple(upcoming),
    )


async def grant_proxy(
    node: Node,
    grantor: str,
    holder: str,
    *,
    proposal: str | None = None,
    until: datetime | None = None,
    assembly: str | None = None,
) -> GrantView:
    """`grantor` lets `holder` (member references) vote for her, in one transaction: on one
    `proposal`, or on the proposals on one `assembly`'s agenda (not both), or on every one."""
    now = node.now()
    if until is not None and until.tzinfo is None:
        raise ServiceError("the date a proxy lasts until needs a time zone")
    if proposal is not None and assembly is not None:
        raise ServiceError("a proxy is for one proposal or for one assembly, not both")
    async with node.engine.begin() as conn:
        giver = await find_member_in(conn, node.uris, grantor)
        taker = await find_member_in(conn, node.uris, holder)
        _may_act(giver, "grant")
        _may_act(taker, "hold")
        await proxy_store.lock_members(conn, giver.row_id, taker.row_id)
        record = None if proposal is None else await _proposal(conn, node, proposal)
        meeting = None if assembly is None else await _assembly(conn, node, assembly, now)
        charter = await _charter(conn, now, record)
        agenda = frozenset[str]()
        if meeting is not None:
            agenda = await proxy_store.agenda_of(conn, meeting.row_id)
        try:
            grant = ProxyGrant(
                giver.member_id,
                taker.member_id,
                now,
                proposal_id=None if record is None else record.uri,
                until=until,
                assembly_id=None if meeting is None else meeting.uri,
                agenda=agenda,
            )
            active = await proxy_store.list_grants(conn, active_at=now)
            check_grant(
                charter.proxies,
                grant,
                [g.grant for g in active],
                {r.member_id: r.member.member_class for r in (giver, taker)},
                {r.member_id: r.handle for r in (giver, taker)},
            )
        except GovernanceError as error:
            raise ServiceError(str(error)) from None
        stored = await proxy_store.insert_grant(
            conn,
            grantor_row_id=giver.row_id,
            holder_row_id=taker.row_id,
            proposal_row_id=None if record is None else record.row_id,
            until=until,
            granted_at=now,
            assembly_row_id=None if meeting is None else meeting.row_id,
        )
    return GrantView(stored, giver.handle, taker.handle)


async def _charter(conn: AsyncConnection, now: datetime, record: ProposalRecord | None) -> Charter:
    if record is not None:
        return record.proposal.charter
    coop = await coop_actor(conn)
    return (await current_charter(conn, coop.id, now)).charter


async def revoke_proxy(node: Node, grant_id: int, *, by: str | None = None) -> GrantView:
    """Revoke a grant; `by` (a member reference), when given, must be its grantor or holder
    (a member on the site); the admin CLI revokes any."""
    now = node.now()
    async with node.engine.begin() as conn:
        stored = await proxy_store.get_grant(conn, grant_id)
        if stored is None:
            raise NotFound(f"no proxy {grant_id}")
        if by is not None:
            member = await find_member_in(conn, node.uris, by)
            if member.member_id not in (stored.grant.grantor, stored.grant.holder):
                raise NotFound(f"no proxy {grant_id}")
        if not await proxy_store.revoke_grant(conn, grant_id, now):
            raise ServiceError(f"proxy {grant_id} was already revoked")
        revoked = await proxy_store.get_grant(conn, grant_id)
        assert revoked is not None
        return await _view(conn, revoked)


async def list_proxies(
    node: Node, member: str | None = None, *, active_only: bool = False
) -> list[GrantView]:
    """Every grant (or those `member` gave or holds), oldest first; `active_only` leaves out
    revoked and expired ones."""
    async with node.engine.connect() as conn:
        return await list_proxies_in(conn, node, member, active_only=active_only)


async def list_proxies_in(
    conn: AsyncConnection, node: Node, member: str | None, *, active_only: bool
) -> list[GrantView]:
    row_id = None if member is None else (await find_member_in(conn, node.uris, member)).row_id
    grants = await proxy_store.list_grants(
        conn, member_row_id=row_id, active_at=node.now() if active_only else None
    )
    return [await _view(conn, stored) for stored in grants]


async def _view(conn: AsyncConnection, stored: StoredGrant) -> GrantView:
    names = []
    for member_id in (stored.grant.grantor, stored.grant.holder):
        record = await member_store.get_by_member_id(conn, member_id)
        names.append(member_id if record is None else record.handle)
    return GrantView(stored, names[0], names[1])
