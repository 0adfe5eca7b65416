"""What every inbound handler receives and returns, and the two lookups they share.

A handler gets a `HandlerContext` (the node, the worker's transaction, the committed inbox item
and its parsed activity, already verified and origin-checked by the inbox) and returns an
`Outcome` (services/received.py). An exception means "try again later" (the worker backs off,
then quarantines).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.federation.keyresolver import without_fragment
from coopfed.federation.mapping.remote_actors import ap_to_remote_actor
from coopfed.node import Node
from coopfed.services.members import coop_actor
from coopfed.services.received import Received, done, ignored
from coopfed.store import actors as local_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.actors import LocalActor
from coopfed.store.inbox import InboxItem
from coopfed.store.remote_actors import RemoteActor

# A handler's outcome is the services' `Received`: a service's verdict passes through as is.
Outcome = Received
__all__ = [
    "BatchMemo",
    "Handler",
    "HandlerContext",
    "Outcome",
    "coop_of",
    "done",
    "ignored",
    "local_actor_of",
    "sender",
]


@dataclass
class BatchMemo:
    """Rows read once per lease batch of the worker and shared by its items' handlers: only
    rows no inbound handler changes (local actors are never updated)."""

    coop: LocalActor | None = None


@dataclass(frozen=True)
class HandlerContext:
    node: Node
    conn: AsyncConnection
    item: InboxItem
    activity: dict[str, Any]
    memo: BatchMemo = field(default_factory=BatchMemo)

    @property
    def actor(self) -> str:
        return self.item.actor_uri

    @property
    def object(self) -> Any:
        return self.activity.get("object")

    @property
    def object_id(self) -> str | None:
        obj = self.object
        if isinstance(obj, str):
            return obj
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            return str(obj["id"])
        return None


Handler = Callable[[HandlerContext], Awaitable[Outcome]]


async def coop_of(ctx: HandlerContext) -> LocalActor:
    """The co-op actor, read once per batch (every Create{Note} that is no vote asks for it)."""
    if ctx.memo.coop is None:
        ctx.memo.coop = await coop_actor(ctx.conn)
    return ctx.memo.coop


async def local_actor_of(ctx: HandlerContext, uri: str | None) -> LocalActor | None:
    """The local actor whose IRI is `uri`, if it is one of ours."""
    prefix = ctx.node.uris.actor("")
    if uri is None or not uri.startswith(prefix):
        return None
    username = uri[len(prefix) :]
    if ctx.node.uris.actor(username) != uri:
        return None
    return await local_store.get_local_actor(ctx.conn, username)


async def sender(ctx: HandlerContext) -> RemoteActor:
    """The activity's actor as stored (its key was resolved), fetched again if missing."""
    found = await remote_store.get_by_uri(ctx.conn, ctx.actor)
    if found is not None and found.deleted_at is None:
        return found
    async with ctx.node.federation.fetcher() as fetcher:
        document = await fetcher.fetch_object(without_fragment(ctx.actor))
    actor = ap_to_remote_actor(document)
    if actor.uri != ctx.actor:
        raise ValueError(f"{ctx.actor} serves actor {actor.uri}")
    return await remote_store.upsert(ctx.conn, actor, now=ctx.node.now())
