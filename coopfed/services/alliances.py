"""Alliances between co-ops: offer, accept (admin decision), end; allied co-ops follow each other.

Wire (FEDERATION.md "Alliances and shared projects"): A sends `Follow` and `Offer{Alliance}` to
B; B's admin (or B's members by a vote, when B's charter says `alliances: vote`) accepts: B
approves A's Follow, sends `Follow` of A then `Accept` of the Offer (in that order, so A
approves B's Follow when the Accept arrives). Either side ends it: A with `Undo{Offer}`, B with
`Reject` of the Offer; both drop their follows of the other. Allies see allies-only proposals
and receive membership events (services/audience.py decides: active alliances only).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.alliances import (
    alliance_offer_to_ap,
    answer_to_ap,
    follow_to_ap,
    undo_follow_to_ap,
    undo_offer_to_ap,
)
from coopfed.node import Node
from coopfed.services import follows
from coopfed.services.audience import is_active_ally
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.members import coop_actor
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.services.received import Received, done, ignored
from coopfed.services.remote_coops import fetch_and_store, local_username, resolve_uri
from coopfed.store import alliances as alliance_store
from coopfed.store import follows as follow_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.actors import LocalActor
from coopfed.store.alliances import Alliance, AllianceState
from coopfed.store.remote_actors import RemoteActor
from coopfed.uris import Uris


async def is_ally(conn: AsyncConnection, actor_uri: str) -> bool:
    return await is_active_ally(conn, actor_uri)


async def list_alliances(node: Node) -> list[Alliance]:
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        return await alliance_store.list_alliances(conn, coop.id)


async def _send(
    conn: AsyncConnection, coop: LocalActor, activity: dict[str, object], to: str, now: datetime
) -> None:
    await publish(
        conn, sender=coop, activity=dict(activity), audience=Audience(actors=(to,)), now=now,
        governance=True,
    )  # fmt: skip


async def _follow(
    conn: AsyncConnection, uris: Uris, coop: LocalActor, other: RemoteActor, now: datetime
) -> None:
    assert other.id is not None
    follow_id = new_activity_id(uris)
    await alliance_store.save_following(
        conn, local_actor_id=coop.id, remote_actor_id=other.id, follow_id=follow_id,
        state="pending", now=now,
    )  # fmt: skip
    activity = follow_to_ap(
        activity_id=follow_id, actor=uris.actor(coop.username), followed=other.uri
    )
    await _send(conn, coop, activity, other.uri, now)


async def _unfollow(
    conn: AsyncConnection, uris: Uris, coop: LocalActor, other: RemoteActor, now: datetime
) -> None:
    assert other.id is not None
    follow_id = await alliance_store.following_id(
        conn, local_actor_id=coop.id, remote_actor_id=other.id
    )
    await alliance_store.delete_following(conn, local_actor_id=coop.id, remote_actor_id=other.id)
    if follow_id is not None:
        activity = undo_follow_to_ap(
            activity_id=new_activity_id(uris), actor=uris.actor(coop.username),
            follow_id=follow_id, followed=other.uri,
        )  # fmt: skip
        await _send(conn, coop, activity, other.uri, now)


async def _other_coop(node: Node, reference: str) -> RemoteActor:
    uri = await resolve_uri(node, reference)
    if local_username(node, uri) is not None:
        raise ServiceError("a co-op cannot ally with itself or with actors of its own node")
    return await fetch_and_store(node, uri)


async def offer_alliance(node: Node, reference: str) -> Alliance:
    """Offer an alliance (and follow); an existing active or offered alliance is kept."""
    other = await _other_coop(node, reference)
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        existing = await alliance_store.get(conn, coop.id, other.uri)
        if existing is not None and existing.state in {AllianceState.ACTIVE, AllianceState.OFFERED}:
            raise ServiceError(f"an alliance with {other.uri} is already {existing.state}")
        offer_id = new_activity_id(node.uris)
        await _follow(conn, node.uris, coop, other, now)
        offer = alliance_offer_to_ap(
            activity_id=offer_id, coop_uri=node.uris.actor(coop.username), other_uri=other.uri,
            name=coop.display_name,
        )  # fmt: skip
        await _send(conn, coop, offer, other.uri, now)
        return await alliance_store.save(
            conn, coop_id=coop.id, remote_uri=other.uri, direction="outgoing",
            state=AllianceState.OFFERED, offer_id=offer_id, now=now,
        )  # fmt: skip


async def _incoming(conn: AsyncConnection, coop: LocalActor, uri: str) -> Alliance:
    alliance = await alliance_store.get(conn, coop.id, uri)
    if (
        alliance is None
        or alliance.direction != "incoming"
        or alliance.state != AllianceState.OFFERED
    ):
        raise NotFound(f"no alliance offer from {uri}")
    return alliance


def _members_decide(alliance: Alliance) -> None:
    if alliance.proposal_uri is not None:
        raise ServiceError(
            f"the members decide this offer by vote ({alliance.proposal_uri}); withdrawing "
            "that proposal declines it"
        )


async def accept_alliance(node: Node, reference: str) -> Alliance:
    """The admin accepts an offer: approve their Follow, follow them, Accept the Offer."""
    uri = await resolve_uri(node, reference)
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        alliance = await _incoming(conn, coop, uri)
        _members_decide(alliance)
        await accept_in(conn, node.uris, coop, alliance, now)
        found = await alliance_store.get(conn, coop.id, uri)
        assert found is not None
        return found


async def accept_in(
    conn: AsyncConnection, uris: Uris, coop: LocalActor, alliance: Alliance, now: datetime
) -> None:
    """Accept an incoming offer (admin or members' vote): approve their Follow, follow them,
    then `Accept` the Offer (in that order, so they approve our Follow when it arrives)."""
    uri = alliance.remote_actor_uri
    other = await remote_store.get_by_uri(conn, uri)
    assert other is not None  # stored when its signed Offer arrived
    await follows.decide_pending_follow(
        conn, uris=uris, local=coop, follower=other, approve=True, now=now
    )
    await _follow(conn, uris, coop, other, now)
    accept = answer_to_ap(
        "Accept", activity_id=new_activity_id(uris), actor=uris.actor(coop.username),
        answered_id=alliance.offer_activity_id, to=uri,
    )  # fmt: skip
    await _send(conn, coop, accept, uri, now)
    await alliance_store.set_state(conn, alliance.id, AllianceState.ACTIVE, now)


async def decline_in(
    conn: AsyncConnection, uris: Uris, coop: LocalActor, alliance: Alliance, now: datetime
) -> None:
    """Decline an incoming offer: `Reject` it, drop follows both ways."""
    uri = alliance.remote_actor_uri
    other = await remote_store.get_by_uri(conn, uri)
    assert other is not None
    reject = answer_to_ap(
        "Reject", activity_id=new_activity_id(uris), actor=uris.actor(coop.username),
        answered_id=alliance.offer_activity_id, to=uri,
    )  # fmt: skip
    await _send(conn, coop, reject, uri, now)
    await _drop_follows(conn, uris, coop, other, now)
    await alliance_store.set_state(conn, alliance.id, AllianceState.DECLINED, now)


async def receive_answer(
    conn: AsyncConnection,
    uris: Uris,
    coop: LocalActor,
    sender: RemoteActor,
    alliance: Alliance,
    *,
    accepted: bool,
    now: datetime,
) -> Received:
    """B accepted our offer (approve B's Follow), or rejected / ended it (drop our follow)."""
    if alliance.remote_actor_uri != sender.uri:
        return ignored("answer from someone else than the offered co-op")
    if accepted and alliance.state == AllianceState.OFFERED:
        await follows.decide_pending_follow(
            conn, uris=uris, local=coop, follower=sender, approve=True, now=now
        )
        await alliance_store.set_state(conn, alliance.id, AllianceState.ACTIVE, now)
        return done("alliance active")
    if not accepted and alliance.state in {AllianceState.OFFERED, AllianceState.ACTIVE}:
        state = (
            AllianceState.DECLINED
            if alliance.state == AllianceState.OFFERED
            else AllianceState.ENDED
        )
        await _drop_follows(conn, uris, coop, sender, now)
        await alliance_store.set_state(conn, alliance.id, state, now)
        return done(f"alliance {state}")
    return done(f"alliance already {alliance.state}")  # a replay: nothing left to do


async def _drop_follows(
    conn: AsyncConnection, uris: Uris, coop: LocalActor, other: RemoteActor, now: datetime
) -> None:
    await _unfollow(conn, uris, coop, other, now)
    assert other.id is not None
    follower = await follow_store.get_follower(conn, coop.id, other.id)
    if follower is not None:
        await follow_store.delete_follower(conn, follower.id)


async def end_alliance(node: Node, reference: str) -> Alliance:
    """End an alliance (or withdraw an offer, or decline one): Undo / Reject, follows undone."""
    uri = await resolve_uri(node, reference)
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        alliance = await alliance_store.get(conn, coop.id, uri)
        if alliance is None or alliance.state not in {AllianceState.OFFERED, AllianceState.ACTIVE}:
            raise NotFound(f"no alliance with {uri}")
        if alliance.direction == "incoming" and alliance.state == AllianceState.OFFERED:
            _members_decide(alliance)
        other = await remote_store.get_by_uri(conn, uri)
        assert other is not None
        actor = node.uris.actor(coop.username)
        activity_id = new_activity_id(node.uris)
        if alliance.direction == "outgoing":
            activity = undo_offer_to_ap(
                activity_id=activity_id, coop_uri=actor, offer_id=alliance.offer_activity_id, to=uri
            )
        else:
            activity = answer_to_ap(
                "Reject", activity_id=activity_id, actor=actor,
                answered_id=alliance.offer_activity_id, to=uri,
            )  # fmt: skip
        await _send(conn, coop, activity, uri, now)
        await _drop_follows(conn, node.uris, coop, other, now)
        state = (
            AllianceState.ENDED
            if alliance.state == AllianceState.ACTIVE
            else AllianceState.DECLINED
        )
        await alliance_store.set_state(conn, alliance.id, state, now)
        found = await alliance_store.get(conn, coop.id, uri)
        assert found is not None
        return found


async def receive_undo(
    conn: AsyncConnection, uris: Uris, coop: LocalActor, sender: RemoteActor, offer_id: str,
    now: datetime,
) -> Received:  # fmt: skip
    """The offering co-op withdrew its offer or ended the alliance."""
    alliance = await alliance_store.get_by_offer(conn, offer_id)
    if alliance is None or alliance.remote_actor_uri != sender.uri:
        return ignored("Undo of an offer we do not know from that co-op")
    if alliance.state in {AllianceState.OFFERED, AllianceState.ACTIVE}:
        await _drop_follows(conn, uris, coop, sender, now)
        await alliance_store.set_state(conn, alliance.id, AllianceState.ENDED, now)
    return done("alliance ended")
