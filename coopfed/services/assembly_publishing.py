"""Publishing assemblies: Create(Event) when one is scheduled, Update(Event) when its agenda
changes — in the caller's transaction (transactional outbox), as proposals are published.

Audiences are services/audience.py's, with the proposals' rules: a public assembly to the
co-op's followers; an allies-only one to the active allies; a members-only one to each active
member and linked account in its own copy naming only them (never a shared inbox).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.assemblies import (
    AgendaItem,
    AssemblyView,
    assembly_to_event,
    event_create_activity,
    event_update_activity,
)
from coopfed.federation.mapping.proposals import Visibility
from coopfed.services import audience
from coopfed.services.members import coop_actor
from coopfed.store import assemblies as assembly_store
from coopfed.store import proposals as proposal_store
from coopfed.store.assemblies import AssemblyRecord
from coopfed.uris import Uris


async def assembly_view(
    conn: AsyncConnection, uris: Uris, record: AssemblyRecord, named: Sequence[str] = ()
) -> AssemblyView:
    """What the Event shows, read in the caller's transaction. `named`: who a members-only
    Event names (the one recipient of a copy, or the reader of a GET)."""
    coop = await coop_actor(conn)
    visibility = Visibility(record.visibility)
    items = []
    for row_id in await assembly_store.agenda(conn, record.row_id):
        proposal = await proposal_store.get_by_row_id(conn, row_id)
        if proposal is not None and audience.on_event_agenda(record, proposal):
            items.append(
                AgendaItem(proposal.uri, proposal.proposal.title, proposal.proposal.state.value)
            )
    allies = visibility is Visibility.ALLIES
    return AssemblyView(
        assembly_id=record.uri,
        title=record.title,
        starts_at=record.starts_at,
        ends_at=record.ends_at,
        place=record.place,
        link=record.link,
        quorum=record.quorum,
        visibility=visibility,
        coop_actor=uris.actor(coop.username),
        coop_followers=uris.followers(coop.username),
        published=record.created_at,
        updated=record.updated_at,
        agenda=tuple(items),
        member_actors=tuple(named) if visibility is Visibility.MEMBERS else (),
        ally_actors=await audience.active_ally_actors(conn) if allies else (),
    )


async def served_event(
    conn: AsyncConnection, uris: Uris, record: AssemblyRecord, reader: str | None = None
) -> dict[str, Any]:
    """The Event a GET answers (to a reader `audience.may_see_assembly` let through)."""
    named = () if reader is None else (reader,)
    return assembly_to_event(await assembly_view(conn, uris, record, named))


def _sequence(now: datetime) -> str:
    """Update ids must differ, even for two changes in the same instant (an agenda built in
    one go, a test's fixed clock): the publishing time in microseconds and a random tail."""
    return f"{int(now.timestamp() * 1_000_000)}-{secrets.token_hex(4)}"


async def publish_scheduled(
    conn: AsyncConnection, uris: Uris, record: AssemblyRecord, now: datetime
) -> None:
    """Create(Event) by the co-op, for an assembly just scheduled."""
    await _publish(conn, uris, record, now, None)


async def publish_changed(
    conn: AsyncConnection, uris: Uris, record: AssemblyRecord, now: datetime
) -> None:
    """Update(Event) with the whole Event (a new agenda item, say)."""
    await _publish(conn, uris, record, now, _sequence(now))


async def _publish(
    conn: AsyncConnection,
    uris: Uris,
    record: AssemblyRecord,
    now: datetime,
    sequence: str | None,
) -> None:
    sender = await coop_actor(conn)
    recipients = await audience.assembly_recipients(conn, record)
    view = await assembly_view(conn, uris, record)

    def activity_of(member: str | None) -> dict[str, Any]:
        shown = view if member is None else replace(view, member_actors=(member,))
        event = assembly_to_event(shown)
        if sequence is None:
            return event_create_activity(event)
        return event_update_activity(event, sequence=sequence)

    await audience.publish_to_visibility(
        conn,
        sender=sender,
        coop=view.coop_actor,
        visibility=view.visibility,
        recipients=recipients,
        activity_for=activity_of,
        now=now,
    )


async def proposal_opened(
    conn: AsyncConnection, uris: Uris, proposal_row_id: int, now: datetime
) -> None:
    """A proposal on some agenda just opened: the Events that may now list it are updated
    (a draft is never on the wire, so it joined their agenda only now)."""
    for record in await assembly_store.assemblies_with(conn, proposal_row_id):
        await assembly_store.lock(conn, record.row_id, now)
        fresh = await assembly_store.get_by_slug(conn, record.slug)
        assert fresh is not None
        await publish_changed(conn, uris, fresh, now)
