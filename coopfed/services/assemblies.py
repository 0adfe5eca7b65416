"""General assemblies: schedule one, put proposals on its agenda, record who attended, read
it back with its quorum (docs/governance.md rule 18). Each public function is one unit of
work; scheduling and agenda changes publish the Event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.assembly import AssemblyQuorum, assembly_quorum
from coopfed.governance.charter import Charter, parse_fraction
from coopfed.governance.electorate import Electorate
from coopfed.governance.errors import GovernanceError
from coopfed.governance.members import MemberStatus
from coopfed.governance.proposal import VISIBILITIES, ProposalState
from coopfed.node import Node
from coopfed.services import assembly_publishing as publishing
from coopfed.services import audience
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.members import coop_actor, find_member_in, new_public_id
from coopfed.services.proposals import slug_of
from coopfed.store import assemblies as assembly_store
from coopfed.store import members as member_store
from coopfed.store import proposals as proposal_store
from coopfed.store.assemblies import AssemblyRecord, Attendee, NewAssembly
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris

TITLE_MAX = 300
PLACE_MAX = 500
LINK_MAX = 2048


@dataclass(frozen=True)
class AssemblyDraft:
    """What an admin asks for: a place or a video link, not both."""

    title: str
    starts_at: datetime
    place: str | None = None
    link: str | None = None
    ends_at: datetime | None = None
    quorum: str | None = None
    visibility: str = "public"


@dataclass(frozen=True)
class AssemblyDetail:
    """An assembly as its page, `show` and the minutes read it."""

    record: AssemblyRecord
    items: tuple[ProposalRecord, ...]  # the agenda, in order
    attendees: tuple[Attendee, ...]
    quorum: AssemblyQuorum
    handles: Mapping[str, str]  # member id → handle, for the members the quorum names

    def handle_of(self, member_id: str) -> str:
        return self.handles.get(member_id) or member_id


@dataclass(frozen=True)
class NewAssemblyFields:
    """A draft's fields once checked and trimmed."""

    title: str
    place: str | None
    link: str | None
    quorum: str | None


def _quorum(text: str | None) -> tuple[str | None, Fraction | None]:
    if text is None or not text.strip():
        return None, None
    try:
        return text.strip(), parse_fraction(text, what="quorum")
    except GovernanceError as error:
        raise ServiceError(str(error)) from None


def _link(text: str | None) -> str | None:
    if text is None:
        return None
    link = text.strip()
    parts = urlsplit(link)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(link) > LINK_MAX:
        raise ServiceError(f"link {text!r}: give the video call's http(s) address")
    return link


def _checked(draft: AssemblyDraft) -> NewAssemblyFields:
    title = draft.title.strip()
    if not title or len(title) > TITLE_MAX:
        raise ServiceError(f"an assembly needs a title (at most {TITLE_MAX} characters)")
    place = None if draft.place is None else draft.place.strip()
    if (not place) == (draft.link is None):
        raise ServiceError("give either a place or a video link")
    if place is not None and len(place) > PLACE_MAX:
        raise ServiceError(f"the place may have at most {PLACE_MAX} characters")
    for moment in (draft.starts_at, draft.ends_at):
        if moment is not None and moment.tzinfo is None:
            raise ServiceError("give times with a time zone (e.g. 2030-06-20T18:00Z)")
    if draft.ends_at is not None and draft.ends_at <= draft.starts_at:
        raise ServiceError("the assembly must end after it starts")
    if draft.visibility not in VISIBILITIES:
        raise ServiceError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    quorum, _ = _quorum(draft.quorum)
    return NewAssemblyFields(title, place or None, _link(draft.link), quorum)


