"""Shared projects, the host's side: create one (a `Group` actor hosted here, with a charter),
invite allied co-ops, take in their answers and Leaves, remove one. The member co-op's side is
`project_membership.py`.

The charter: `rule` (unanimity | coop_majority with threshold | proportional), `coop_quorum`,
`weighting` (equal | members | fixed, then `weights`: co-op IRI → whole number above 0) and
`grace_seconds` for late certificates. The hosting co-op is a member from the start. Authority
goes through `joint_authority.refusal`, like the inbox. Refused weights are `WeightRefused`,
worded without any adapter's input names (the CLI adds its own flags: `worded`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.alliances import invite_to_ap, remove_to_ap
from coopfed.governance.charter import parse_fraction
from coopfed.governance.errors import GovernanceError
from coopfed.governance.joint import RuleKind, Weighting
from coopfed.node import Node
from coopfed.services.accounts import AccountError, validate_username
from coopfed.services.alliances import is_ally
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.joint_authority import Action, refusal
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.services.received import Received, done, ignored
from coopfed.services.remote_coops import fetch_and_store, local_username, resolve_uri
from coopfed.services.setup import create_actor_with_keys
from coopfed.store import actors as actor_store
from coopfed.store import projects as project_store
from coopfed.store.actors import LocalActor
from coopfed.store.projects import HostedProject, ProjectMember, ProjectMemberState
from coopfed.store.remote_actors import RemoteActor


class WeightRefused(ServiceError):
    """A refused fixed weight. `str()` is in plain words; an adapter names its own inputs with
    `worded(weight=..., fixed=...)` (the CLI: `--weight`, `--weights fixed`)."""

    def __init__(self, template: str, **facts: str) -> None:
        self.template = template  # {weight}, {fixed} and the facts' names; no input text
        self.facts = facts  # anything the sender wrote goes here, never into the template
        super().__init__(self.worded(weight="weight", fixed="fixed weights"))

    def worded(self, *, weight: str, fixed: str) -> str:
        return self.template.format(weight=weight, fixed=fixed, **self.facts)


def parse_rule(
    rule: str, coop_quorum: str | None, weights: str, grace: timedelta
) -> dict[str, Any]:
    """The rule as an admin writes it → the charter stored and sent with invitations
    (canonical fractions)."""
    kind_text, _, threshold = rule.strip().partition(":")
    try:
        kind = RuleKind(kind_text)
        weighting = Weighting(weights)
        charter: dict[str, Any] = {
            "rule": kind.value,
            "threshold": None,
            "coop_quorum": None,
            "weighting": weighting.value,
            "grace_seconds": int(grace.total_seconds()),
        }
        if kind is RuleKind.COOP_MAJORITY:
            value = parse_fraction(threshold or "1/2", what="threshold")
            charter["threshold"] = f"{value.numerator}/{value.denominator}"
        elif threshold:
            raise ServiceError(f"{kind.value} takes no threshold")
        if coop_quorum is not None:
            value = parse_fraction(coop_quorum, what="co-op quorum")
            charter["coop_quorum"] = f"{value.numerator}/{value.denominator}"
    except (ValueError, GovernanceError) as error:
        raise ServiceError(f"project rule: {error}") from None
    return charter


def parse_weight(text: str) -> tuple[str, int]:
    """`COOP=N` (COOP a handle or actor URL, N a whole number above 0) → (COOP, N)."""
    coop, equals, number = text.strip().rpartition("=")
    if not equals or not coop.strip():
        raise WeightRefused(
            "{weight} {given}: write COOP=N, e.g. acct:coop@host=3", given=repr(text)
        )
    try:
        weight = int(number.strip())
    except ValueError:
        raise WeightRefused(
            "{weight} {given}: the weight must be a whole number", given=repr(text)
        ) from None
    if weight <= 0:
        raise WeightRefused("{weight} {given}: a weight must be above 0", given=repr(text))
    return coop.strip(), weight


async def fixed_weights(node: Node, charter: dict[str, Any], given: list[str]) -> dict[str, Any]:
    """The charter with `weights` {co-op IRI: N} when its weighting is fixed.

    Every co-op named must be this co-op or an allied one (only allies can be invited), and
    this co-op, the first member, needs a weight; co-ops invited later get theirs then.
    """
    if charter["weighting"] != Weighting.FIXED.value:
        if given:
            raise WeightRefused("{weight} only goes with {fixed}")
        return charter
    if not given:
        raise WeightRefused("{fixed} needs a {weight} COOP=N for each member co-op")
    weights: dict[str, int] = {}
    async with node.engine.connect() as conn:
        coop_uri = node.uris.actor((await coop_actor(conn)).username)
    for text in given:
        reference, weight = parse_weight(text)
        uri = await resolve_uri(node, reference)
        async with node.engine.connect() as conn:
            allied = await is_ally(conn, uri)
        if uri != coop_uri and not allied:
            raise WeightRefused(
                "{weight}: {coop} is neither this co-op nor an allied co-op", coop=reference
            )
        if uri in weights:
            raise WeightRefused("{weight}: {coop} is given twice", coop=reference)
        weights[uri] = weight
    if coop_uri not in weights:
        raise WeightRefused("{weight}: this co-op ({coop}) needs a weight too", coop=coop_uri)
    return {**charter, "weights": weights}


async def create_project(
    node: Node, handle: str, *, name: str, charter: dict[str, Any]
) -> HostedProject:
    try:
        username = validate_username(handle)
    except AccountError as error:
        raise ServiceError(str(error)) from None
    now = node.now()
    async with node.engine.begin() as conn:
        if await actor_store.get_local_actor(conn, username) is not None:
            raise ServiceError(f"the handle {username!r} is taken on this node")
        coop = await coop_actor(conn)
        actor = await create_actor_with_keys(
            conn, username=username, kind="project", display_name=name,
            summary=f"A project shared by co-ops, hosted by {coop.display_name}.", now=now,
        )  # fmt: skip
        row_id = await project_store.insert_project(
            conn, actor_id=actor.id, host_coop_id=coop.id, charter=charter, now=now
        )
        coop_uri = node.uris.actor(coop.username)
        await project_store.save_member(
            conn,
            project_row_id=row_id,
            coop_uri=coop_uri,
            state=ProjectMemberState.ACTIVE,
            invite_id=None,
            now=now,
        )
        await project_store.save_membership(
            conn, coop_id=coop.id, project_uri=node.uris.actor(username), name=name,
            charter=charter, state=ProjectMemberState.JOINED, invite_id=None, now=now,
        )  # fmt: skip
        found = await project_store.hosted_by_username(conn, username)
        assert found is not None
        return found


async def hosted_project(conn: AsyncConnection, node: Node, reference: str) -> HostedProject:
    username = local_username(node, reference.strip()) or reference.strip()
    found = await project_store.hosted_by_username(conn, username)
    if found is None:
        raise NotFound(f"no project {reference!r} hosted on this node")
    return found


async def acting_project(
    conn: AsyncConnection, node: Node, reference: str, action: Action
) -> tuple[HostedProject, str]:
    """The hosted project and its IRI, once the one authorisation rule lets it take `action`."""
    project = await hosted_project(conn, node, reference)
    project_uri = node.uris.actor(project.username)
    why = refusal(action, actor=project_uri, project_uri=project_uri)
    if why is not None:
        raise ServiceError(why)
    return project, project_uri


def _with_weight(
    charter: Mapping[str, Any], coop_uri: str, weight: int | None
) -> Mapping[str, Any]:
    """The charter with the invited co-op's fixed weight (fixed weighting needs one)."""
    fixed = charter.get("weighting") == Weighting.FIXED.value
    if not fixed:
        if weight is not None:
            raise WeightRefused("{weight} only goes with projects whose weights are fixed")
        return charter
    weights = dict(charter.get("weights", {}))
    if weight is None and coop_uri not in weights:
        raise WeightRefused(
            "the project's weights are fixed: give {coop} a {weight} N", coop=coop_uri
        )
    if weight is not None:
        if weight <= 0:
            raise ServiceError("a weight must be above 0")
        weights[coop_uri] = weight
    return {**charter, "weights": weights}


