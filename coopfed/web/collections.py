"""Followers, following, outbox and members collections of local actors (public, unsigned GET).

`/actors/{username}/{collection}` answers the `OrderedCollection` summary; `?page=N` a page.
Members (actors of active members) are listed only for group actors, and only to whom the
membership principle allows (`services.audience`): others get 404, as if there were none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.federation.mapping.collections import (
    PAGE_SIZE,
    collection_page_to_ap,
    collection_to_ap,
)
from coopfed.governance.membership import RollVisibility
from coopfed.node import Node
from coopfed.services import audience
from coopfed.store import actors as actor_store
from coopfed.store import follows as follow_store
from coopfed.store import membership as membership_store
from coopfed.store import published
from coopfed.store.actors import LocalActor
from coopfed.web.errors import error_response
from coopfed.web.negotiation import activity_response
from coopfed.web.proposals import signing_actor
from coopfed.web.state import node_of

Counter = Callable[[AsyncConnection, int], Awaitable[int]]
Pager = Callable[[AsyncConnection, int, int, int], Awaitable[list[Any]]]


async def _followers(conn: AsyncConnection, actor_id: int, offset: int, limit: int) -> list[Any]:
    return list(await follow_store.follower_uris(conn, actor_id, offset=offset, limit=limit))


async def _following(conn: AsyncConnection, actor_id: int, offset: int, limit: int) -> list[Any]:
    return list(await follow_store.following_uris(conn, actor_id, offset=offset, limit=limit))


async def _outbox(conn: AsyncConnection, actor_id: int, offset: int, limit: int) -> list[Any]:
    return list(await published.public_activities(conn, actor_id, offset=offset, limit=limit))


async def _members(conn: AsyncConnection, actor_id: int, offset: int, limit: int) -> list[Any]:
    return list(
        await membership_store.active_actor_uris(conn, actor_id, offset=offset, limit=limit)
    )


KINDS: dict[str, tuple[Counter, Pager]] = {
    "followers": (follow_store.count_followers, _followers),
    "following": (follow_store.count_following, _following),
    "outbox": (published.count_public, _outbox),
    "members": (membership_store.count_active, _members),
}


async def _may_see_members(
    node: Node, conn: AsyncConnection, actor: LocalActor, request: Request
) -> bool:
    if await audience.roll_visibility(conn, actor.id) is RollVisibility.PUBLIC:
        return True  # no signature to verify
    return await audience.may_see_roll(conn, actor, await signing_actor(node, request))


def _page_number(request: Request) -> int | str | None:
    """None for the summary, the page number, or an error text."""
    raw = request.query_params.get("page")
    if raw is None:
        return None
    if raw.lower() == "true":  # Mastodon-style `?page=true` means the first page
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        return "page must be a positive integer"
    return int(raw)


async def collection(request: Request) -> Response:
    node = node_of(request)
    username = request.path_params["username"]
    kind = request.url.path.rsplit("/", 1)[1]
    page = _page_number(request)
    if isinstance(page, str):
        return error_response(400, "bad_page", page)
    count, pager = KINDS[kind]
    async with node.engine.connect() as conn:
        actor = await actor_store.get_local_actor(conn, username)
        if actor is None or (kind == "members" and actor.kind not in {"coop", "project"}):
            return error_response(404, "not_found", "no such collection")
        if kind == "members" and not await _may_see_members(node, conn, actor, request):
            return error_response(404, "not_found", "no such collection")
        total = await count(conn, actor.id)
        offset = 0 if page is None else (page - 1) * PAGE_SIZE
        items = [] if page is None else await pager(conn, actor.id, offset, PAGE_SIZE)
    collection_id = f"{node.uris.actor(username)}/{kind}"
    if page is None:
        return activity_response(collection_to_ap(collection_id, total))
    return activity_response(collection_page_to_ap(collection_id, page, items, total))


routes = [
    Route(f"/actors/{{username}}/{kind}", collection, methods=["GET"], name=f"collection_{kind}")
    for kind in KINDS
]
