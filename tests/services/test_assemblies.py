"""Assemblies on the wire: Create(Event) to followers when scheduled, Update when the agenda
changes, members-only ones in a copy per member, an agenda cut to what the audience may see."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from coopfed.activitypub.vocab import PUBLIC
from coopfed.node import Node
from coopfed.services import assemblies, member_export, members, proposals
from coopfed.services.assemblies import AssemblyDraft
from coopfed.services.members import coop_actor
from coopfed.services.proposals import ProposalDraft
from coopfed.store import follows as follow_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.tables import deliveries, outbox_activities
from tests.support.governance import add_locals, open_yes_no, use_clock
from tests.web.conftest import remote_actor

FOLLOWER = "https://social.example/users/fan"
REMOTE_MEMBER = "https://social.example/users/ann"
STARTS = datetime(2030, 6, 20, 18, 0, tzinfo=UTC)


async def _published(node: Node, kind: str) -> list[tuple[dict[str, Any], list[str]]]:
    """(activity, delivery inboxes) of each outbox row of `kind`, oldest first."""
    async with node.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox_activities.c.id, outbox_activities.c.body)
                .where(outbox_activities.c.type == kind)
                .order_by(outbox_activities.c.id)
            )
        ).all()
        found = []
        for row_id, body in rows:
            inboxes = select(deliveries.c.inbox).where(deliveries.c.activity_id == row_id)
            found.append((json.loads(body), list((await conn.execute(inboxes)).scalars())))
        return found


async def _resolve(reference: str) -> str:
    return reference


async def _follower(node: Node, uri: str) -> None:
    async with node.engine.begin() as conn:
        stored = await remote_store.upsert(conn, remote_actor(uri, "Fan", "Person"), now=node.now())
        coop = await coop_actor(conn)
        await follow_store.save_follower(
            conn, local_actor_id=coop.id, remote_actor_id=stored.id,
            follow_activity_id=f"{uri}#follow", state="accepted", now=node.now(),
        )  # fmt: skip


async def test_a_public_assembly_is_a_mobilizon_shaped_event_to_followers(node: Node) -> None:
    use_clock(node)
    await add_locals(node, "alice")
    await _follower(node, FOLLOWER)
    draft = AssemblyDraft(title="AGM 2030", starts_at=STARTS, place="Town hall",
                          ends_at=STARTS.replace(hour=20), quorum="1/2")  # fmt: skip
    detail = await assemblies.create_assembly(node, draft)
    [(create, inboxes)] = await _published(node, "Create")
    event = create["object"]
    assert create["actor"] == event["attributedTo"] == "http://coop.test/actors/testcoop"
    assert event["type"] == "Event" and event["id"] == detail.record.uri
    assert event["name"] == "AGM 2030" and event["startTime"] == "2030-06-20T18:00:00Z"
    assert event["endTime"] == "2030-06-20T20:00:00Z"
    assert event["location"] == {"type": "Place", "name": "Town hall"}
    assert event["isOnline"] is False and event["joinMode"] == "restricted"
    assert event["to"] == [PUBLIC] and event["cc"] == ["http://coop.test/actors/testcoop/followers"]
    assert event["agenda"] == [] and event["assemblyQuorum"] == "1/2"
    assert inboxes == [FOLLOWER + "/inbox"]

    public = await open_yes_no(node, title="Buy a bike")
    hidden = await open_yes_no(node, title="Members' pay", visibility="members")
    await assemblies.add_to_agenda(node, detail.record.slug, public.uri)
    await assemblies.add_to_agenda(node, detail.record.slug, hidden.slug)
    updates = [activity for activity, _ in await _published(node, "Update")
               if activity["object"]["type"] == "Event"]  # fmt: skip
    assert len(updates) == 2 and updates[0]["id"] != updates[1]["id"]
    last = updates[-1]["object"]
    # A public Event never names a members-only proposal.
    assert last["agenda"] == [public.uri] and "Buy a bike" in last["content"]
    assert "Members' pay" not in json.dumps(last)


async def test_a_members_only_assembly_goes_to_each_member_alone(node: Node) -> None:
    use_clock(node)
    await _follower(node, FOLLOWER)
    async with node.engine.begin() as conn:
        await remote_store.upsert(
            conn, remote_actor(REMOTE_MEMBER, "Ann", "Person"), now=node.now()
        )
    await members.add_member(node, REMOTE_MEMBER, resolver=_resolve)
    await add_locals(node, "alice")
    draft = AssemblyDraft(title="Pay talks", starts_at=STARTS, link="https://meet.example/x",
                          visibility="members")  # fmt: skip
    await assemblies.create_assembly(node, draft)
    [(create, inboxes)] = await _published(node, "Create")
    event = create["object"]
    assert event["to"] == [REMOTE_MEMBER] and event["cc"] == []
    assert event["tag"] == [{"type": "Mention", "href": REMOTE_MEMBER}]
    assert event["isOnline"] is True and "location" not in event
    assert event["attachment"] == [{"type": "Link", "href": "https://meet.example/x",
                                    "mediaType": "text/html", "name": "Website"}]  # fmt: skip
    assert inboxes == [REMOTE_MEMBER + "/inbox"]  # not the follower, not a shared inbox


async def test_served_event_follows_the_visibility(node: Node) -> None:
    use_clock(node)
    [alice] = await add_locals(node, "alice")
    draft = AssemblyDraft(title="Private", starts_at=STARTS, place="Back room",
                          visibility="members")  # fmt: skip
    detail = await assemblies.create_assembly(node, draft)
    slug = detail.record.slug
    assert await assemblies.served_event(node, slug, None) is None
    assert await assemblies.served_event(node, slug, "https://elsewhere.example/u/x") is None
    served = await assemblies.served_event(node, slug, alice.actor_uri)
    assert served is not None and served["to"] == [alice.actor_uri]
    assert await assemblies.served_event(node, "nope", alice.actor_uri) is None


async def test_a_draft_on_the_agenda_joins_the_event_when_it_opens(node: Node) -> None:
    use_clock(node)
    await add_locals(node, "alice")
    draft = await proposals.create_proposal(
        node, ProposalDraft(title="Later", method="proposal", duration=timedelta(days=3))
    )
    detail = await assemblies.create_assembly(
        node, AssemblyDraft(title="AGM", starts_at=STARTS, place="Hall")
    )
    await assemblies.add_to_agenda(node, detail.record.slug, draft.slug)
    [(first, _)] = await _event_updates(node)
    assert first["object"]["agenda"] == [] and "Later" not in first["object"]["content"]
    await proposals.open_proposal(node, draft.slug)
    updates = await _event_updates(node)
    assert len(updates) == 2 and updates[-1][0]["object"]["agenda"] == [draft.uri]


async def _event_updates(node: Node) -> list[tuple[dict[str, Any], list[str]]]:
    return [(a, i) for a, i in await _published(node, "Update") if a["object"]["type"] == "Event"]


async def test_a_members_export_lists_the_assemblies_they_attended(node: Node) -> None:
    use_clock(node)
    [alice] = await add_locals(node, "alice")
    detail = await assemblies.create_assembly(
        node, AssemblyDraft(title="AGM", starts_at=STARTS, place="Hall")
    )
    await assemblies.record_attendance(node, detail.record.slug, "alice", by="cli:test")
    exported = await member_export.export_member(node, alice.member_id)
    assert exported["assemblies"] == [
        {
            "assembly": detail.record.uri,
            "title": "AGM",
            "starts_at": "2030-06-20T18:00:00Z",
            "attended_recorded_at": "2030-01-10T12:00:00Z",
            "recorded_by": "cli:test",
        }
    ]