async def invite(node: Node, project_ref: str, coop_ref: str, *, weight: int | None = None) -> str:
    """The project invites an allied co-op; returns the Invite's id."""
    coop_uri = await resolve_uri(node, coop_ref)
    if local_username(node, coop_uri) is not None:
        raise ServiceError("the hosting co-op is a member of its projects from the start")
    other = await fetch_and_store(node, coop_uri)
    now = node.now()
    async with node.engine.begin() as conn:
        project, project_uri = await acting_project(conn, node, project_ref, Action.INVITE)
        if not await is_ally(conn, other.uri):
            raise ServiceError(f"{other.uri} is not an allied co-op: offer an alliance first")
        charter = _with_weight(project.charter, other.uri, weight)
        if charter != project.charter:
            await project_store.set_charter(conn, project.row_id, charter)
        invite_id = new_activity_id(node.uris)
        await project_store.save_member(
            conn, project_row_id=project.row_id, coop_uri=other.uri,
            state=ProjectMemberState.INVITED, invite_id=invite_id, now=now,
        )  # fmt: skip
        activity = invite_to_ap(
            activity_id=invite_id, project_uri=project_uri, coop_uri=other.uri,
            name=project.name, charter=charter,
        )  # fmt: skip
        sender = await _project_actor(conn, project)
        await publish(
            conn, sender=sender, activity=activity, audience=Audience(actors=(other.uri,)),
            now=now, governance=True,
        )  # fmt: skip
        return invite_id


