"""Finding another co-op (or project) actor by handle or URL, and keeping its document.

Used by alliances and shared projects: the actor is resolved through WebFinger or fetched by
URL with the node's safe fetcher, then stored (inbox, keys, `assertionMethod` for proofs).
`verify_proof_by` checks an object proof against the stored document and, when that fails,
fetches the actor once more (it may have rotated its key), as HTTP signatures do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.activitypub.origin import InvalidURL, origin_of
from coopfed.activitypub.proofs import ProofError, verify_by_actor
from coopfed.activitypub.safefetch import FetchError
from coopfed.federation.keyresolver import without_fragment
from coopfed.federation.mapping.actors import local_actor_to_ap
from coopfed.federation.mapping.remote_actors import ActorRefused, ap_to_remote_actor
from coopfed.node import Node
from coopfed.services.actor_lookup import resolve_actor, resolve_actor_document
from coopfed.services.errors import ServiceError
from coopfed.services.members import ActorResolver
from coopfed.store import actors as local_store
from coopfed.store import remote_actors as remote_store
from coopfed.store.remote_actors import RemoteActor


def local_username(node: Node, uri: str) -> str | None:
    """The username when `uri` is one of our actors' IRIs."""
    prefix = node.uris.actor("")
    if not uri.startswith(prefix):
        return None
    username = uri[len(prefix) :]
    return username if node.uris.actor(username) == uri else None


def _own_actor(node: Node, ref: str) -> str | None:
    """The IRI when `ref` names one of our own actors (by handle or IRI)."""
    own_host = node.uris.base.split("://", 1)[1]
    name, _, host = ref.removeprefix("acct:").lstrip("@").partition("@")
    if host.lower() == own_host.lower():
        return node.uris.actor(name)
    return ref if local_username(node, ref) is not None else None


async def resolve_uri(node: Node, reference: str) -> str:
    """The actor IRI of a handle (acct:name@host) or URL; our own actors without a request."""
    ref = reference.strip()
    own = _own_actor(node, ref)
    if own is not None:
        return own
    if ref.startswith(("https://", "http://")) and await _stored(node, ref):
        return ref  # an actor IRI we already hold (an ally, a project): no request needed
    scheme = "http" if node.settings.federation.allow_http else "https"
    async with node.federation.fetcher() as fetcher:
        return await resolve_actor(fetcher, ref, scheme=scheme)


async def resolve_and_store(node: Node, reference: str) -> str:
    """The actor IRI of a handle or URL, with a remote actor's document stored (inbox, keys).

    Members are bound this way: a member who never followed, joined or voted is otherwise
    unknown to `remote_actors`, and deliveries addressed to them would find no inbox.
    """
    ref = reference.strip()
    own = _own_actor(node, ref)
    if own is not None:
        return await _own_person(node, ref, own)
    scheme = "http" if node.settings.federation.allow_http else "https"
    async with node.federation.fetcher() as fetcher:
        document = await resolve_actor_document(fetcher, ref, scheme=scheme)
    try:
        actor = ap_to_remote_actor(document)
    except ActorRefused as error:
        raise ServiceError(f"cannot use {reference} as a member: {error}") from None
    async with node.engine.begin() as conn:
        await remote_store.upsert(conn, actor, now=node.now())
    return actor.uri


async def _own_person(node: Node, reference: str, uri: str) -> str:
    """A member bound to one of our IRIs must be a person actor that exists: the co-op's own
    Group, or a name nobody holds, made a member nobody could ever sign in as (trial:
    `member add acct:zed@our.host` added a member whose actor answered 404)."""
    username = local_username(node, uri) or ""
    async with node.engine.connect() as conn:
        actor = await local_store.get_local_actor(conn, username)
    if actor is None:
        raise ServiceError(
            f"{reference} is no account on this node: add a local member with --local {username}"
        )
    if actor.kind != "person":
        raise ServiceError(f"{reference} is the {actor.kind} actor, not a person")
    return uri


def storing_resolver(node: Node) -> ActorResolver:
    """An `ActorResolver` for admitting members: `resolve_and_store` on this node."""

    async def resolve(reference: str) -> str:
        return await resolve_and_store(node, reference)

    return resolve


async def _stored(node: Node, uri: str) -> bool:
    async with node.engine.connect() as conn:
        found = await remote_store.get_by_uri(conn, uri)
    return found is not None and found.deleted_at is None


async def fetch_and_store(node: Node, uri: str) -> RemoteActor:
    """Fetch a remote actor document and store it (refreshing what we had)."""
    try:
        async with node.federation.fetcher() as fetcher:
            document = await fetcher.fetch_object(without_fragment(uri))
        actor = ap_to_remote_actor(document)
    except (FetchError, ActorRefused) as error:
        raise ServiceError(f"cannot fetch {uri}: {error}") from None
    if actor.uri != uri:
        raise ServiceError(f"{uri} serves the actor {actor.uri}")
    async with node.engine.begin() as conn:
        return await remote_store.upsert(conn, actor, now=node.now())


async def actor_document(conn: AsyncConnection, node: Node, uri: str) -> dict[str, Any] | None:
    """The actor document of a local or stored remote actor (for proof keys)."""
    username = local_username(node, uri)
    if username is not None:
        local = await local_store.get_local_actor(conn, username)
        return None if local is None else local_actor_to_ap(local, node.uris)
    remote = await remote_store.get_by_uri(conn, uri)
    if remote is None or remote.deleted_at is not None:
        return None
    document = json.loads(remote.document)
    return document if isinstance(document, dict) else None


async def _fresh_document(node: Node, uri: str) -> dict[str, Any] | None:
    """The actor's document fetched again, or None (rate limited, unreachable, refused)."""
    try:
        if not node.federation.fetch_limits.allow(f"host:{origin_of(uri)}"):
            return None
        async with node.federation.fetcher() as fetcher:
            document = await fetcher.fetch_object(without_fragment(uri))
        if ap_to_remote_actor(document).uri != uri:
            return None
    except (FetchError, ActorRefused, InvalidURL):
        return None
    return document


async def verify_proof_by(
    conn: AsyncConnection, node: Node, uri: str, obj: Mapping[str, Any]
) -> None:
    """Verify `obj`'s FEP-8b32 proof by actor `uri`'s own key; raise `ProofError` if it fails.

    A failure with the stored document refetches the actor once (a rotated key) and stores
    the fresh document before the one retry; our own actors are never refetched.
    """
    try:
        verify_by_actor(obj, await actor_document(conn, node, uri) or {})
        return
    except ProofError:
        if local_username(node, uri) is not None:
            raise
        document = await _fresh_document(node, uri)
        if document is None:
            raise
    await remote_store.upsert(conn, ap_to_remote_actor(document), now=node.now())
    verify_by_actor(obj, document)
