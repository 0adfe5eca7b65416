"""Who may see or receive what: the one place that decides (issue 13, docs/threats.md SEE-1..5).

Every GET that serves something not public, and every activity addressed to more than its
subject, asks here, so the rules cannot drift apart again:

- **members** are members whose status is `active` now, by their bound actor or an account
  linked to them. Applicants, suspended, left and expelled members are not (the electorate
  frozen at opening still decides whose ballot counts: that is governance, not audience);
- **allies** are co-ops with an `active` alliance. An accepted `Follow` alone (an offer the
  other side never accepted) is not an alliance;
- **proposals**: drafts are nobody's on the wire (the site shows them to admins); public ones
  anyone's; members-only ones members'; allies-only ones members' and allies';
- **the member roll** (collection, records, membership events): the membership principle's
  `roll_visibility`, with members and allies as above;
- **discussions** (threads before a proposal) and anything else published with a proposal's
  visibility but no electorate: public ones anyone's; members-only ones members'; allies-only
  ones members' and allies' (`may_see_visibility`, `visibility_recipients`);
- **joint proposals**: the co-ops frozen in their charter (by origin: one co-op per node); a
  proposal linked to a joint one is also read by those co-ops' nodes (`coopfed verify`);
- **assemblies** (their Event): by their visibility, as proposals (public: anyone; members-only:
  members; allies-only: members and allies). The Event's agenda lists only the opened
  proposals its whole audience may see; attendance never leaves the node.
- **notifications** (issue 15, SEE-18): a proposal's opening, reminder and result go to the
  members of its electorate who are active now; what waits for an admin to admins who are
  active members.

Addressing follows the same predicates: a members-only proposal reaches the active members of
its electorate and their linked accounts, each in a copy that names only them
(`publish_to_visibility`, for proposals and assemblies alike).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.activitypub.origin import origin_of, same_origin
from coopfed.federation.mapping.proposals import Visibility, personal_copy
from coopfed.governance.members import MemberStatus
from coopfed.governance.membership import RollVisibility
from coopfed.services.account_links import member_for_actor
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, publish, publish_personal
from coopfed.services.setup import INSTANCE_USERNAME
from coopfed.store import account_links as link_store
from coopfed.store import actors as actor_store
from coopfed.store import alliances as alliance_store
from coopfed.store import joint as joint_store
from coopfed.store import members as member_store
from coopfed.store import membership as membership_store
from coopfed.store import notifications as notification_store
from coopfed.store.actors import LocalActor
from coopfed.store.assemblies import AssemblyRecord
from coopfed.store.joint import JointProposal
from coopfed.store.members import MemberRecord
from coopfed.store.outbox import host_of
from coopfed.store.proposals import ProposalRecord
from coopfed.uris import Uris


async def is_active_member(conn: AsyncConnection, actor: str | None) -> MemberRecord | None:
    """The member `actor` acts for (bound to it, or a linked account), if that member is active."""
    if actor is None:
        return None
    member = await member_for_actor(conn, actor)
    if member is None or member.member.status is not MemberStatus.ACTIVE:
        return None
    return member


async def active_ally_actors(conn: AsyncConnection) -> tuple[str, ...]:
    """Actors of the co-ops with an active alliance (never follows alone)."""
    coop = await coop_actor(conn)
    return tuple(await alliance_store.active_uris(conn, coop.id))


async def is_active_ally(conn: AsyncConnection, actor: str | None) -> bool:
    return actor is not None and actor in await active_ally_actors(conn)


async def may_see_proposal(
    conn: AsyncConnection, record: ProposalRecord, actor: str | None
) -> bool:
    """`actor` is whoever signed the request or the activity (None: nobody verified)."""
    if record.proposal.opened_at is None:
        return False  # drafts, and drafts withdrawn before opening, never leave the node
    if record.visibility == Visibility.PUBLIC.value:
        return True
    if await is_active_member(conn, actor) is not None:
        return True
    if record.visibility == Visibility.ALLIES.value and await _ally_reader(conn, actor):
        return True
    return actor is not None and await _project_reader(conn, record, actor)


async def may_see_visibility(conn: AsyncConnection, visibility: str, actor: str | None) -> bool:
    """What has a proposal's visibility but no electorate (a discussion): the proposal rule
    without the draft and joint-proposal cases."""
    if visibility == Visibility.PUBLIC.value:
        return True
    if await is_active_member(conn, actor) is not None:
        return True
    return visibility == Visibility.ALLIES.value and await _ally_reader(conn, actor)


async def visibility_recipients(conn: AsyncConnection, visibility: str) -> tuple[str, ...]:
    """Who such a thing is addressed to besides followers: members-only, the members active
    now and their linked accounts (no electorate to freeze); allies-only, the active allies;
    public, nobody listed (it goes to followers)."""
    if visibility == Visibility.ALLIES.value:
        return await active_ally_actors(conn)
    if visibility != Visibility.MEMBERS.value:
        return ()
    coop = await coop_actor(conn)
    register = await member_store.list_members(conn, coop.id)
    current = [r for r in register if r.member.status is MemberStatus.ACTIVE]
    linked = await link_store.linked_actor_uris(conn, [r.row_id for r in current])
    return tuple(sorted({*(r.member.actor_id for r in current), *linked}))


async def publish_to_visibility(
    conn: AsyncConnection,
    *,
    sender: LocalActor,
    coop: str,
    visibility: Visibility,
    recipients: Sequence[str],
    activity_for: Callable[[str | None], dict[str, Any]],
    now: datetime,
) -> None:
    """Publish a Create/Update of an object with a visibility: public and allies-only, one
    activity (`activity_for(None)`) to `recipients`, plus followers and Public when public;
    members-only, one copy per remote recipient of `activity_for(recipient)` (an object that
    names only them), each with its own activity id (`personal_copy`). Accounts on the host
    of `coop` (the co-op's actor IRI) read it on this node: nothing is delivered to them."""
    if visibility is not Visibility.MEMBERS:
        public = visibility is Visibility.PUBLIC
        shared = Audience(actors=tuple(recipients), followers=public, public=public)
        await publish(conn, sender=sender, activity=activity_for(None), audience=shared, now=now)
        return
    own_host = host_of(coop)
    copies = [
        (recipient, personal_copy(activity_for(recipient), recipient))
        for recipient in recipients
        if host_of(recipient) != own_host
    ]
    await publish_personal(conn, sender=sender, copies=copies, now=now)


async def _ally_reader(conn: AsyncConnection, actor: str | None) -> bool:
    """An active ally's co-op actor, or its node's instance actor: `coopfed verify` run on the
    ally signs its GETs as its instance actor (issue 14), so that actor must read what the
    ally may read. Other accounts on the ally's node are not the ally."""
    if actor is None:
        return False
    allies = await active_ally_actors(conn)
    if actor in allies:
        return True
    return any(actor == Uris(origin_of(ally)).actor(INSTANCE_USERNAME) for ally in allies)


async def _project_reader(conn: AsyncConnection, record: ProposalRecord, actor: str) -> bool:
    """A linked proposal is also read by the nodes of its joint proposal's co-ops (frozen in
    the project charter at opening): `coopfed verify` on a joint proposal compares each
    co-op's certificate with that co-op's own result, signing its GETs as its node's instance
    actor. The voter ids stay pseudonyms for them (the roll is ours). From our own origin only
    our instance actor reads this way: our members and former members keep the members rule."""
    if record.joint_proposal_uri is None:
        return False
    joint = await joint_store.get_by_uri(conn, record.joint_proposal_uri)
    if joint is None:
        return False
    if same_origin(actor, record.uri):
        instance = await actor_store.get_actor_of_kind(conn, "instance")
        own = Uris(origin_of(record.uri))
        return instance is not None and actor == own.actor(instance.username)
    return any(same_origin(actor, coop) for coop in joint.charter.get("coops", []))


async def proposal_recipients(conn: AsyncConnection, record: ProposalRecord) -> tuple[str, ...]:
    """Who a proposal's Create/Update is addressed to besides followers: for members-only, the
    electorate's members who are active now and their linked accounts; for allies-only, the
    active allies; public proposals go to followers (none listed here)."""
    if record.visibility == Visibility.ALLIES.value:
        return await active_ally_actors(conn)
    electorate = record.proposal.electorate
    if electorate is None or record.visibility != Visibility.MEMBERS.value:
        return ()
    register = await member_store.list_members(conn, record.coop_id)
    current = [
        r for r in register if r.member_id in electorate and r.member.status is MemberStatus.ACTIVE
    ]
    linked = await link_store.linked_actor_uris(conn, [r.row_id for r in current])
    return tuple(sorted({*(r.member.actor_id for r in current), *linked}))


async def update_recipients(
    conn: AsyncConnection, record: ProposalRecord, voters: Iterable[str]
) -> tuple[str, ...]:
    """Tally and closing Updates: the proposal's recipients and every voter who may still see
    it (a voter who left, or an account unlinked since, is not told any more)."""
    recipients = set(await proposal_recipients(conn, record))
    for voter in voters:
        if voter not in recipients and await may_see_proposal(conn, record, voter):
            recipients.add(voter)
    return tuple(sorted(recipients))


async def proposal_notice_members(
    conn: AsyncConnection, record: ProposalRecord
) -> list[MemberRecord]:
    """Members told about a proposal by notification (its opening, the reminder, the result):
    the members of its electorate frozen at opening who are active now
    (services/notifications.py)."""
    electorate = record.proposal.electorate
    if electorate is None:
        return []
    register = await member_store.list_members(conn, record.coop_id)
    return [
        r for r in register if r.member_id in electorate and r.member.status is MemberStatus.ACTIVE
    ]


async def admin_members(conn: AsyncConnection, uris: Uris) -> list[MemberRecord]:
    """Active members whose local account is an admin's: told of what waits for an admin
    (applications, alliance offers, joint proposals). An admin account that is no member has
    no notification preferences, and reads its to-dos on /admin."""
    found = []
    for username in await notification_store.admin_usernames(conn):
        record = await is_active_member(conn, uris.actor(username))
        if record is not None and record.actor_uri == uris.actor(username):
            found.append(record)
    return found


async def roll_visibility(conn: AsyncConnection, coop_id: int) -> RollVisibility:
    record = await membership_store.current_principle(conn, coop_id)
    return RollVisibility.PUBLIC if record is None else record.principle.roll_visibility


async def may_see_roll(conn: AsyncConnection, coop: LocalActor, viewer: str | None) -> bool:
    """`viewer` is the actor whose signature a GET carried (None: unsigned or invalid)."""
    visibility = await roll_visibility(conn, coop.id)
    if visibility is RollVisibility.PUBLIC:
        return True
    if await is_active_member(conn, viewer) is not None:
        return True
    return visibility is RollVisibility.ALLIES and await is_active_ally(conn, viewer)


async def active_member_actors(conn: AsyncConnection, coop: LocalActor) -> tuple[str, ...]:
    """The bound actors of active members."""
    register = await member_store.list_members(conn, coop.id)
    return tuple(r.actor_uri for r in register if r.member.status is MemberStatus.ACTIVE)


async def membership_event_recipients(
    conn: AsyncConnection, coop: LocalActor, *also: str
) -> Audience:
    """Add/Remove/Update of a member record: whoever may see the roll. Active members always;
    active allies unless the roll is members-only; followers only when the roll is public (a
    hidden roll must not reach every follower by its events). `also`: the member concerned
    (told even when they just left)."""
    visibility = await roll_visibility(conn, coop.id)
    actors = [*also, *await active_member_actors(conn, coop)]
    if visibility is not RollVisibility.MEMBERS:
        actors += await active_ally_actors(conn)
    return Audience(
        actors=tuple(dict.fromkeys(actors)), followers=visibility is RollVisibility.PUBLIC
    )


def may_read_joint(joint: JointProposal, reader: str | None) -> bool:
    """Members-of-the-project business: a signed reader on the node of a co-op frozen in the
    charter at opening (any state since: it stays in every denominator) — the co-op actor, its
    instance actor that signs its fetches, or its members. A coopfed node hosts one co-op, so
    its origin tells whose actor it is."""
    coops = joint.charter.get("coops", [])
    return reader is not None and any(same_origin(reader, coop) for coop in coops)


# Visibilities from the most open; an Event's agenda shows a proposal only when the proposal
# is at least as open as the assembly (a public Event never names a members-only proposal).
_OPENNESS = {Visibility.PUBLIC.value: 2, Visibility.ALLIES.value: 1, Visibility.MEMBERS.value: 0}


async def may_see_assembly(
    conn: AsyncConnection, record: AssemblyRecord, actor: str | None
) -> bool:
    """`actor` is whoever signed the request (None: nobody verified)."""
    if record.visibility == Visibility.PUBLIC.value:
        return True
    if await is_active_member(conn, actor) is not None:
        return True
    return record.visibility == Visibility.ALLIES.value and await _ally_reader(conn, actor)


def on_event_agenda(assembly: AssemblyRecord, proposal: ProposalRecord) -> bool:
    """Whether the assembly's Event (its whole audience) may be shown this agenda item."""
    if proposal.proposal.opened_at is None:
        return False  # drafts never leave the node
    if assembly.visibility == Visibility.MEMBERS.value:
        return True  # members see every opened proposal
    return _OPENNESS.get(proposal.visibility, 0) >= _OPENNESS.get(assembly.visibility, 2)


async def assembly_recipients(conn: AsyncConnection, record: AssemblyRecord) -> tuple[str, ...]:
    """Who an assembly's Create/Update goes to besides followers: for members-only, the
    active members and their linked accounts (one copy each); for allies-only, the active
    allies; public assemblies go to followers (none listed here)."""
    if record.visibility == Visibility.ALLIES.value:
        return await active_ally_actors(conn)
    if record.visibility != Visibility.MEMBERS.value:
        return ()
    register = await member_store.list_members(conn, record.coop_id)
    current = [r for r in register if r.member.status is MemberStatus.ACTIVE]
    linked = await link_store.linked_actor_uris(conn, [r.row_id for r in current])
    return tuple(sorted({*(r.member.actor_id for r in current), *linked}))