async def create_assembly(node: Node, draft: AssemblyDraft) -> AssemblyDetail:
    """Schedule an assembly and publish its Event (Create) in the same transaction."""
    fields = _checked(draft)
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        slug = new_public_id()
        record = await assembly_store.insert_assembly(
            conn,
            NewAssembly(
                coop_id=coop.id,
                slug=slug,
                uri=node.uris.assembly(slug),
                title=fields.title,
                starts_at=draft.starts_at,
                ends_at=draft.ends_at,
                place=fields.place,
                link=fields.link,
                quorum=fields.quorum,
                visibility=draft.visibility,
            ),
            now,
        )
        await publishing.publish_scheduled(conn, node.uris, record, now)
        return await _detail(conn, record, now)


def assembly_slug(uris: Uris, reference: str) -> str:
    """An assembly's id from itself or from its IRI."""
    prefix = uris.assembly("")
    ref = reference.strip()
    return ref[len(prefix) :] if ref.startswith(prefix) else ref


async def find_in(conn: AsyncConnection, uris: Uris, reference: str) -> AssemblyRecord:
    record = await assembly_store.get_by_slug(conn, assembly_slug(uris, reference))
    if record is None:
        raise NotFound(f"no assembly {reference!r}")
    return record


async def add_to_agenda(node: Node, reference: str, proposal_ref: str) -> AssemblyDetail:
    """Put a proposal on the agenda (last); the Event's Update goes out with it."""
    now = node.now()
    async with node.engine.begin() as conn:
        record = await find_in(conn, node.uris, reference)
        await assembly_store.lock(conn, record.row_id, now)
        proposal = await proposal_store.get_by_slug(conn, slug_of(node.uris, proposal_ref))
        if proposal is None:
            raise NotFound(f"no proposal {proposal_ref!r}")
        if proposal.proposal.state is ProposalState.WITHDRAWN:
            raise ServiceError(f"proposal {proposal.slug} was withdrawn: it cannot be decided")
        if proposal.row_id in await assembly_store.agenda(conn, record.row_id):
            raise ServiceError(f"proposal {proposal.slug} is already on this agenda")
        await assembly_store.add_item(conn, record.row_id, proposal.row_id, now)
        fresh = await find_in(conn, node.uris, record.slug)
        await publishing.publish_changed(conn, node.uris, fresh, now)
        return await _detail(conn, fresh, now)


async def record_attendance(
    node: Node, reference: str, member_ref: str, *, by: str
) -> tuple[AssemblyDetail, bool]:
    """Record that an active member attended (False: it was already recorded). Not on the
    wire: attendance is the co-op's business."""
    now = node.now()
    async with node.engine.begin() as conn:
        record = await find_in(conn, node.uris, reference)
        member = await find_member_in(conn, node.uris, member_ref)
        if member.member.status is not MemberStatus.ACTIVE:
            raise ServiceError(
                f"member {member.member_id} is {member.member.status.value}:"
                " only active members attend"
            )
        added = await assembly_store.record_attendance(conn, record.row_id, member.row_id, now, by)
        return await _detail(conn, record, now), added


async def assembly_detail(node: Node, reference: str) -> AssemblyDetail:
    async with node.engine.connect() as conn:
        record = await find_in(conn, node.uris, reference)
        return await _detail(conn, record, node.now())


async def list_assemblies(node: Node) -> list[AssemblyRecord]:
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        return await assembly_store.list_assemblies(conn, coop.id)


async def _eligible(
    conn: AsyncConnection, coop_id: int, now: datetime
) -> tuple[Electorate, dict[str, str]]:
    """Who the assembly's quorum counts: the active members of voting classes under the
    current charter, as the register stands now (as a proposal opened now would freeze);
    and every member's handle."""
    charter = await proposal_store.current_charter(conn, coop_id)
    register = await member_store.list_members(conn, coop_id)
    rules = Charter() if charter is None else charter.charter
    electorate = Electorate.snapshot([r.member for r in register], rules, now)
    return electorate, {r.member_id: r.handle for r in register}


