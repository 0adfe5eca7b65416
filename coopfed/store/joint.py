"""Joint proposals (hosted here, or received from a project) and result certificates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.canonical import canonical_text
from coopfed.store.projects import ProjectMemberState
from coopfed.store.tables import (
    joint_certificates,
    joint_proposals,
    project_memberships,
    proposals,
)


@dataclass(frozen=True)
class JointProposal:
    row_id: int
    uri: str
    project_uri: str
    hosted: bool
    title: str
    body: str
    method: str
    spec: Mapping[str, Any]
    charter: Mapping[str, Any]  # rule, weighting, grace_seconds, coops (at opening)
    opened_at: datetime
    closes_at: datetime
    state: str  # open | decided
    status: str | None
    result: Mapping[str, Any] | None  # the signed joint result document
    decided_at: datetime | None


@dataclass(frozen=True)
class StoredCertificate:
    coop_uri: str
    proposal_uri: str
    document: Mapping[str, Any]
    certificate_hash: str
    verified: bool
    received_at: datetime


def _joint(row: RowMapping) -> JointProposal:
    return JointProposal(
        row_id=row["id"],
        uri=row["uri"],
        project_uri=row["project_uri"],
        hosted=bool(row["hosted"]),
        title=row["title"],
        body=row["body"],
        method=row["method"],
        spec=json.loads(row["spec"]),
        charter=json.loads(row["charter"]),
        opened_at=row["opened_at"],
        closes_at=row["closes_at"],
        state=row["state"],
        status=row["status"],
        result=None if row["result"] is None else json.loads(row["result"]),
        decided_at=row["decided_at"],
    )


async def insert_joint(
    conn: AsyncConnection,
    *,
    uri: str,
    project_uri: str,
    hosted: bool,
    title: str,
    body: str,
    method: str,
    spec: Mapping[str, Any],
    charter: Mapping[str, Any],
    opened_at: datetime,
    closes_at: datetime,
    now: datetime,
) -> JointProposal:
    await conn.execute(
        insert(joint_proposals).values(
            uri=uri,
            project_uri=project_uri,
            hosted=hosted,
            title=title[:300],
            body=body,
            method=method,
            spec=canonical_text(dict(spec)),
            charter=canonical_text(dict(charter)),
            opened_at=opened_at,
            closes_at=closes_at,
            state="open",
            created_at=now,
        )
    )
    found = await get_by_uri(conn, uri)
    assert found is not None
    return found


async def get_by_uri(conn: AsyncConnection, uri: str) -> JointProposal | None:
    row = (
        (await conn.execute(select(joint_proposals).where(joint_proposals.c.uri == uri)))
        .mappings()
        .first()
    )
    return _joint(row) if row else None


async def lock(conn: AsyncConnection, row_id: int) -> None:
    """The joint proposal's write lock for the rest of the transaction (as proposals.lock)."""
    await conn.execute(
        update(joint_proposals)
        .where(joint_proposals.c.id == row_id)
        .values(state=joint_proposals.c.state)
    )


async def decide(
    conn: AsyncConnection, row_id: int, status: str, result: Mapping[str, Any], now: datetime
) -> None:
    await conn.execute(
        update(joint_proposals)
        .where(joint_proposals.c.id == row_id)
        .values(
            state="decided",
            status=status,
            result=json.dumps(result, ensure_ascii=False, sort_keys=True),
            decided_at=now,
        )
    )


async def due_hosted(conn: AsyncConnection, deadline: datetime, limit: int) -> list[str]:
    """Hosted joint proposals still open whose closes_at is before `deadline` (now - grace
    is checked per proposal by the caller, since the grace is per project)."""
    query = (
        select(joint_proposals.c.uri)
        .where(
            joint_proposals.c.hosted.is_(True),
            joint_proposals.c.state == "open",
            joint_proposals.c.closes_at <= deadline,
        )
        .order_by(joint_proposals.c.closes_at, joint_proposals.c.id)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())


async def list_joint(conn: AsyncConnection) -> list[JointProposal]:
    query = select(joint_proposals).order_by(joint_proposals.c.id)
    return [_joint(row) for row in (await conn.execute(query)).mappings()]


async def add_certificate(
    conn: AsyncConnection,
    *,
    joint_row_id: int,
    coop_uri: str,
    proposal_uri: str,
    document: Mapping[str, Any],
    certificate_hash: str,
    verified: bool,
    now: datetime,
) -> bool:
    """Store a certificate once; False if this exact one (by hash) was already stored."""
    existing = select(joint_certificates.c.id).where(
        joint_certificates.c.joint_row_id == joint_row_id,
        joint_certificates.c.coop_uri == coop_uri,
        joint_certificates.c.certificate_hash == certificate_hash,
    )
    if (await conn.execute(existing)).first() is not None:
        return False
    await conn.execute(
        insert(joint_certificates).values(
            joint_row_id=joint_row_id,
            coop_uri=coop_uri,
            proposal_uri=proposal_uri,
            document=json.dumps(document, ensure_ascii=False, sort_keys=True),
            certificate_hash=certificate_hash,
            verified=verified,
            received_at=now,
        )
    )
    return True


async def certificates_of(conn: AsyncConnection, joint_row_id: int) -> list[StoredCertificate]:
    query = (
        select(joint_certificates)
        .where(joint_certificates.c.joint_row_id == joint_row_id)
        .order_by(joint_certificates.c.id)
    )
    return [
        StoredCertificate(
            row["coop_uri"],
            row["proposal_uri"],
            json.loads(row["document"]),
            row["certificate_hash"],
            bool(row["verified"]),
            row["received_at"],
        )
        for row in (await conn.execute(query)).mappings()
    ]


async def linked_without_certificate(
    conn: AsyncConnection, coop_id: int, coop_uri: str, limit: int
) -> list[str]:
    """Slugs of our decided linked proposals whose certificate we have not made yet, in
    projects our co-op is still in (one that left or was removed certifies nothing more)."""
    still_in = (
        select(project_memberships.c.id)
        .where(
            project_memberships.c.coop_id == coop_id,
            project_memberships.c.project_uri == joint_proposals.c.project_uri,
            project_memberships.c.state == ProjectMemberState.JOINED,
        )
        .exists()
    )
    made = (
        select(joint_certificates.c.id)
        .where(
            joint_certificates.c.joint_row_id == joint_proposals.c.id,
            joint_certificates.c.coop_uri == coop_uri,
        )
        .exists()
    )
    query = (
        select(proposals.c.slug)
        .join(joint_proposals, joint_proposals.c.uri == proposals.c.joint_proposal_uri)
        .where(proposals.c.coop_id == coop_id, proposals.c.state == "decided", ~made, still_in)
        .order_by(proposals.c.id)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())


async def linked_proposal_uri(conn: AsyncConnection, joint_uri: str) -> str | None:
    query = select(proposals.c.uri).where(proposals.c.joint_proposal_uri == joint_uri)
    return (await conn.execute(query)).scalars().first()