async def _project_actor(conn: AsyncConnection, project: HostedProject) -> LocalActor:
    actor = await actor_store.get_local_actor(conn, project.username)
    assert actor is not None
    return actor


async def receive_invite_answer(
    conn: AsyncConnection, sender: RemoteActor, invite_id: str, *, accepted: bool, now: datetime
) -> Received | None:
    """An invited co-op accepted or refused; None when `invite_id` is not one of our Invites."""
    found = await project_store.member_by_invite(conn, invite_id)
    if found is None:
        return None
    project_row_id, member = found
    why = refusal(Action.ANSWER, actor=sender.uri, project_uri="", coop_uri=member.coop_uri)
    if why is not None:
        return ignored(why)
    # An answer replayed after leaving or removal: no way back in.
    if member.state != ProjectMemberState.INVITED:
        return ignored(f"invitation no longer open (the co-op is {member.state})")
    state = ProjectMemberState.ACTIVE if accepted else ProjectMemberState.LEFT
    await project_store.save_member(
        conn, project_row_id=project_row_id, coop_uri=member.coop_uri, state=state,
        invite_id=invite_id, now=now,
    )  # fmt: skip
    return done(f"project member {state}")


async def show_project(node: Node, reference: str) -> tuple[HostedProject, list[ProjectMember]]:
    async with node.engine.connect() as conn:
        project = await hosted_project(conn, node, reference)
        return project, await project_store.members_of(conn, project.row_id)


async def receive_leave(
    conn: AsyncConnection, node: Node, project: LocalActor, sender_uri: str, now: datetime
) -> Received:
    """A member co-op's `Leave` of a project hosted here (the inbox checked who signed it)."""
    hosted = await project_store.hosted_by_username(conn, project.username)
    if hosted is None:
        return ignored("a Leave of a project that is not hosted here")
    members = await project_store.members_of(conn, hosted.row_id)
    active = {member.coop_uri for member in members if member.state == ProjectMemberState.ACTIVE}
    why = refusal(
        Action.LEAVE, actor=sender_uri, project_uri=node.uris.actor(project.username),
        coop_uri=sender_uri, active_members=active,
    )  # fmt: skip
    if why is not None:
        return ignored(f"Leave refused: {why}")
    await project_store.set_member_state(
        conn, hosted.row_id, sender_uri, ProjectMemberState.LEFT, now
    )
    return done(f"{sender_uri} left the project")


async def remove_member(node: Node, project_ref: str, coop_ref: str) -> ProjectMember:
    """The project (on its host) removes an invited or active member co-op: `Remove` to it."""
    coop_uri = await resolve_uri(node, coop_ref)
    now = node.now()
    async with node.engine.begin() as conn:
        project, project_uri = await acting_project(conn, node, project_ref, Action.REMOVE)
        coop = await coop_actor(conn)
        if coop_uri == node.uris.actor(coop.username):
            raise ServiceError("the hosting co-op cannot be removed from a project it hosts")
        members = {m.coop_uri: m for m in await project_store.members_of(conn, project.row_id)}
        member = members.get(coop_uri)
        if member is None or member.state not in {
            ProjectMemberState.INVITED,
            ProjectMemberState.ACTIVE,
        }:
            raise NotFound(f"{coop_uri} is not a member co-op of {project_uri}")
        await project_store.set_member_state(
            conn, project.row_id, coop_uri, ProjectMemberState.REMOVED, now
        )
        remove = remove_to_ap(
            activity_id=new_activity_id(node.uris), project_uri=project_uri, coop_uri=coop_uri
        )
        await publish(
            conn, sender=await _project_actor(conn, project), activity=remove,
            audience=Audience(actors=(coop_uri,)), now=now, governance=True,
        )  # fmt: skip
        return ProjectMember(coop_uri, ProjectMemberState.REMOVED, member.invite_activity_id)
