"""Helpers for inbox tests: activities, crafted signatures, row counts."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from coopfed.activitypub.httpsig import cavage, digest_header, http_date
from coopfed.activitypub.httpsig.message import request_view
from coopfed.inbound.worker import process_inbox_batch
from coopfed.node import Node
from coopfed.store.tables import inbox_items
from tests.federation.conftest import count_rows
from tests.support.fediverse import TestActor

COOP = "http://coop.test/actors/testcoop"
COOP_INBOX = f"{COOP}/inbox"
SHARED_INBOX = "http://coop.test/inbox"


def new_id(actor: TestActor, kind: str = "activities") -> str:
    return f"{actor.uri}/{kind}/{uuid.uuid4().hex}"


def follow(actor: TestActor, target: str = COOP) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": new_id(actor),
        "type": "Follow",
        "actor": actor.uri,
        "object": target,
    }


def note_create(actor: TestActor, **note: Any) -> dict[str, Any]:
    obj = {"id": new_id(actor, "notes"), "type": "Note", "attributedTo": actor.uri, "content": "hi"}
    obj.update(note)
    return {"id": new_id(actor), "type": "Create", "actor": actor.uri, "object": obj}


def crafted_headers(
    key: rsa.RSAPrivateKey,
    key_id: str,
    body: bytes,
    covered: tuple[str, ...] = ("(request-target)", "host", "date", "digest"),
    *,
    url: str = COOP_INBOX,
    date: datetime | None = None,
    digest: str | None = None,
) -> dict[str, str]:
    """A cavage signature over exactly `covered` (lets tests build weak or odd signatures)."""
    headers = {
        "Host": request_view("POST", url, {}).authority,
        "Date": http_date(date or datetime.now(UTC)),
        "Digest": digest if digest is not None else digest_header(body),
        "Content-Type": "application/activity+json",
    }
    view = request_view("POST", url, headers)
    headers["Signature"] = cavage.signature_header(key_id, key, view, covered)
    return headers


async def post_raw(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str], url: str = COOP_INBOX
) -> httpx.Response:
    return await client.post(url, content=body, headers=headers)


def dumps(activity: dict[str, Any]) -> bytes:
    return json.dumps(activity).encode()


async def stored(node: Node) -> int:
    return await count_rows(node, "inbox_items")


async def nothing_stored(node: Node) -> bool:
    return await count_rows(node, "inbox_items") == 0 and await count_rows(node, "followers") == 0


async def send_and_process(
    client: httpx.AsyncClient, node: Node, actor: TestActor, activity: Any
) -> str:
    """`actor` posts `activity` to the shared inbox, the worker runs once: "state: outcome"."""
    assert (await actor.apost(client, SHARED_INBOX, activity)).status_code == 202
    await process_inbox_batch(node)
    async with node.engine.connect() as conn:
        query = select(inbox_items.c.state, inbox_items.c.outcome).where(
            inbox_items.c.actor_uri == actor.uri, inbox_items.c.activity_id == activity["id"]
        )
        state, outcome = (await conn.execute(query)).one()
    return f"{state}: {outcome}"