async def _detail(conn: AsyncConnection, record: AssemblyRecord, now: datetime) -> AssemblyDetail:
    rows = await assembly_store.agenda(conn, record.row_id)
    items: list[ProposalRecord] = []
    for row_id in rows:
        proposal = await proposal_store.get_by_row_id(conn, row_id)
        if proposal is not None:
            items.append(proposal)
    attendees = await assembly_store.attendance(conn, record.row_id)
    eligible, handles = await _eligible(conn, record.coop_id, now)
    proxies = await assembly_store.standing_proxies(conn, record.starts_at, rows, record.row_id)
    _, fraction = _quorum(record.quorum)
    quorum = assembly_quorum(eligible, [a.member_id for a in attendees], proxies, fraction)
    return AssemblyDetail(record, tuple(items), tuple(attendees), quorum, handles)


@dataclass(frozen=True)
class AssemblyPage:
    """What the assembly's page shows to one reader."""

    detail: AssemblyDetail
    items: tuple[ProposalRecord, ...]  # the agenda items this reader may see, in order
    hidden_items: int  # items on the agenda this reader may not see
    sees_attendance: bool  # members and admins see who attended; others the counts only
    is_admin: bool
    candidates: tuple[tuple[str, str], ...] = ()  # admins: (slug, title) that may be added


async def _reader_sees(
    conn: AsyncConnection, record: AssemblyRecord, actor: str | None, is_admin: bool
) -> tuple[bool, bool]:
    """(may see the assembly, may see who attended)."""
    if is_admin:
        return True, True
    member = await audience.is_active_member(conn, actor) is not None
    return member or await audience.may_see_assembly(conn, record, actor), member


async def load_page(
    node: Node, reference: str, actor: str | None, *, is_admin: bool
) -> AssemblyPage | None:
    """The page for this reader, or None when the assembly does not exist for them."""
    async with node.engine.connect() as conn:
        record = await assembly_store.get_by_slug(conn, assembly_slug(node.uris, reference))
        if record is None:
            return None
        visible, sees_attendance = await _reader_sees(conn, record, actor, is_admin)
        if not visible:
            return None
        detail = await _detail(conn, record, node.now())
        items = [
            item
            for item in detail.items
            if is_admin or await audience.may_see_proposal(conn, item, actor)
        ]
        candidates: tuple[tuple[str, str], ...] = ()
        if is_admin:
            on_agenda = {item.row_id for item in detail.items}
            candidates = tuple(
                (p.slug, p.proposal.title)
                for p in await proposal_store.list_proposals(conn, record.coop_id)
                if p.row_id not in on_agenda and p.proposal.state is not ProposalState.WITHDRAWN
            )
        return AssemblyPage(
            detail=detail,
            items=tuple(items),
            hidden_items=len(detail.items) - len(items),
            sees_attendance=sees_attendance,
            is_admin=is_admin,
            candidates=candidates,
        )


async def list_for(node: Node, actor: str | None, *, is_admin: bool) -> list[AssemblyRecord]:
    """The assemblies this reader may see, latest first."""
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        shown = []
        for record in await assembly_store.list_assemblies(conn, coop.id):
            if (await _reader_sees(conn, record, actor, is_admin))[0]:
                shown.append(record)
        return shown


async def served_event(node: Node, reference: str, reader: str | None) -> dict[str, Any] | None:
    """The Event for a GET signed by `reader` (None: unsigned), or None when this reader may
    not see it (the same answer as for an assembly that does not exist)."""
    async with node.engine.connect() as conn:
        record = await assembly_store.get_by_slug(conn, assembly_slug(node.uris, reference))
        if record is None or not await audience.may_see_assembly(conn, record, reader):
            return None
        named = reader if record.visibility == "members" else None
        return await publishing.served_event(conn, node.uris, record, named)


async def visibility_of(node: Node, reference: str) -> str | None:
    async with node.engine.connect() as conn:
        record = await assembly_store.get_by_slug(conn, assembly_slug(node.uris, reference))
        return None if record is None else record.visibility
