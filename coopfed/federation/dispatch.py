"""Dispatch of stored inbox activities to handlers by (activity type, object type).

Handlers receive the parsed activity (already verified and origin-checked by the inbox) and the
worker's transaction; they call services and return an `Outcome`. An exception means "try
again later" (the worker backs off, then quarantines).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.node import Node
from coopfed.store.inbox import InboxItem

ANY = "*"


@dataclass(frozen=True)
class Outcome:
    state: str  # done | ignored
    note: str = ""


def done(note: str = "") -> Outcome:
    return Outcome("done", note)


def ignored(reason: str) -> Outcome:
    return Outcome("ignored", reason)


@dataclass(frozen=True)
class HandlerContext:
    node: Node
    conn: AsyncConnection
    item: InboxItem
    activity: dict[str, Any]

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

_registry: dict[tuple[str, str], Handler] = {}


def register(activity_type: str, *object_types: str) -> Callable[[Handler], Handler]:
    """Decorator: handle `activity_type` whose object has one of `object_types` (or ANY)."""

    def add(handler: Handler) -> Handler:
        for object_type in object_types or (ANY,):
            _registry[(activity_type, object_type)] = handler
        return handler

    return add


def object_type(activity: dict[str, Any]) -> str | None:
    obj = activity.get("object")
    if isinstance(obj, dict) and isinstance(obj.get("type"), str):
        return str(obj["type"])
    return None


def find_handler(activity: dict[str, Any]) -> Handler | None:
    kind = str(activity.get("type"))
    inner = object_type(activity)
    if inner is not None and (kind, inner) in _registry:
        return _registry[(kind, inner)]
    return _registry.get((kind, ANY))


def load_handlers() -> None:
    """Import the handler modules (each registers itself)."""
    from coopfed.federation.handlers import (  # noqa: F401
        actor_update,
        alliances,
        delete,
        follow,
        join,
        joint,
        leave,
        membership_claims,
        move,
        undo,
        vote,
    )


async def dispatch(node: Node, conn: AsyncConnection, item: InboxItem) -> Outcome:
    load_handlers()
    activity = json.loads(item.body)
    handler = find_handler(activity)
    if handler is None:
        kind, inner = activity.get("type"), object_type(activity) or "-"
        return ignored(f"no handler for {str(kind)[:40]}/{inner[:40]}")
    return await handler(HandlerContext(node, conn, item, activity))
