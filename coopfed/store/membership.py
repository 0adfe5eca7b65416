"""Membership persistence: versioned membership principles and applications for membership."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.canonical import canonical_text
from coopfed.governance.membership import (
    MembershipPrinciple,
    principle_from_dict,
    principle_hash,
    principle_to_dict,
)
from coopfed.store.tables import (
    applications,
    members,
    membership_principles,
    proposals,
)
from coopfed.store.versioned import insert_version_one


class ApplicationState(enum.StrEnum):
    PENDING = "pending"  # waiting for an admin
    VOTING = "voting"  # an admission proposal is open
    ADMITTED = "admitted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class PrincipleRecord:
    row_id: int
    version: int
    principle: MembershipPrinciple
    hash: str
    created_at: datetime


@dataclass(frozen=True)
class Application:
    row_id: int
    actor_uri: str
    handle: str
    requested_class: str
    message: str
    source: str
    join_activity_id: str | None
    state: ApplicationState
    reason: str
    proposal_row_id: int | None
    member_row_id: int | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    email: str | None = None  # where a web applicant is told the outcome (lower case)
    contact_actor: str | None = None  # a web applicant's fediverse actor, told by a note
    language: str | None = None  # the /apply page's language: the outcome is told in it


@dataclass(frozen=True)
class NewApplication:
    coop_id: int
    actor_uri: str
    handle: str
    requested_class: str
    message: str
    source: str
    join_activity_id: str | None
    email: str | None = None
    contact_actor: str | None = None
    language: str | None = None


# --- principles ---------------------------------------------------------------------------------


async def current_principle(conn: AsyncConnection, coop_id: int) -> PrincipleRecord | None:
    query = (
        select(membership_principles)
        .where(membership_principles.c.coop_id == coop_id)
        .order_by(membership_principles.c.version.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    principle = principle_from_dict(json.loads(row["body"]))
    return PrincipleRecord(row["id"], row["version"], principle, row["hash"], row["created_at"])


async def insert_principle(
    conn: AsyncConnection, coop_id: int, principle: MembershipPrinciple, now: datetime
) -> PrincipleRecord:
    latest = await conn.execute(
        select(func.max(membership_principles.c.version)).where(
            membership_principles.c.coop_id == coop_id
        )
    )
    version = int(latest.scalar_one() or 0) + 1
    digest = principle_hash(principle)
    result = await conn.execute(
        insert(membership_principles)
        .values(
            coop_id=coop_id,
            version=version,
            body=canonical_text(principle_to_dict(principle)),
            hash=digest,
            created_at=now,
        )
        .returning(membership_principles.c.id)
    )
    return PrincipleRecord(int(result.scalar_one()), version, principle, digest, now)


async def insert_first_principle(
    conn: AsyncConnection, coop_id: int, principle: MembershipPrinciple, now: datetime
) -> PrincipleRecord:
    """Store `principle` as version 1 unless a concurrent first use stored it meanwhile (then
    that one stands): the default principle is seeded on first use, and first uses can race."""
    await insert_version_one(
        conn,
        membership_principles,
        coop_id,
        canonical_text(principle_to_dict(principle)),
        principle_hash(principle),
        now,
    )
    record = await current_principle(conn, coop_id)
    assert record is not None
    return record


# --- applications -------------------------------------------------------------------------------


def _application(row: RowMapping) -> Application:
    return Application(
        row["id"], row["actor_uri"], row["handle"], row["requested_class"], row["message"],
        row["source"], row["join_activity_id"], ApplicationState(row["state"]), row["reason"],
        row["proposal_row_id"], row["member_row_id"], row["created_at"], row["decided_at"],
        row["decided_by"], row["email"], row["contact_actor"], row["language"],
    )  # fmt: skip


async def insert_application(
    conn: AsyncConnection, new: NewApplication, now: datetime
) -> Application:
    result = await conn.execute(
        insert(applications)
        .values(
            coop_id=new.coop_id,
            actor_uri=new.actor_uri,
            handle=new.handle,
            requested_class=new.requested_class,
            message=new.message,
            source=new.source,
            join_activity_id=new.join_activity_id,
            email=new.email,
            contact_actor=new.contact_actor,
            language=new.language,
            state=ApplicationState.PENDING.value,
            reason="",
            created_at=now,
        )
        .returning(*applications.c)
    )
    return _application(result.mappings().one())


async def open_application_of(conn: AsyncConnection, actor_uri: str) -> Application | None:
    """The actor's application still waiting (pending or being voted on), if any."""
    query = select(applications).where(
        applications.c.actor_uri == actor_uri,
        applications.c.state.in_([ApplicationState.PENDING.value, ApplicationState.VOTING.value]),
    )
    row = (await conn.execute(query)).mappings().first()
    return _application(row) if row else None


