"""Follows of local actors by remote actors: accept (or hold for approval), reject, undo.

Every function runs in the caller's transaction; the Accept/Reject goes through the
transactional outbox, so the follower row and the answer commit together.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.mapping.follows import follow_answer_to_ap
from coopfed.services.outbox import Audience, new_activity_id, publish
from coopfed.store import follows as follow_store
from coopfed.store.actors import LocalActor
from coopfed.store.remote_actors import RemoteActor
from coopfed.uris import Uris


class FollowOutcome(StrEnum):
    accepted = "accepted"
    pending = "pending"
    rejected = "rejected"


async def _answer(
    conn: AsyncConnection,
    kind: str,
    *,
    uris: Uris,
    local: LocalActor,
    follower: RemoteActor,
    follow: dict[str, Any],
    now: datetime,
) -> None:
    activity = follow_answer_to_ap(
        kind,
        activity_id=new_activity_id(uris),
        local_actor_uri=uris.actor(local.username),
        follow=follow,
    )
    await publish(
        conn, sender=local, activity=activity, audience=Audience(actors=(follower.uri,)), now=now
    )


async def receive_follow(
    conn: AsyncConnection,
    *,
    uris: Uris,
    local: LocalActor,
    follower: RemoteActor,
    follow: dict[str, Any],
    manually_approves: bool,
    now: datetime,
) -> FollowOutcome:
    """A remote actor asks to follow `local`. The instance actor cannot be followed."""
    assert follower.id is not None
    if local.kind == "instance":
        await _answer(
            conn, "Reject", uris=uris, local=local, follower=follower, follow=follow, now=now
        )
        return FollowOutcome.rejected
    existing = await follow_store.get_follower(conn, local.id, follower.id)
    already_accepted = existing is not None and existing.state == "accepted"
    state = "accepted" if already_accepted or not manually_approves else "pending"
    await follow_store.save_follower(
        conn,
        local_actor_id=local.id,
        remote_actor_id=follower.id,
        follow_activity_id=str(follow["id"]),
        state=state,
        now=now,
    )
    if state == "pending":
        return FollowOutcome.pending
    # Accept again on a repeated Follow: the follower may have lost our first Accept.
    await _answer(conn, "Accept", uris=uris, local=local, follower=follower, follow=follow, now=now)
    return FollowOutcome.accepted


async def decide_pending_follow(
    conn: AsyncConnection,
    *,
    uris: Uris,
    local: LocalActor,
    follower: RemoteActor,
    approve: bool,
    now: datetime,
) -> bool:
    """Approve or reject a pending follow request; False if there is none."""
    assert follower.id is not None
    existing = await follow_store.get_follower(conn, local.id, follower.id)
    if existing is None or existing.state != "pending":
        return False
    follow = {"id": existing.follow_activity_id, "actor": follower.uri}
    if approve:
        await follow_store.save_follower(
            conn,
            local_actor_id=local.id,
            remote_actor_id=follower.id,
            follow_activity_id=existing.follow_activity_id,
            state="accepted",
            now=now,
        )
    else:
        await follow_store.delete_follower(conn, existing.id)
    kind = "Accept" if approve else "Reject"
    await _answer(conn, kind, uris=uris, local=local, follower=follower, follow=follow, now=now)
    return True


async def undo_follow(conn: AsyncConnection, *, follower_uri: str, follow_id: str) -> bool:
    """The follower withdraws the Follow `follow_id`; False if unknown or not theirs."""
    existing = await follow_store.get_follower_by_follow_id(conn, follow_id)
    if existing is None or existing.remote_uri != follower_uri:
        return False
    await follow_store.delete_follower(conn, existing.id)
    return True
