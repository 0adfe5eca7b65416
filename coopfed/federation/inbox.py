"""The inbox pipeline: cap, parse, verify, check origin and authority, dedupe, commit, answer.

Nothing else happens inside the request (the worker processes the committed item), so a 202
means exactly "verified and durably stored". The web layer adapts HTTP to `InboxRequest` and
`InboxAnswer`; nothing here knows Starlette. Every refusal is a typed JSON body.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import AsyncIterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from coopfed.activitypub.httpsig import SignatureError, verify_request
from coopfed.activitypub.jsonbounds import JsonRejected, parse_json_object
from coopfed.federation import authority
from coopfed.federation.keyresolver import NodeKeyResolver
from coopfed.node import Node
from coopfed.store import inbox as inbox_store
from coopfed.store.inbox import InsertResult, NewInboxItem

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "30"


@dataclass(frozen=True)
class InboxRequest:
    url: str  # absolute, as the sender addressed it (our public base + raw path and query)
    headers: Mapping[str, str]
    body: bytes
    recipient: str | None  # local username, None for the shared inbox
    client: str = ""  # the client's address, for rate limits


@dataclass(frozen=True)
class InboxAnswer:
    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


class BodyTooLarge(Exception):
    pass


async def read_capped(chunks: AsyncIterable[bytes], cap: int, declared: str | None) -> bytes:
    """The whole body, or BodyTooLarge as soon as it passes `cap` (whatever Content-Length says)."""
    if declared is not None and declared.strip().isdigit() and int(declared) > cap:
        raise BodyTooLarge(f"Content-Length {declared.strip()} > {cap}")
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge(f"body over {cap} bytes")
        parts.append(chunk)
    return b"".join(parts)


def too_large(cap: int) -> InboxAnswer:
    return _refuse(413, "too_large", f"bodies are limited to {cap} bytes")


def _refuse(status: int, error: str, reason: str, detail: str = "") -> InboxAnswer:
    body: dict[str, Any] = {"error": error, "reason": reason}
    if detail:
        body["detail"] = detail[:300]
    return InboxAnswer(status, body)


ACCEPTED = InboxAnswer(202)


def _unavailable(activity_id: str, exc: Exception) -> InboxAnswer:
    log.warning("inbox cannot store %s: %s", activity_id, exc)
    answer = _refuse(503, "unavailable", "storage", "cannot store the activity now")
    return InboxAnswer(answer.status, answer.body, {"Retry-After": RETRY_AFTER_SECONDS})


async def receive(node: Node, request: InboxRequest) -> InboxAnswer:
    """Run the pipeline on a body that already passed the size cap."""
    cap = node.settings.federation.max_body_bytes
    try:
        activity = parse_json_object(request.body, max_bytes=cap)
    except JsonRejected as exc:
        return _refuse(400, "json", exc.reason, exc.detail)
    shape = authority.activity_shape(activity)
    if isinstance(shape, authority.Refusal):
        return _refuse(400, "activity", shape.reason, shape.detail)
    runtime = node.federation
    try:
        verified = await verify_request(
            "POST",
            request.url,
            request.headers,
            request.body,
            NodeKeyResolver(runtime, request.client),
            node.now(),
        )
    except SignatureError as exc:
        log.info("inbox signature refused (%s): %s", exc.reason.value, exc.detail)
        return _refuse(401, "signature", exc.reason.value, exc.detail)
    except (SQLAlchemyError, OSError) as exc:  # storing a fetched key failed
        return _unavailable(shape.id, exc)
    if verified.owner != shape.actor:
        detail = f"key {verified.key_id} belongs to {verified.owner}, not {shape.actor}"
        return _refuse(401, "signature", "key_not_actor", detail)
    refusal = authority.check(activity, shape, our_origin=node.uris.base)
    if refusal is not None:
        return _refuse(refusal.status, "authority", refusal.reason, refusal.detail)
    return await _commit(node, request, activity, shape)


async def _store(node: Node, item: NewInboxItem, tombstone_of: str | None) -> InsertResult:
    """Commit the item (SQLite: grouped with concurrent requests by the writer thread)."""
    writer = node.federation.inbox_writer()
    if writer is not None:
        return await writer.insert(item, now=node.now(), tombstone_of=tombstone_of)
    return await inbox_store.insert_item(
        node.engine, item, now=node.now(), tombstone_of=tombstone_of
    )


async def _commit(
    node: Node, request: InboxRequest, activity: dict[str, Any], shape: authority.Shape
) -> InboxAnswer:
    stripped = authority.strip_foreign_embeds(activity, shape)
    text = json.dumps(activity, ensure_ascii=False) if stripped else request.body.decode()
    item = NewInboxItem(
        activity_id=shape.id,
        body_sha256=hashlib.sha256(request.body).hexdigest(),
        body=text,
        actor_uri=shape.actor,
        recipient=request.recipient,
        created_id=authority.created_id(shape),
    )
    try:
        result = await _store(node, item, authority.tombstone_target(shape))
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        return _unavailable(shape.id, exc)
    if result is InsertResult.tombstoned:
        if authority.tombstoned_verdict(shape) == "noop":  # deleting what is already deleted
            return ACCEPTED
        return _refuse(409, "authority", "tombstoned", "that object was deleted")
    if result is InsertResult.conflict:
        log.warning("inbox: %s re-sent by %s with a different body", shape.id, shape.actor)
        return _refuse(409, "duplicate", "id_reused", "this id was received with another body")
    return ACCEPTED
