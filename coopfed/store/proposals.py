"""Charters, proposals and their life-cycle events.

A proposal row holds the governance `Proposal` (state, electorate snapshot, result) plus what
only the node needs (slug, body, visibility, charter overrides). JSON columns hold canonical
JSON so that what was hashed is exactly what is stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.canonical import canonical_text
from coopfed.governance.charter import Charter, charter_from_dict, charter_hash, charter_to_dict
from coopfed.governance.electorate import Electorate
from coopfed.governance.proposal import Proposal, ProposalEvent, ProposalState
from coopfed.governance.result import DecisionStatus
from coopfed.store.tables import charters, members, proposal_events, proposals
from coopfed.store.versioned import insert_version_one


@dataclass(frozen=True)
class CharterRecord:
    row_id: int
    version: int
    charter: Charter
    hash: str


@dataclass(frozen=True)
class ProposalRecord:
    """A governance `Proposal` (its id is the proposal's IRI) and the node's own columns."""

    row_id: int
    coop_id: int
    slug: str
    proposal: Proposal
    body: str
    options: tuple[str, ...]
    params: Mapping[str, Any]
    visibility: str
    author_row_id: int | None
    duration_seconds: int | None
    charter_id: int
    charter_version: int
    result: Mapping[str, Any] | None
    joint_proposal_uri: str | None
    created_at: datetime
    updated_at: datetime
    # The electorate members who had left when the result was decided (what the tally was
    # given); None before it was decided, and for results decided before migration 0022.
    departed: frozenset[str] | None = None

    @property
    def uri(self) -> str:
        return self.proposal.proposal_id


@dataclass(frozen=True)
class NewProposal:
    coop_id: int
    slug: str
    uri: str
    title: str
    body: str
    method: str
    options: tuple[str, ...]
    spec: Mapping[str, Any]
    params: Mapping[str, Any]
    visibility: str
    author_row_id: int | None
    duration_seconds: int | None
    closes_at: datetime | None
    charter_id: int
    charter: Charter
    joint_proposal_uri: str | None = None  # set on a linked proposal of a shared project


# --- charters


def _charter_record(row: RowMapping) -> CharterRecord:
    charter = charter_from_dict(json.loads(row["body"]))
    return CharterRecord(row["id"], row["version"], charter, row["hash"])


async def current_charter(conn: AsyncConnection, coop_id: int) -> CharterRecord | None:
    query = (
        select(charters)
        .where(charters.c.coop_id == coop_id)
        .order_by(charters.c.version.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).mappings().first()
    return _charter_record(row) if row else None


async def insert_charter(
    conn: AsyncConnection, coop_id: int, charter: Charter, now: datetime
) -> CharterRecord:
    """Store `charter` as the co-op's next version (it becomes the current one)."""
    latest = select(func.coalesce(func.max(charters.c.version), 0)).where(
        charters.c.coop_id == coop_id
    )
    version = int((await conn.execute(latest)).scalar_one()) + 1
    result = await conn.execute(
        insert(charters)
        .values(
            coop_id=coop_id,
            version=version,
            body=canonical_text(charter_to_dict(charter)),
            hash=charter_hash(charter),
            created_at=now,
        )
        .returning(*charters.c)
    )
    return _charter_record(result.mappings().one())


async def insert_first_charter(
    conn: AsyncConnection, coop_id: int, charter: Charter, now: datetime
) -> CharterRecord:
    """Store `charter` as version 1 unless a concurrent first use stored it meanwhile (then
    that one stands): the default charter is seeded on first use, and first uses can race."""
    await insert_version_one(
        conn,
        charters,
        coop_id,
        canonical_text(charter_to_dict(charter)),
        charter_hash(charter),
        now,
    )
    record = await current_charter(conn, coop_id)
    assert record is not None
    return record


# --- proposals


def _electorate(text: str | None) -> Electorate | None:
    if text is None:
        return None
    data = json.loads(text)
    record_date = datetime.fromisoformat(data["record_date"])
    return Electorate.from_pairs(record_date, [(m, c) for m, c in data["members"]])


def _proposal_record(row: RowMapping) -> ProposalRecord:
    decision = row["decision"]
    proposal = Proposal(
        proposal_id=row["uri"],
        author_member_id=row["author_member_id"] or "",
        title=row["title"],
        method=row["method"],
        spec=json.loads(row["spec"]),
        charter=charter_from_dict(json.loads(row["charter"])),
        state=ProposalState(row["state"]),
        closes_at=row["closes_at"],
        opened_at=row["opened_at"],
        electorate=_electorate(row["electorate"]),
        closed_at=row["closed_at"],
        closed_early_by=row["closed_early_by"],
        status=None if decision is None else DecisionStatus(decision),
        result_hash=row["result_hash"],
    )
    result = row["result"]
    return ProposalRecord(
        row_id=row["id"],
        coop_id=row["coop_id"],
        slug=row["slug"],
        proposal=proposal,
        body=row["body"],
        options=tuple(json.loads(row["options"])),
        params=json.loads(row["params"]),
        visibility=row["visibility"],
        author_row_id=row["author_member_row_id"],
        duration_seconds=row["duration_seconds"],
        charter_id=row["charter_id"],
        charter_version=row["charter_version"],
        result=None if result is None else json.loads(result),
        joint_proposal_uri=row["joint_proposal_uri"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        departed=None if row["departed"] is None else frozenset(json.loads(row["departed"])),
    )


def _select() -> Any:
    return (
        select(
            proposals,
            members.c.member_id.label("author_member_id"),
            charters.c.version.label("charter_version"),
        )
        .outerjoin(members, members.c.id == proposals.c.author_member_row_id)
        .join(charters, charters.c.id == proposals.c.charter_id)
    )


async def insert_proposal(conn: AsyncConnection, new: NewProposal, now: datetime) -> ProposalRecord:
    await conn.execute(
        insert(proposals).values(
            coop_id=new.coop_id,
            slug=new.slug,
            uri=new.uri,
            title=new.title,
            body=new.body,
            method=new.method,
            options=canonical_text(list(new.options)),
            spec=canonical_text(dict(new.spec)),
            params=canonical_text(dict(new.params)),
            state=ProposalState.DRAFT.value,
            visibility=new.visibility,
            author_member_row_id=new.author_row_id,
            duration_seconds=new.duration_seconds,
            closes_at=new.closes_at,
            charter_id=new.charter_id,
            charter=canonical_text(charter_to_dict(new.charter)),
            joint_proposal_uri=new.joint_proposal_uri,
            created_at=now,
            updated_at=now,
        )
    )
    record = await get_by_slug(conn, new.slug)
    assert record is not None
    return record


async def get_by_slug(conn: AsyncConnection, slug: str) -> ProposalRecord | None:
    row = (await conn.execute(_select().where(proposals.c.slug == slug))).mappings().first()
    return _proposal_record(row) if row else None


async def get_by_row_id(conn: AsyncConnection, row_id: int) -> ProposalRecord | None:
    row = (await conn.execute(_select().where(proposals.c.id == row_id))).mappings().first()
    return _proposal_record(row) if row else None


async def list_proposals(
    conn: AsyncConnection, coop_id: int, state: ProposalState | None = None
) -> list[ProposalRecord]:
    query = _select().where(proposals.c.coop_id == coop_id).order_by(proposals.c.id)
    if state is not None:
        query = query.where(proposals.c.state == state.value)
    return [_proposal_record(row) for row in (await conn.execute(query)).mappings()]


async def due_slugs(conn: AsyncConnection, now: datetime, limit: int) -> list[str]:
    """Open proposals whose closing time has passed, oldest deadline first."""
    query = (
        select(proposals.c.slug)
        .where(proposals.c.state == ProposalState.OPEN.value, proposals.c.closes_at <= now)
        .order_by(proposals.c.closes_at, proposals.c.id)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())


async def lock(conn: AsyncConnection, row_id: int, now: datetime) -> None:
    """Take the proposal's write lock for the rest of the transaction.

    An UPDATE locks the row on PostgreSQL and takes SQLite's single write lock, so ballots
    and life-cycle steps of one proposal are serialised on both databases; whatever is read
    after this is the latest committed state.
    """
    await conn.execute(update(proposals).where(proposals.c.id == row_id).values(updated_at=now))


async def save_state(
    conn: AsyncConnection,
    record: ProposalRecord,
    proposal: Proposal,
    now: datetime,
    *,
    result: Mapping[str, Any] | None = None,
    departed: frozenset[str] | None = None,
    charter: CharterRecord | None = None,
) -> None:
    """Write the life-cycle columns of `proposal` (and the charter it opened under); with a
    result, the departed members its tally was given."""
    electorate = proposal.electorate
    values: dict[str, Any] = {
        "state": proposal.state.value,
        "opened_at": proposal.opened_at,
        "closes_at": proposal.closes_at,
        "closed_at": proposal.closed_at,
        "closed_early_by": proposal.closed_early_by,
        "electorate": None if electorate is None else canonical_text(electorate.to_dict()),
        "electorate_hash": None if electorate is None else electorate.electorate_hash(),
        "electorate_size": None if electorate is None else electorate.size,
        "decision": None if proposal.status is None else proposal.status.value,
        "result_hash": proposal.result_hash,
        "updated_at": now,
    }
    if result is not None:
        values["result"] = canonical_text(dict(result))
    if departed is not None:
        values["departed"] = json.dumps(sorted(departed))
    if charter is not None:
        values["charter_id"] = charter.row_id
        values["charter"] = canonical_text(charter_to_dict(proposal.charter))
    await conn.execute(update(proposals).where(proposals.c.id == record.row_id).values(**values))


async def save_draft_text(
    conn: AsyncConnection, row_id: int, title: str, body: str, now: datetime
) -> None:
    """A draft's new title and text (only drafts change: services/proposals.edit_draft)."""
    query = update(proposals).where(proposals.c.id == row_id)
    await conn.execute(query.values(title=title, body=body, updated_at=now))


async def append_events(conn: AsyncConnection, row_id: int, events: list[ProposalEvent]) -> None:
    for event in events:
        await conn.execute(
            insert(proposal_events).values(
                proposal_row_id=row_id,
                kind=event.kind,
                actor=event.actor,
                detail=canonical_text(dict(event.detail)),
                at=event.at,
            )
        )


async def events_of(conn: AsyncConnection, row_id: int) -> list[ProposalEvent]:
    query = (
        select(proposal_events, proposals.c.uri)
        .join(proposals, proposals.c.id == proposal_events.c.proposal_row_id)
        .where(proposal_events.c.proposal_row_id == row_id)
        .order_by(proposal_events.c.id)
    )
    rows = (await conn.execute(query)).mappings()
    return [
        ProposalEvent(row["kind"], row["uri"], row["at"], row["actor"], json.loads(row["detail"]))
        for row in rows
    ]
