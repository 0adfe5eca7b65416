"""Shared projects, a member co-op's side (on its own node): invitations kept for the admin,
accepting one, leaving a project, and being removed from one. The host's side is
`project_hosting.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.alliances import answer_to_ap, leave_to_ap
from coopfed.node import Node
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.joint_authority import Action, refusal
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.services.received import Received, done, ignored
from coopfed.services.remote_coops import local_username, resolve_uri
from coopfed.store import projects as project_store
from coopfed.store.actors import LocalActor
from coopfed.store.projects import Membership, ProjectMemberState


async def receive_invite(
    conn: AsyncConnection, coop: LocalActor, invite: Any, now: datetime
) -> Received:
    """An Invite to a project (on the invited co-op's node): kept for the admin."""
    existing = await project_store.membership(conn, coop.id, invite.project_uri)
    if existing is not None and existing.state == ProjectMemberState.JOINED:
        return done("already in that project")
    await project_store.save_membership(
        conn, coop_id=coop.id, project_uri=invite.project_uri, name=invite.name,
        charter=invite.charter, state=ProjectMemberState.INVITED, invite_id=invite.activity_id,
        now=now,
    )  # fmt: skip
    return done("invitation waiting for the admin")


async def invitations(node: Node) -> list[Membership]:
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        return await project_store.list_memberships(conn, coop.id)


async def _tell_project(
    conn: AsyncConnection,
    coop: LocalActor,
    activity: dict[str, Any],
    membership: Membership,
    state: ProjectMemberState,
    now: datetime,
) -> Membership:
    """Send our co-op's `activity` (Accept, Leave) to the project; the membership is now `state`."""
    await publish(
        conn, sender=coop, activity=activity, audience=Audience(actors=(membership.project_uri,)),
        now=now, governance=True,
    )  # fmt: skip
    await project_store.set_membership_state(conn, membership.row_id, state, now)
    updated = await project_store.membership(conn, coop.id, membership.project_uri)
    assert updated is not None
    return updated


async def accept_invitation(node: Node, project_ref: str) -> Membership:
    project_uri = await resolve_uri(node, project_ref)
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        found = await project_store.membership(conn, coop.id, project_uri)
        if (
            found is None
            or found.state != ProjectMemberState.INVITED
            or found.invite_activity_id is None
        ):
            raise NotFound(f"no invitation to {project_uri}")
        coop_uri = node.uris.actor(coop.username)
        why = refusal(Action.ANSWER, actor=coop_uri, project_uri=project_uri, coop_uri=coop_uri)
        if why is not None:
            raise ServiceError(why)
        accept = answer_to_ap(
            "Accept", activity_id=new_activity_id(node.uris), actor=coop_uri,
            answered_id=found.invite_activity_id, to=project_uri,
        )  # fmt: skip
        return await _tell_project(conn, coop, accept, found, ProjectMemberState.JOINED, now)


async def leave_project(node: Node, project_ref: str) -> Membership:
    """Our co-op leaves a project it is in (on its own node): `Leave` to the project.

    Joint proposals opened after it left are not sent to it; for those still open it stays in
    the co-op list frozen at their opening (FEDERATION.md "Leaving a project").
    """
    project_uri = await resolve_uri(node, project_ref)
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        found = await project_store.membership(conn, coop.id, project_uri)
        if found is None:
            raise NotFound(f"this co-op is not in {project_uri}")
        if local_username(node, project_uri) is not None:
            raise ServiceError("the hosting co-op cannot leave a project it hosts")
        coop_uri = node.uris.actor(coop.username)
        members = (coop_uri,) if found.state == ProjectMemberState.JOINED else ()
        why = refusal(
            Action.LEAVE, actor=coop_uri, project_uri=project_uri, coop_uri=coop_uri,
            active_members=members,
        )  # fmt: skip
        if why is not None:
            raise ServiceError(f"{why} (it is {found.state})")
        leave = leave_to_ap(
            activity_id=new_activity_id(node.uris), coop_uri=coop_uri, project_uri=project_uri
        )
        return await _tell_project(conn, coop, leave, found, ProjectMemberState.LEFT, now)


async def receive_removal(
    conn: AsyncConnection, node: Node, sender_uri: str, removed_uri: str, now: datetime
) -> Received | None:
    """The project removed our co-op; None when the sender is no project we know."""
    coop = await coop_actor(conn)
    found = await project_store.membership(conn, coop.id, sender_uri)
    if found is None:
        return None
    why = refusal(Action.REMOVE, actor=sender_uri, project_uri=found.project_uri)
    if why is not None:
        return ignored(f"Remove refused: {why}")
    if removed_uri != node.uris.actor(coop.username):
        return ignored("Remove of another co-op from a project: not ours to act on")
    if found.state not in {ProjectMemberState.INVITED, ProjectMemberState.JOINED}:
        return ignored(f"already {found.state}")
    await project_store.set_membership_state(conn, found.row_id, ProjectMemberState.REMOVED, now)
    return done("removed from the project")
