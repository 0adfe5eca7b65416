"""Helpers for delivery tests (no tests here): a node with a movable clock, publishing, rows."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from coopfed.activitypub.httpsig import PublicKeyRecord, VerifiedSignature, verify_request
from coopfed.activitypub.httpsig.keys import load_public_key_pem
from coopfed.federation.delivery import DeliveryRun
from coopfed.federation.delivery_http import DeliveryClients
from coopfed.node import Node
from coopfed.services.outbox import Audience, publish
from coopfed.services.setup import create_node_actors
from coopfed.store.actors import LocalActor
from coopfed.store.tables import deliveries
from tests.conftest import make_settings
from tests.support.inbox_recorder import Received


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class DeliveryNode:
    node: Node
    coop: LocalActor
    clock: Clock

    async def publish(
        self, inboxes: list[str], *, governance: bool = False, kind: str = "Note"
    ) -> dict[str, Any]:
        activity_id = self.node.uris.activity(str(uuid.uuid4()))
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": activity_id,
            "type": "Create",
            "actor": self.node.uris.actor(self.coop.username),
            "object": {"type": kind, "content": "hello"},
        }
        async with self.node.engine.begin() as conn:
            await publish(
                conn,
                sender=self.coop,
                activity=activity,
                audience=Audience(),
                now=self.clock(),
                governance=governance,
                extra_inboxes=inboxes,
            )
        return activity

    async def run(self, run_seconds: float = 5.0) -> int:
        async with DeliveryClients(self.node.settings) as clients:
            return await DeliveryRun(self.node, clients, run_seconds=run_seconds).run()

    async def rows(self) -> list[dict[str, Any]]:
        async with self.node.engine.connect() as conn:
            result = await conn.execute(select(deliveries).order_by(deliveries.c.id))
            return [dict(row) for row in result.mappings()]

    async def verify(self, post: Received) -> VerifiedSignature:
        key_id = self.node.uris.actor_key(self.coop.username)
        record = PublicKeyRecord(
            key_id,
            self.node.uris.actor(self.coop.username),
            load_public_key_pem(self.coop.rsa_public_pem),
        )

        class Keys:
            async def resolve(self, wanted: str, *, refresh: bool) -> PublicKeyRecord:
                assert wanted == key_id
                return record

        return await verify_request("POST", post.url, post.headers, post.body, Keys(), self.clock())


async def delivery_node(
    database_url: str, tmp_path: Path, allow: list[str], **worker: Any
) -> AsyncIterator[DeliveryNode]:
    settings = make_settings(
        database_url,
        tmp_path,
        federation={"allow_private_addresses": allow, "allow_http": True},
        worker={"retry_time_scale": 1.0, **worker},
    )
    clock = Clock()
    node = Node.from_settings(settings)
    node.clock = clock
    async with node.engine.begin() as conn:
        coop = await create_node_actors(
            conn, handle="testcoop", name="Test", summary="", now=clock()
        )
    sender = DeliveryNode(node, coop, clock)
    try:
        yield sender
    finally:
        await sender.node.close()  # a test may have replaced the node (a restart)
