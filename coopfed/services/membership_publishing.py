"""Membership events on the wire, always inside the caller's transaction (transactional outbox).

Audience of every membership event: whoever may see the member roll
(`audience.membership_event_recipients`): active members, allies with an active alliance
unless the roll is members-only, followers only when the roll is public; and the member
concerned. Membership events are governance traffic: never dropped silently.
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
from coopfed.services.audience import membership_event_recipients
from coopfed.services.object_proofs import sign_as
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.store.actors import LocalActor
from coopfed.store.members import MemberRecord
from coopfed.uris import Uris


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


async def _audience(
    conn: AsyncConnection, coop: LocalActor, *also: str
) -> tuple[Audience, list[str]]:
    audience = await membership_event_recipients(conn, coop, *also)
    return audience, list(audience.actors)


def _cc(uris: Uris, coop: LocalActor, audience: Audience) -> list[str]:
    """The followers collection is named only when followers receive the event."""
    return [uris.followers(coop.username)] if audience.followers else []


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
        cc=_cc(uris, coop, audience),
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
        cc=_cc(uris, coop, audience),
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
        cc=_cc(uris, coop, audience),
    )
    # Signed (FEP-8b32): a membership event stays checkable when relayed or stored.
    activity = sign_as(coop, uris, activity, now)
    await publish(conn, sender=coop, activity=activity, audience=audience, now=now, governance=True)