async def get_application(conn: AsyncConnection, row_id: int) -> Application | None:
    row = (await conn.execute(select(applications).where(applications.c.id == row_id))).first()
    return _application(row._mapping) if row else None


async def by_join_activity(conn: AsyncConnection, activity_id: str) -> Application | None:
    query = select(applications).where(applications.c.join_activity_id == activity_id)
    row = (await conn.execute(query)).mappings().first()
    return _application(row) if row else None


async def list_applications(
    conn: AsyncConnection, coop_id: int, states: tuple[ApplicationState, ...]
) -> list[Application]:
    query = (
        select(applications)
        .where(
            applications.c.coop_id == coop_id,
            applications.c.state.in_([state.value for state in states]),
        )
        .order_by(applications.c.id)
    )
    return [_application(row) for row in (await conn.execute(query)).mappings()]


async def applications_of(
    conn: AsyncConnection, actor_uri: str, member_row_id: int | None = None
) -> list[Application]:
    """Applications by this actor, or that led to this member (who may have moved since)."""
    condition = applications.c.actor_uri == actor_uri
    if member_row_id is not None:
        condition = or_(condition, applications.c.member_row_id == member_row_id)
    query = select(applications).where(condition).order_by(applications.c.id)
    return [_application(row) for row in (await conn.execute(query)).mappings()]


async def latest_application_of(conn: AsyncConnection, actor_uri: str) -> Application | None:
    """The actor's most recent application (what their own page shows), if any."""
    query = (
        select(applications)
        .where(applications.c.actor_uri == actor_uri)
        .order_by(applications.c.id.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).mappings().first()
    return _application(row) if row else None


async def voting_applications(conn: AsyncConnection, limit: int) -> list[Application]:
    query = (
        select(applications)
        .where(applications.c.state == ApplicationState.VOTING.value)
        .order_by(applications.c.id)
        .limit(limit)
    )
    return [_application(row) for row in (await conn.execute(query)).mappings()]


async def set_voting(conn: AsyncConnection, row_id: int, proposal_row_id: int) -> bool:
    """Link a pending application to its admission proposal; False if no longer pending."""
    result = await conn.execute(
        update(applications)
        .where(
            applications.c.id == row_id,
            applications.c.state == ApplicationState.PENDING.value,
        )
        .values(state=ApplicationState.VOTING.value, proposal_row_id=proposal_row_id)
    )
    return bool(result.rowcount)


async def decide(
    conn: AsyncConnection,
    row_id: int,
    state: ApplicationState,
    *,
    now: datetime,
    by: str,
    reason: str = "",
) -> bool:
    """Settle a waiting application; False when someone else settled it first."""
    result = await conn.execute(
        update(applications)
        .where(
            applications.c.id == row_id,
            applications.c.state.in_(
                [ApplicationState.PENDING.value, ApplicationState.VOTING.value]
            ),
        )
        .values(
            state=state.value,
            decided_at=now,
            decided_by=by,
            reason=reason,
        )
    )
    return bool(result.rowcount)


async def link_member(conn: AsyncConnection, row_id: int, member_row_id: int) -> None:
    await conn.execute(
        update(applications).where(applications.c.id == row_id).values(member_row_id=member_row_id)
    )


async def proposal_slug(conn: AsyncConnection, proposal_row_id: int) -> str | None:
    query = select(proposals.c.slug).where(proposals.c.id == proposal_row_id)
    return (await conn.execute(query)).scalar_one_or_none()


# --- the members collection ---------------------------------------------------------------------


async def count_active(conn: AsyncConnection, coop_id: int) -> int:
    query = select(func.count()).where(members.c.coop_id == coop_id, members.c.status == "active")
    return int((await conn.execute(query)).scalar_one())


async def active_actor_uris(
    conn: AsyncConnection, coop_id: int, *, offset: int, limit: int
) -> list[str]:
    """Actors of active members in order of admission (the members collection's items)."""
    query = (
        select(members.c.actor_uri)
        .where(members.c.coop_id == coop_id, members.c.status == "active")
        .order_by(members.c.id)
        .offset(offset)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())
