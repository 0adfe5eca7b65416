"""Two coopfed nodes in one process, each with its own database, exchanging activities without
HTTP: `deliver` hands the activities one node queued for the other straight to the other's
inbox handlers (as the inbox worker would after verifying signatures), and each node holds the
other's actor documents as if it had fetched them. For service-level tests of federation flows.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from coopfed.federation.mapping.actors import local_actor_to_ap
from coopfed.federation.mapping.remote_actors import ap_to_remote_actor
from coopfed.inbound.dispatch import Outcome, dispatch
from coopfed.node import Node
from coopfed.services import alliances, project_hosting, remote_coops
from coopfed.services.errors import ServiceError
from coopfed.services.setup import create_node_actors
from coopfed.store import actors as actor_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.inbox import InboxItem
from coopfed.store.remote_actors import RemoteActor
from coopfed.store.tables import outbox_activities
from tests.conftest import make_settings
from tests.support.databases import PostgresDatabases, SqliteTemplate


@dataclass
class Peer:
    node: Node
    seen: int = 0  # the last outbox row handed to the other node
    outcomes: list[Outcome] = field(default_factory=list)

    def uri(self, username: str) -> str:
        return self.node.uris.actor(username)

    @property
    def coop(self) -> str:
        return self.uri(self.node.settings.coop.handle)


async def _node(
    backend: str, directory: Path, dbs: PostgresDatabases, sqlite: SqliteTemplate, name: str
) -> Node:
    directory.mkdir()
    if backend == "postgres":
        url = await dbs.fresh()
    else:
        url = await asyncio.to_thread(sqlite.fresh, directory)
    settings = make_settings(
        url, directory, coop={"handle": f"coop{name}", "name": f"Co-op {name.upper()}"},
        server={"url": f"http://{name}.test"},
    )  # fmt: skip
    node = Node.from_settings(settings)
    async with node.engine.begin() as conn:
        await create_node_actors(
            conn, handle=settings.coop.handle, name=settings.coop.name,
            summary="", now=node.now(),
        )  # fmt: skip
    return node


async def introduce(source: Peer, target: Peer, username: str) -> None:
    """`target` stores `source`'s actor `username` as a fetched remote actor."""
    async with source.node.engine.connect() as conn:
        local = await actor_store.get_local_actor(conn, username)
    assert local is not None
    actor = ap_to_remote_actor(local_actor_to_ap(local, source.node.uris))
    async with target.node.engine.begin() as conn:
        await remote_store.upsert(conn, actor, now=target.node.now())


async def deliver(source: Peer, target: Peer) -> list[Outcome]:
    """Hand every new activity `source` queued for an actor of `target` to `target`'s handlers."""
    async with source.node.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox_activities.c.id, outbox_activities.c.body)
                .where(outbox_activities.c.id > source.seen)
                .order_by(outbox_activities.c.id)
            )
        ).all()
    outcomes = []
    prefix = target.node.uris.base
    for row_id, body in rows:
        source.seen = row_id
        activity = json.loads(body)
        if not any(str(to).startswith(prefix) for to in activity.get("to", [])):
            continue
        item = InboxItem(row_id, activity["id"], body, activity["actor"], None, "pending", 0,
                         target.node.now(), None, None)  # fmt: skip
        async with target.node.engine.begin() as conn:
            outcomes.append(await dispatch(target.node, conn, item))
    target.outcomes.extend(outcomes)
    return outcomes


async def exchange(a: Peer, b: Peer) -> None:
    """Deliver both ways until neither side has anything new (answers cause answers)."""
    for _ in range(5):
        if not (await deliver(a, b)) + (await deliver(b, a)):
            return


def later(peer: Peer, delta: timedelta) -> None:
    """Move a node's clock forward."""
    start = peer.node.now()
    peer.node.clock = lambda: start + delta


@pytest.fixture
async def pair(
    backend: str,
    tmp_path: Path,
    postgres_databases: PostgresDatabases,
    sqlite_template: SqliteTemplate,
) -> AsyncIterator[tuple[Peer, Peer]]:
    a = Peer(await _node(backend, tmp_path / "a", postgres_databases, sqlite_template, "a"))
    b = Peer(await _node(backend, tmp_path / "b", postgres_databases, sqlite_template, "b"))
    await introduce(a, b, "coopa")
    await introduce(b, a, "coopb")
    yield a, b
    await a.node.close()
    await b.node.close()


@pytest.fixture(autouse=True)
def stored_actors_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Actors come from what each node holds (two_nodes.introduce), never from the network."""

    async def from_store(node: Node, uri: str) -> RemoteActor:
        async with node.engine.connect() as conn:
            found = await remote_store.get_by_uri(conn, uri)
        if found is None:
            raise ServiceError(f"cannot fetch {uri}: not introduced")
        return found

    async def nothing(node: Node, uri: str) -> None:
        return None  # a failed proof's refetch finds nothing new

    for module in (alliances, project_hosting, remote_coops):
        monkeypatch.setattr(module, "fetch_and_store", from_store)
    monkeypatch.setattr(remote_coops, "_fresh_document", nothing)
