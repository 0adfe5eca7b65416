"""Shared projects: those hosted here (charter, member co-ops) and those our co-op is in."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.canonical import canonical_text
from coopfed.store.tables import local_actors, project_members, project_memberships, projects


class ProjectMemberState(StrEnum):
    """A co-op's place in a shared project: one vocabulary for both sides of the relation.

    The host records it in `project_members`, the member co-op's own node in
    `project_memberships`. They agree on every state but one: a co-op that is in the project is
    ACTIVE on the host and JOINED on its own node. The stored words are kept as they are because
    `coopfed project show`/`invitations` (and their --json), the web pages and the tests show
    them, and the CLI's words are a contract.
    """

    INVITED = "invited"
    ACTIVE = "active"  # in the project, as the host records it
    JOINED = "joined"  # in the project, as the member co-op's own node records it
    LEFT = "left"  # left by itself (or refused the invitation, on the host)
    REMOVED = "removed"  # removed by the project


@dataclass(frozen=True)
class HostedProject:
    row_id: int
    actor_id: int
    username: str
    name: str
    host_coop_id: int
    charter: Mapping[str, Any]


@dataclass(frozen=True)
class ProjectMember:
    coop_uri: str
    state: ProjectMemberState  # on the host: invited | active | left | removed
    invite_activity_id: str | None


@dataclass(frozen=True)
class Membership:
    """A project our co-op was invited to or is in."""

    row_id: int
    project_uri: str
    name: str
    charter: Mapping[str, Any]
    state: ProjectMemberState  # on our node: invited | joined | left | removed
    invite_activity_id: str | None


def _hosted(row: RowMapping) -> HostedProject:
    return HostedProject(
        row["id"],
        row["actor_id"],
        row["username"],
        row["display_name"],
        row["host_coop_id"],
        json.loads(row["charter"]),
    )


def _hosted_query() -> Any:
    return select(projects, local_actors.c.username, local_actors.c.display_name).join(
        local_actors, local_actors.c.id == projects.c.actor_id
    )


async def insert_project(
    conn: AsyncConnection,
    *,
    actor_id: int,
    host_coop_id: int,
    charter: Mapping[str, Any],
    now: datetime,
) -> int:
    result = await conn.execute(
        insert(projects)
        .values(
            actor_id=actor_id,
            host_coop_id=host_coop_id,
            charter=canonical_text(dict(charter)),
            created_at=now,
        )
        .returning(projects.c.id)
    )
    return int(result.scalar_one())


async def set_charter(conn: AsyncConnection, row_id: int, charter: Mapping[str, Any]) -> None:
    """A hosted project's charter, changed (fixed weights of co-ops invited later)."""
    await conn.execute(
        update(projects)
        .where(projects.c.id == row_id)
        .values(charter=canonical_text(dict(charter)))
    )


async def hosted_by_username(conn: AsyncConnection, username: str) -> HostedProject | None:
    query = _hosted_query().where(local_actors.c.username == username)
    row = (await conn.execute(query)).mappings().first()
    return _hosted(row) if row else None


async def list_hosted(conn: AsyncConnection) -> list[HostedProject]:
    query = _hosted_query().order_by(projects.c.id)
    return [_hosted(row) for row in (await conn.execute(query)).mappings()]


async def members_of(conn: AsyncConnection, project_row_id: int) -> list[ProjectMember]:
    query = (
        select(project_members)
        .where(project_members.c.project_row_id == project_row_id)
        .order_by(project_members.c.id)
    )
    rows = (await conn.execute(query)).mappings()
    return [
        ProjectMember(r["coop_uri"], ProjectMemberState(r["state"]), r["invite_activity_id"])
        for r in rows
    ]


async def save_member(
    conn: AsyncConnection,
    *,
    project_row_id: int,
    coop_uri: str,
    state: ProjectMemberState,
    invite_id: str | None,
    now: datetime,
) -> None:
    """Insert the member co-op, or change its state (and invitation) if it is there."""
    changed = await conn.execute(
        update(project_members)
        .where(
            project_members.c.project_row_id == project_row_id,
            project_members.c.coop_uri == coop_uri,
        )
        .values(state=state, invite_activity_id=invite_id, updated_at=now)
    )
    if changed.rowcount:
        return
    await conn.execute(
        insert(project_members).values(
            project_row_id=project_row_id,
            coop_uri=coop_uri,
            state=state,
            invite_activity_id=invite_id,
            created_at=now,
            updated_at=now,
        )
    )


async def set_member_state(
    conn: AsyncConnection,
    project_row_id: int,
    coop_uri: str,
    state: ProjectMemberState,
    now: datetime,
) -> None:
    """Change a member co-op's state, keeping its invitation."""
    await conn.execute(
        update(project_members)
        .where(
            project_members.c.project_row_id == project_row_id,
            project_members.c.coop_uri == coop_uri,
        )
        .values(state=state, updated_at=now)
    )


async def member_by_invite(
    conn: AsyncConnection, invite_id: str
) -> tuple[int, ProjectMember] | None:
    """(project row id, member) of the invitation `invite_id`."""
    query = select(project_members).where(project_members.c.invite_activity_id == invite_id)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    member = ProjectMember(
        row["coop_uri"], ProjectMemberState(row["state"]), row["invite_activity_id"]
    )
    return int(row["project_row_id"]), member


def _membership(row: RowMapping) -> Membership:
    return Membership(
        row["id"],
        row["project_uri"],
        row["name"],
        json.loads(row["charter"]),
        ProjectMemberState(row["state"]),
        row["invite_activity_id"],
    )


async def save_membership(
    conn: AsyncConnection,
    *,
    coop_id: int,
    project_uri: str,
    name: str,
    charter: Mapping[str, Any],
    state: ProjectMemberState,
    invite_id: str | None,
    now: datetime,
) -> None:
    values = {
        "name": name[:200],
        "charter": canonical_text(dict(charter)),
        "state": state,
        "invite_activity_id": invite_id,
        "updated_at": now,
    }
    changed = await conn.execute(
        update(project_memberships)
        .where(
            project_memberships.c.coop_id == coop_id,
            project_memberships.c.project_uri == project_uri,
        )
        .values(**values)
    )
    if not changed.rowcount:
        await conn.execute(
            insert(project_memberships).values(
                coop_id=coop_id, project_uri=project_uri, created_at=now, **values
            )
        )


async def membership(conn: AsyncConnection, coop_id: int, project_uri: str) -> Membership | None:
    query = select(project_memberships).where(
        project_memberships.c.coop_id == coop_id,
        project_memberships.c.project_uri == project_uri,
    )
    row = (await conn.execute(query)).mappings().first()
    return _membership(row) if row else None


async def set_membership_state(
    conn: AsyncConnection, row_id: int, state: ProjectMemberState, now: datetime
) -> None:
    await conn.execute(
        update(project_memberships)
        .where(project_memberships.c.id == row_id)
        .values(state=state, updated_at=now)
    )


async def list_memberships(conn: AsyncConnection, coop_id: int) -> list[Membership]:
    query = (
        select(project_memberships)
        .where(project_memberships.c.coop_id == coop_id)
        .order_by(project_memberships.c.id)
    )
    return [_membership(row) for row in (await conn.execute(query)).mappings()]
