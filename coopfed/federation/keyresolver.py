"""Keys of remote actors for signature checks: memory, then database, then a safe fetch.

Binding rules (docs/protocol.md "HTTP signatures"): the document at the key id must have exactly
that id (a redirect to another id is refused); the key's owner must be an actor on the key's
origin AND that actor's document must list the key. Keys are `publicKey` entries (PEM) or
FEP-521a `Multikey`s under `assertionMethod` (Ed25519 or RSA), with the same rules: a
Multikey's `controller` plays the owner. Fetches of keys we do not know are rate
limited per remote host and per client address, so random key ids cannot turn the inbox into a
request amplifier. `refresh=True` (after a failed check) bypasses memory and database once.

Our own actors' keys come from our own database, never from a fetch (the fetcher refuses our
origin): a GET signed by this node's instance actor — `coopfed verify` run on the node, reading
a joint proposal this node hosts — is checked like any other.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import unquote

import httpx

from coopfed.activitypub.httpsig import KeyUnavailable, PublicKeyRecord
from coopfed.activitypub.httpsig.keys import load_public_key_pem
from coopfed.activitypub.origin import InvalidURL, origin_of
from coopfed.activitypub.safefetch import FetchError, SafeFetcher
from coopfed.federation.mapping.remote_actors import (
    ActorRefused,
    ap_to_remote_actor,
    find_key,
    is_actor_document,
    parse_public_key,
    term,
    term_str,
)
from coopfed.federation.runtime import FederationRuntime
from coopfed.store import actors as local_store
from coopfed.store import remote_actors as actor_store
from coopfed.store.remote_actors import RemoteActor

log = logging.getLogger(__name__)


def without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def _same_resource(a: str, b: str) -> bool:
    try:
        first, second = httpx.URL(a), httpx.URL(b)
        return origin_of(first) == origin_of(second) and first.raw_path == second.raw_path
    except (httpx.InvalidURL, InvalidURL):
        return False


def _origin(url: str) -> str:
    try:
        return origin_of(url)
    except InvalidURL:
        raise KeyUnavailable(f"not an http(s) URL: {url[:200]!r}") from None


class NodeKeyResolver:
    """A `KeyResolver` for one request (or one worker item): `client` names who is asking."""

    def __init__(self, runtime: FederationRuntime, client: str = "") -> None:
        self._runtime = runtime
        self._client = client

    async def resolve(self, key_id: str, *, refresh: bool) -> PublicKeyRecord:
        username = self._local_username(key_id)
        if username is not None:
            return await self._local(key_id, username)
        if not refresh:
            cached = self._runtime.keys.get(key_id)
            if cached is not None:
                return cached
            stored = await self._from_store(key_id)
            if stored is not None:
                return stored
        return await self._fetch_once(key_id)

    def _local_username(self, key_id: str) -> str | None:
        """The username of one of our actors whose main key `key_id` names, if it is one."""
        prefix = f"{self._runtime.node.uris.actor('')}"
        if not key_id.startswith(prefix) or not key_id.endswith("#main-key"):
            return None
        username = unquote(key_id[len(prefix) : -len("#main-key")])
        if not username or "/" in username or "#" in username:
            return None
        return username if self._runtime.node.uris.actor_key(username) == key_id else None

    async def _local(self, key_id: str, username: str) -> PublicKeyRecord:
        async with self._runtime.node.engine.connect() as conn:
            actor = await local_store.get_local_actor(conn, username)
        if actor is None:
            # The reason code of a refused fetch of our origin: our keys are never fetched.
            raise KeyUnavailable(f"own_origin: no local actor {username[:100]!r}")
        uri = self._runtime.node.uris.actor(username)
        return PublicKeyRecord(key_id, uri, load_public_key_pem(actor.rsa_public_pem))

    async def _fetch_once(self, key_id: str) -> PublicKeyRecord:
        """Fetch an unknown key: a recent miss fails at once, a fetch under way is shared, and
        only a fetch actually sent spends the asker's budget.

        The budget is per (asking address, key host) and per asking address, never per host
        alone: one sender's made-up key ids must not lock every other sender out of that host's
        new users (issue 13, hole 5).
        """
        runtime = self._runtime
        missed = runtime.key_misses.get(key_id)
        if missed is not None:
            raise KeyUnavailable(missed)
        running = runtime.key_fetches.get(key_id)
        if running is None:
            host = _origin(key_id)
            if not runtime.fetch_limits.allow(
                f"addr:{self._client} host:{host}", f"addr:{self._client}"
            ):
                raise KeyUnavailable("rate_limited: too many key fetches, try later")
            running = asyncio.create_task(self._fetch_remembering_misses(key_id))
            runtime.key_fetches[key_id] = running
            running.add_done_callback(lambda _: runtime.key_fetches.pop(key_id, None))
        # shield: a caller that goes away (client hung up) does not cancel the others' fetch.
        return await asyncio.shield(running)

    async def _fetch_remembering_misses(self, key_id: str) -> PublicKeyRecord:
        try:
            return await self._fetch(key_id)
        except KeyUnavailable as exc:
            self._runtime.key_misses.put(key_id, str(exc))
            raise

    async def _from_store(self, key_id: str) -> PublicKeyRecord | None:
        async with self._runtime.node.engine.connect() as conn:
            found = await actor_store.get_key(conn, key_id)
        if found is None or found[0].deleted_at is not None:
            return None
        actor, pem = found
        record = PublicKeyRecord(key_id, actor.uri, load_public_key_pem(pem))
        self._runtime.keys.put(record)
        return record

    async def _fetch(self, key_id: str) -> PublicKeyRecord:
        url = without_fragment(key_id)
        try:
            async with self._runtime.fetcher() as fetcher:
                document = await _fetch_exact(fetcher, url)
                if not is_actor_document(document):
                    document = await _owner_document(fetcher, document, key_id)
        except FetchError as exc:
            raise KeyUnavailable(f"fetch_failed: {exc}") from None
        actor = _bound_actor(document, key_id)
        async with self._runtime.node.engine.begin() as conn:
            await actor_store.upsert(conn, actor, now=self._runtime.node.now())
        key = find_key(document, key_id)
        assert key is not None  # checked by _bound_actor
        record = PublicKeyRecord(key_id, actor.uri, parse_public_key(key))
        self._runtime.keys.put(record)
        return record


async def _fetch_exact(fetcher: SafeFetcher, url: str) -> dict[str, Any]:
    """The document at `url`, which must carry that very id (even after redirects)."""
    document = await fetcher.fetch_object(url)
    document_id = term(document, "id")
    if not isinstance(document_id, str) or not _same_resource(document_id, url):
        raise KeyUnavailable(f"id_mismatch: {url[:200]} serves {str(document_id)[:200]}")
    return document


async def _owner_document(
    fetcher: SafeFetcher, key_document: dict[str, Any], key_id: str
) -> dict[str, Any]:
    """A key served as its own document (`{id, owner, publicKeyPem}`, or a Multikey
    `{id, controller, publicKeyMultibase}`): fetch its owner."""
    key = _scalar_entry(term(key_document, "publicKey")) or key_document
    owner = term_str(key, "owner") or term_str(key, "controller")
    if not isinstance(owner, str):
        raise KeyUnavailable("key document names no owner")
    if _origin(owner) != _origin(key_id):
        raise KeyUnavailable("key owner is on another origin")
    return await _fetch_exact(fetcher, owner)


def _scalar_entry(value: Any) -> dict[str, Any] | None:
    """The one publicKey entry of a key document, compact or expanded (a one-element list)."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value if isinstance(value, dict) else None


def _bound_actor(document: dict[str, Any], key_id: str) -> RemoteActor:
    try:
        actor = ap_to_remote_actor(document)
    except ActorRefused as exc:
        raise KeyUnavailable(f"actor_refused: {exc}") from None
    key = find_key(document, key_id)
    if key is None:
        raise KeyUnavailable(f"actor {actor.uri[:200]} does not list key {key_id[:200]}")
    if key.owner != actor.uri or _origin(key_id) != _origin(actor.uri):
        raise KeyUnavailable(f"key {key_id[:200]} is not owned by {actor.uri[:200]}")
    try:
        parse_public_key(key)
    except ActorRefused as exc:
        raise KeyUnavailable(str(exc)) from None
    return actor
