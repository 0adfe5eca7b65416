"""Membership events on the wire, always inside the caller's transaction (transactional outbox).

Audience of every membership event: the co-op's active members (their actors), its allies and
its followers. Allies, for now, are the actors the co-op follows (allied co-ops and shared
projects: `following` rows that were accepted); `ally_actors` is the one place to change that.
Membership events are governance traffic: never dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.membership import (
    MemberView,
    add_member_to_ap,
    join_answer_to_ap,
    remove_member_to_ap,
    update_member_to_ap,
)
from coopfed.governance.canonical import rfc3339
from coopfed.governance.members import MemberStatus
from coopfed.services.object_proofs import sign_as
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.store import follows as follow_store
from coopfed.store import members as member_store
from coopfed.store.actors import LocalActor
from coopfed.store.members import MemberRecord
from coopfed.uris import Uris

ALLIES_LIMIT = 10_000


def member_view(uris: Uris, record: MemberRecord) -> MemberView:
    member = record.member
    return MemberView(
        uris.member_record(record.member_id),
        record.member_id,
        record.actor_uri,
        member.member_class,
        member.shares,
        member.status.value,
        rfc3339(record.joined_at),
    )


async def ally_actors(conn: AsyncConnection, coop: LocalActor) -> tuple[str, ...]:
    """Allied co-ops and shared projects: actors the co-op follows (accepted)."""
    return tuple(await follow_store.following_uris(conn, coop.id, offset=0, limit=ALLIES_LIMIT))


async def member_actors(conn: AsyncConnection, coop: LocalActor) -> tuple[str, ...]:
    """Actors of active members (local ones have no inbox to deliver to and are skipped)."""
    register = await member_store.list_members(conn, coop.id)
    return tuple(r.actor_uri for r in register if r.member.status is MemberStatus.ACTIVE)


async def _audience(
    conn: AsyncConnection, coop: LocalActor, *also: str
) -> tuple[Audience, list[str]]:
    actors = (*also, *await member_actors(conn, coop), *await ally_actors(conn, coop))
    return Audience(actors=tuple(dict.fromkeys(actors)), followers=True), list(
        dict.fromkeys(actors)
    )


async def publish_join_answer(
    conn: AsyncConnection,
    uris: Uris,
    coop: LocalActor,
    *,
    accept: bool,
    join_id: str,
    applicant: str,
    reason: str,
    now: datetime,
) -> None:
    activity = join_answer_to_ap(
        "Accept" if accept else "Reject",
        activity_id=new_activity_id(uris),
        coop_uri=uris.actor(coop.username),
        join_id=join_id,
        applicant=applicant,
        reason=reason,
    )
    audience = Audience(actors=(applicant,))
    await publish(conn, sender=coop, activity=activity, audience=audience, now=now, governance=True)


async def publish_added(
    conn: AsyncConnection, uris: Uris, coop: LocalActor, record: MemberRecord, now: datetime
) -> None:
    audience, _ = await _audience(conn, coop, record.actor_uri)
    activity = add_member_to_ap(
        activity_id=new_activity_id(uris),
        coop_uri=uris.actor(coop.username),
        members_uri=uris.members(coop.username),
        view=member_view(uris, record),
        cc=[uris.followers(coop.username)],
    )
    # Signed (FEP-8b32): a membership event stays checkable when relayed or stored.
    activity = sign_as(coop, uris, activity, now)
    await publish(conn, sender=coop, activity=activity, audience=audience, now=now, governance=True)


async def publish_removed(
    conn: AsyncConnection,
    uris: Uris,
    coop: LocalActor,
    record: MemberRecord,
    decision: Mapping[str, Any],
    now: datetime,
) -> None:
    # The removed member is told too, even though they are no longer in the audience.
    audience, _ = await _audience(conn, coop, record.actor_uri)
    activity = remove_member_to_ap(
        activity_id=new_activity_id(uris),
        coop_uri=uris.actor(coop.username),
        members_uri=uris.members(coop.username),
        view=member_view(uris, record),
        decision=decision,
        cc=[uris.followers(coop.username)],
    )
    # Signed (FEP-8b32): a membership event stays checkable when relayed or stored.
    activity = sign_as(coop, uris, activity, now)
    await publish(conn, sender=coop, activity=activity, audience=audience, now=now, governance=True)


async def publish_record_updated(
    conn: AsyncConnection,
    uris: Uris,
    coop: LocalActor,
    record: MemberRecord,
    now: datetime,
    *,
    previous_actor: str | None = None,
) -> None:
    extra = (previous_actor,) if previous_actor else ()
    audience, actors = await _audience(conn, coop, record.actor_uri, *extra)
    activity = update_member_to_ap(
        activity_id=new_activity_id(uris),
        coop_uri=uris.actor(coop.username),
        view=member_view(uris, record),
        to=actors[:1] + list(extra),
        cc=[uris.followers(coop.username)],
    )
    # Signed (FEP-8b32): a membership event stays checkable when relayed or stored.
    activity = sign_as(coop, uris, activity, now)
    await publish(conn, sender=coop, activity=activity, audience=audience, now=now, governance=True)
