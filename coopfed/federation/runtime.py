"""Per-process federation state of a node: key cache, fetch rate limits, fetcher, inbox writer.

Built with the `Node` and held by it (`node.federation`), so web handlers and worker jobs of
one process share one key cache. Nothing here holds a connection: each remote fetch
opens a short-lived SafeFetcher, because fetches of unknown keys are rare and an idle pooled
client would outlive the event loop of whoever created it.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric import rsa

from coopfed.activitypub.httpsig import CavageSigner, PublicKeyRecord
from coopfed.activitypub.httpsig.keys import load_private_key_pem
from coopfed.activitypub.safefetch import FetchPolicy, SafeFetcher
from coopfed.settings import Settings
from coopfed.store import actors as actor_store
from coopfed.store.db import sqlite_path
from coopfed.store.inbox_writer import SqliteInboxWriter

if TYPE_CHECKING:  # the Node builds its runtime: a runtime import would be a cycle
    from coopfed.node import Node

KEY_CACHE_SIZE = 10_000
# Unknown-key fetches: a burst of 20, then one every 3 s, per remote host and per client address.
FETCH_BURST = 20.0
KEY_MISS_TTL_SECONDS = 30.0  # short: a key that appears later is found half a minute on
FETCH_REFILL_PER_SECOND = 1 / 3


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        allow_private=frozenset(settings.federation.allow_private_addresses),
        allow_http=settings.federation.allow_http,
        our_origins=frozenset({settings.base_url}),
        user_agent=f"coopfed/0.1 (+{settings.base_url})",
    )


class KeyCache:
    """LRU of parsed public keys by key id (parsing a PEM costs more than verifying)."""

    def __init__(self, size: int = KEY_CACHE_SIZE) -> None:
        self._size = size
        self._records: OrderedDict[str, PublicKeyRecord] = OrderedDict()

    def get(self, key_id: str) -> PublicKeyRecord | None:
        record = self._records.get(key_id)
        if record is not None:
            self._records.move_to_end(key_id)
        return record

    def put(self, record: PublicKeyRecord) -> None:
        self._records[record.key_id] = record
        self._records.move_to_end(record.key_id)
        while len(self._records) > self._size:
            self._records.popitem(last=False)

    def forget(self, key_id: str) -> None:
        self._records.pop(key_id, None)

    def forget_owner(self, owner: str) -> None:
        """Drop every key of one actor (it may list several: publicKey and Multikeys). A scan,
        but only actor Updates and Deletes call it."""
        for key_id in [key for key, record in self._records.items() if record.owner == owner]:
            del self._records[key_id]


@dataclass
class RateLimiter:
    """Token buckets by name ("host:x", "addr:y"); `allow` takes one token from each."""

    burst: float = FETCH_BURST
    per_second: float = FETCH_REFILL_PER_SECOND
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def _level(self, name: str, now: float) -> float:
        tokens, since = self._buckets.get(name, (self.burst, now))
        return min(self.burst, tokens + (now - since) * self.per_second)

    def allow(self, *names: str) -> bool:
        now = self.clock()
        levels = {name: self._level(name, now) for name in names}
        if any(level < 1 for level in levels.values()):
            return False
        for name, level in levels.items():
            self._buckets[name] = (level - 1, now)
        if len(self._buckets) > 100_000:  # forget idle buckets (they would be full anyway)
            self._buckets = {n: v for n, v in self._buckets.items() if v[0] < self.burst - 1}
        return True


@dataclass
class KeyMisses:
    """Key ids that could not be fetched lately (negative cache): asking again within `ttl`
    seconds fails at once, without a fetch and without spending anyone's fetch budget."""

    ttl: float = KEY_MISS_TTL_SECONDS
    clock: Callable[[], float] = time.monotonic
    _until: OrderedDict[str, tuple[float, str]] = field(default_factory=OrderedDict)

    def get(self, key_id: str) -> str | None:
        found = self._until.get(key_id)
        if found is None or found[0] <= self.clock():
            self._until.pop(key_id, None)
            return None
        return found[1]

    def put(self, key_id: str, reason: str) -> None:
        self._until[key_id] = (self.clock() + self.ttl, reason)
        self._until.move_to_end(key_id)
        while len(self._until) > KEY_CACHE_SIZE:
            self._until.popitem(last=False)


FetcherFactory = Callable[[], SafeFetcher]


class FederationRuntime:
    def __init__(self, node: Node, fetcher_factory: FetcherFactory | None = None) -> None:
        self.node = node
        self.keys = KeyCache()
        self.fetch_limits = RateLimiter()
        self.key_misses = KeyMisses()
        # One fetch per unknown key at a time: concurrent requests for it await the same task.
        self.key_fetches: dict[str, asyncio.Task[PublicKeyRecord]] = {}
        self._fetcher_factory = fetcher_factory
        self._signer: CavageSigner | None = None
        self.known_usernames: set[str] = set()  # local actors seen to exist (never deleted)
        self._inbox_writer: SqliteInboxWriter | None = None

    def inbox_writer(self) -> SqliteInboxWriter | None:
        """The group-commit writer on a SQLite file; None on PostgreSQL (a commit per request)."""
        if self._inbox_writer is None:
            path = sqlite_path(self.node.settings.database_url)
            if path is not None:
                self._inbox_writer = SqliteInboxWriter(path)
        return self._inbox_writer

    async def instance_signer(self) -> CavageSigner | None:
        """Signs our GETs as the instance actor (servers in "authorized fetch" mode need it)."""
        if self._signer is None:
            async with self.node.engine.connect() as conn:
                actor = await actor_store.get_actor_of_kind(conn, "instance")
            if actor is None:
                return None
            key = load_private_key_pem(actor.rsa_private_pem)
            assert isinstance(key, rsa.RSAPrivateKey)
            self._signer = CavageSigner(self.node.uris.actor_key(actor.username), key)
        return self._signer

    @asynccontextmanager
    async def fetcher(self) -> AsyncIterator[SafeFetcher]:
        if self._fetcher_factory is not None:
            fetcher = self._fetcher_factory()
        else:
            policy = fetch_policy(self.node.settings)
            fetcher = SafeFetcher(policy, auth=await self.instance_signer())
        async with fetcher:
            yield fetcher
