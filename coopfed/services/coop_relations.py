"""What the site shows of the co-op's relations: allied co-ops and shared projects (read only).

Alliances, projects and joint proposals are changed only through `services.alliances`,
`services.project_hosting`, `services.project_membership` and the joint services; this module
gathers what their pages show. Other co-ops come with the actor document we stored for them (if
any): names are the remote server's words, cleaned by the web layer before they are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.node import Node
from coopfed.services import alliances
from coopfed.services.members import GONE, coop_actor
from coopfed.store import joint as joint_store
from coopfed.store import members as member_store
from coopfed.store import projects as project_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.alliances import Alliance
from coopfed.store.joint import JointProposal
from coopfed.store.projects import HostedProject, Membership, ProjectMember
from coopfed.store.remote_actors import RemoteActor


@dataclass(frozen=True)
class OtherCoop:
    """A co-op (or project) by its actor IRI; `actor` is what we stored of it, if anything."""

    uri: str
    actor: RemoteActor | None
    local: bool  # an actor on this node (our co-op, or a project hosted here)


@dataclass(frozen=True)
class AllianceView:
    alliance: Alliance
    coop: OtherCoop


@dataclass(frozen=True)
class HostedView:
    project: HostedProject
    uri: str
    members: tuple[tuple[ProjectMember, OtherCoop], ...]


@dataclass(frozen=True)
class MembershipView:
    membership: Membership
    project: OtherCoop


@dataclass(frozen=True)
class JointView:
    joint: JointProposal
    linked_proposal_uri: str | None  # our own linked proposal, when one was opened here


@dataclass(frozen=True)
class Relations:
    hosted: tuple[HostedView, ...]
    memberships: tuple[MembershipView, ...]  # projects elsewhere we were invited to or are in
    joint: tuple[JointView, ...]


async def _other(conn: AsyncConnection, node: Node, uri: str) -> OtherCoop:
    local_prefix = node.uris.actor("")
    if uri.startswith(local_prefix) and "/" not in uri[len(local_prefix) :]:
        return OtherCoop(uri, None, True)
    actor = await remote_store.get_by_uri(conn, uri)
    return OtherCoop(uri, actor if actor is not None and actor.deleted_at is None else None, False)


async def alliance_views(node: Node, *, states: Sequence[str] | None = None) -> list[AllianceView]:
    """Alliances (only those in `states` when given), each with the other co-op."""
    listed = await alliances.list_alliances(node)
    async with node.engine.connect() as conn:
        return [
            AllianceView(alliance, await _other(conn, node, alliance.remote_actor_uri))
            for alliance in listed
            if states is None or alliance.state in states
        ]


async def relations(node: Node, *, with_joint: bool) -> Relations:
    """Projects hosted here with their member co-ops, projects elsewhere, joint proposals."""
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        hosted = []
        for project in await project_store.list_hosted(conn):
            members = [
                (member, await _other(conn, node, member.coop_uri))
                for member in await project_store.members_of(conn, project.row_id)
            ]
            hosted.append(HostedView(project, node.uris.actor(project.username), tuple(members)))
        memberships = [
            MembershipView(membership, await _other(conn, node, membership.project_uri))
            for membership in await project_store.list_memberships(conn, coop.id)
        ]
        joint = []
        if with_joint:
            for item in await joint_store.list_joint(conn):
                joint.append(JointView(item, await joint_store.linked_proposal_uri(conn, item.uri)))
    return Relations(tuple(hosted), tuple(memberships), tuple(joint))


async def sees_joint_proposals(node: Node, actor: str | None, *, is_admin: bool) -> bool:
    """Joint proposals are members' business (linked proposals are members-only)."""
    if is_admin:
        return True
    if actor is None:
        return False
    async with node.engine.connect() as conn:
        member = await member_store.get_by_actor(conn, actor)
    return member is not None and member.member.status not in GONE
