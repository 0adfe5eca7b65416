"""Worker job: deliver queued outbox rows, signed, with retries and per-host limits.

One run (`deliver_batch`) keeps a pipeline full for up to `RUN_SECONDS`: a feeder leases due
rows, and `delivery_concurrency` slot tasks send them (one HTTP client per host), at most
`per_host_concurrency` at once to any host. All database work happens in the feeder, one short
transaction at a time (the outcomes so far and the next lease share one commit), so SQLite keeps
one writer and PostgreSQL one connection per worker.

Rows to one inbox form a chain sent in id order; when one fails and will be retried, the rest
of its chain waits (the lease query keeps them back too), so a peer that answers 500 for a while
receives everything in order once it recovers. Hosts whose circuit is open are not tried (their
rows are put back until it closes); rows to an unavailable host are parked until it is heard
from again (see backoff.py for the policy and its numbers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed import metrics
from coopfed.activitypub import backoff
from coopfed.activitypub.backoff import HostHealth, RetryPolicy
from coopfed.activitypub.httpsig import CavageSigner
from coopfed.federation.delivery_http import (
    TOTAL_TIMEOUT,
    DeliveryClients,
    HostClient,
    PostResult,
    post_activity,
    rsa_signer,
)
from coopfed.node import Node
from coopfed.store import deliveries as store
from coopfed.store.deliveries import LeasedDelivery, OutboxActivity, Outcomes

log = logging.getLogger(__name__)

RUN_SECONDS = 10.0  # then the worker's other jobs get their turn
FLUSH_SECONDS = 0.2  # outcomes wait at most this long (or until the next lease) to be written


def policy_from(node: Node) -> RetryPolicy:
    return RetryPolicy(time_scale=node.settings.worker.retry_time_scale)


async def deliver_batch(node: Node) -> int:
    """Send what is due (for up to RUN_SECONDS); returns how many rows were handled."""
    async with DeliveryClients(node.settings) as clients:
        return await DeliveryRun(node, clients).run()


@dataclass(frozen=True)
class _Writes:
    """What one feeder transaction writes besides leasing."""

    outcomes: Outcomes
    dirty_hosts: list[HostHealth]
    recovered_hosts: list[str]


@dataclass(slots=True)
class _Chain:
    """Leased rows to one inbox, oldest first."""

    inbox: str
    host: str
    send_by: datetime  # start no POST later: it must end (and be written) within the lease
    rows: deque[LeasedDelivery] = field(default_factory=deque)


class HostScheduler:
    """Hands chains to slots, idle hosts first (then oldest first), never more than `per_host`
    per host at once."""

    def __init__(self, per_host: int) -> None:
        self.per_host = per_host
        self._queues: dict[str, deque[_Chain]] = {}
        self._active: dict[str, int] = {}
        self._cond = asyncio.Condition()
        self._closed = False
        self.queued_rows = 0
        self.running = 0

    @property
    def idle(self) -> bool:
        return not self._queues and self.running == 0

    async def put(self, chains: list[_Chain]) -> None:
        async with self._cond:
            for chain in chains:
                self._queues.setdefault(chain.host, deque()).append(chain)
                self.queued_rows += len(chain.rows)
            self._cond.notify(len(chains))

    async def next(self) -> _Chain | None:
        async with self._cond:
            while True:
                chain = self._pick()
                if chain is not None:
                    return chain
                if self._closed and not self._queues:
                    return None
                await self._cond.wait()

    def _pick(self) -> _Chain | None:
        # A host nobody is sending to first: spreading slots over hosts keeps about one
        # connection per host busy instead of opening `per_host` to each in turn (the fan-out
        # bench opened 8x the connections, each a connect and a pool to scan).
        chosen = next((h for h in self._queues if h not in self._active), None)
        if chosen is None:
            chosen = next((h for h in self._queues if self._active[h] < self.per_host), None)
        if chosen is None:
            return None
        queue = self._queues[chosen]
        chain = queue.popleft()
        if not queue:
            del self._queues[chosen]
        self._active[chosen] = self._active.get(chosen, 0) + 1
        self.queued_rows -= len(chain.rows)
        self.running += 1
        return chain

    async def finished(self, chain: _Chain) -> None:
        async with self._cond:
            self._active[chain.host] -= 1
            if not self._active[chain.host]:
                del self._active[chain.host]
            self.running -= 1
            self._cond.notify(1)

    async def close(self) -> None:
        async with self._cond:
            self._closed = True
            self._cond.notify_all()


class DeliveryRun:
    """One bounded run of the delivery pipeline; see the module docstring."""

    def __init__(
        self,
        node: Node,
        clients: DeliveryClients,
        *,
        run_seconds: float = RUN_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        self.node = node
        self.clients = clients
        self.policy = policy_from(node)
        self.run_seconds = run_seconds
        self.rng = rng or random.Random()
        worker = node.settings.worker
        self.slots = worker.delivery_concurrency
        # Lease in batches big enough that a feeder transaction (an fsync on SQLite, tens of
        # ms on a busy machine) hides behind the rows still queued, and lease again while a
        # whole batch is still queued: at slots*4 the queue ran dry during every slow cycle
        # (fan-out bench: cycles of 80-350 ms at ~1,000 rows/s, slots waiting on an empty
        # queue for 2-4 % of the run, p99 gap between two POSTs of a slot 20-80 ms).
        # (Rows wait in the local queue at most until `_Chain.send_by`, so a big batch behind
        # a slow host cannot outlive its lease.)
        self.lease_batch = self.slots * 8
        self.low_water = self.slots * 8
        self.lease_for = timedelta(seconds=worker.delivery_lease_seconds)
        # A POST may take TOTAL_TIMEOUT, and its outcome is written a flush later.
        margin = min(TOTAL_TIMEOUT + 5.0, worker.delivery_lease_seconds / 2)
        self.lease_margin = timedelta(seconds=margin)
        self.scheduler = HostScheduler(worker.per_host_concurrency)
        self.activities: dict[int, OutboxActivity] = {}
        self.signers: dict[int, CavageSigner | None] = {}  # None: unusable key
        self.hosts: dict[str, HostHealth] = {}
        self.dirty_hosts: set[str] = set()
        self.recovered_hosts: set[str] = set()
        self.outcomes = Outcomes()
        self.progress = asyncio.Event()
        self.handled = 0
        # The labelled counters, looked up once per run rather than once per POST.
        self.counted = {o: metrics.DELIVERIES.labels(o) for o in ("done", "retry", "parked")}

    async def run(self) -> int:
        tasks = [asyncio.create_task(self._slot()) for _ in range(self.slots)]
        try:
            await self._feed()
        finally:
            await self.scheduler.close()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._flush()
        return self.handled

    # --- feeder: every database statement of the run happens here ------------------------------

    async def _feed(self) -> None:
        deadline = time.monotonic() + self.run_seconds
        last_write = time.monotonic()
        next_lease = 0.0  # after a short lease (the queue ran dry), wait before asking again
        while True:
            want = 0
            clock = time.monotonic()
            ready = clock >= next_lease or self.scheduler.idle  # idle: the run ends unless found
            if clock < deadline and ready and self.scheduler.queued_rows < self.low_water:
                want = self.lease_batch
            flush_due = self._has_writes() and (
                want > 0 or self.scheduler.idle or time.monotonic() - last_write >= FLUSH_SECONDS
            )
            leased = 0
            if want or flush_due:
                leased = await self._cycle(want)
                last_write = time.monotonic()
                if want and leased < want:
                    next_lease = last_write + FLUSH_SECONDS
            if leased == 0 and self.scheduler.idle and not self._has_writes():
                return
            if leased == 0 or self.scheduler.queued_rows >= self.low_water:
                self.progress.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.progress.wait(), FLUSH_SECONDS)

    async def _cycle(self, limit: int) -> int:
        """One transaction: write the outcomes so far, then lease up to `limit` due rows.

        One commit per cycle, not one per flush plus one per lease: on SQLite every commit is
        an fsync, and the fan-out bench spent most of its feeder time waiting on them.
        """
        writes = self._take_writes()
        now = self.node.now()
        rows: list[LeasedDelivery] = []
        async with self.node.engine.begin() as conn:
            await self._write(conn, writes, now)
            if limit:
                rows = await store.lease_due(
                    conn, now=now, lease_until=now + self.lease_for, limit=limit
                )
            if rows:
                await self._load_context(conn, rows)
        self.handled += len(writes.outcomes) - len(writes.outcomes.release)
        if rows:
            await self.scheduler.put(self._chains(rows, now))
        return len(rows)

    async def _load_context(self, conn: AsyncConnection, rows: list[LeasedDelivery]) -> None:
        missing = {row.activity_row_id for row in rows} - self.activities.keys()
        self.activities.update(await store.load_activities(conn, missing))
        senders = {a.sender_id for a in self.activities.values()} - self.signers.keys()
        for actor_id, key in (await store.load_sender_keys(conn, senders)).items():
            self.signers[actor_id] = self._signer(key)
        new_hosts = {row.host for row in rows} - self.hosts.keys()
        self.hosts.update(await store.load_hosts(conn, new_hosts))

    def _signer(self, key: store.SenderKey) -> CavageSigner | None:
        key_id = self.node.uris.actor_key(key.username)
        try:
            return rsa_signer(key_id, key.rsa_private_pem, self.node.clock)
        except ValueError:
            log.exception("cannot sign as %s", key_id)
            return None

    def _chains(self, rows: list[LeasedDelivery], now: datetime) -> list[_Chain]:
        chains: dict[str, _Chain] = {}
        for row in rows:
            health = self.hosts[row.host]
            if health.unavailable:
                self._park(row, None, f"{store.UNAVAILABLE_PREFIX} failures on distinct days")
            elif health.circuit_open(now):
                assert health.circuit_open_until is not None
                self.outcomes.release.append((row.id, health.circuit_open_until))
            else:
                send_by = now + self.lease_for - self.lease_margin
                chain = chains.setdefault(row.inbox, _Chain(row.inbox, row.host, send_by))
                chain.rows.append(row)
        return list(chains.values())

    def _has_writes(self) -> bool:
        return bool(self.outcomes or self.dirty_hosts or self.recovered_hosts)

    def _take_writes(self) -> _Writes:
        writes = _Writes(
            self.outcomes,
            [self.hosts[name] for name in self.dirty_hosts],
            sorted(self.recovered_hosts),
        )
        self.outcomes, self.dirty_hosts, self.recovered_hosts = Outcomes(), set(), set()
        return writes

    async def _write(self, conn: AsyncConnection, writes: _Writes, now: datetime) -> None:
        await store.record_outcomes(conn, writes.outcomes, now)
        await store.save_hosts(conn, writes.dirty_hosts)
        for host in writes.recovered_hosts:
            await store.host_contact(conn, host, now)

    async def _flush(self) -> None:
        if not self._has_writes():
            return
        writes = self._take_writes()
        now = self.node.now()
        async with self.node.engine.begin() as conn:
            await self._write(conn, writes, now)
        self.handled += len(writes.outcomes) - len(writes.outcomes.release)

    # --- slots: HTTP only, results go to self.outcomes ------------------------------------------

    async def _slot(self) -> None:
        while (chain := await self.scheduler.next()) is not None:
            try:
                await self._send_chain(self.clients.for_host(chain.host), chain)
            except Exception:  # never lose the slot; the rows' leases expire and they are retried
                log.exception("delivery to %s failed unexpectedly", chain.inbox)
            finally:
                await self.scheduler.finished(chain)
                if self.scheduler.queued_rows < self.low_water or self.scheduler.idle:
                    self.progress.set()  # the feeder has work: lease more or end the run

    async def _send_chain(self, client: HostClient, chain: _Chain) -> None:
        while chain.rows:
            row = chain.rows.popleft()
            health = self.hosts[chain.host]
            now = self.node.now()
            if health.unavailable or health.circuit_open(now):
                self._hold_back([row, *chain.rows], health)
                return
            if now > chain.send_by:
                # Queued behind slow hosts for most of the lease: leave the rest leased; once
                # the lease expires they are due again, and no other worker can be sending
                # them meanwhile (which an expired lease would allow).
                return
            retry_at = await self._deliver(client, row)
            if retry_at is not None:
                # Keep the order: later rows to this inbox wait for this one.
                self.outcomes.release.extend((later.id, retry_at) for later in chain.rows)
                return

    def _hold_back(self, rows: list[LeasedDelivery], health: HostHealth) -> None:
        for row in rows:
            if health.unavailable:
                self._park(row, None, f"{store.UNAVAILABLE_PREFIX} failures on distinct days")
            else:
                assert health.circuit_open_until is not None
                self.outcomes.release.append((row.id, health.circuit_open_until))

    async def _deliver(self, client: HostClient, row: LeasedDelivery) -> datetime | None:
        """Send one row and record its outcome; returns when it will be retried, if it will."""
        activity = self.activities[row.activity_row_id]
        signer = self.signers.get(activity.sender_id)
        if signer is None:
            self._park(row, None, "no usable signing key for the sender", attempt=True)
            return None
        result = await post_activity(
            client, row.inbox, activity.body, signer, allow_http=self.clients.allow_http
        )
        now = self.node.now()
        self._note_host(row.host, result, now)
        return self._record(row, activity, result, now)

    def _record(
        self, row: LeasedDelivery, activity: OutboxActivity, result: PostResult, now: datetime
    ) -> datetime | None:
        attempts = row.attempts + 1
        if result.ok:
            assert result.status is not None
            self.outcomes.done.append((row.id, result.status))
            self.counted["done"].inc()
            return None
        if result.refused or not backoff.should_retry(result.status):
            self._park(row, result.status, result.error, attempt=True)
            return None
        if backoff.should_park(self.policy, attempts, row.created_at, now, activity.governance):
            error = f"gave up after {attempts} attempts: {result.error}"
            self._park(row, result.status, error, attempt=True)
            return None
        retry_after = backoff.parse_retry_after(result.retry_after, now)
        retry_at = now + backoff.next_delay(self.policy, attempts, retry_after, self.rng)
        self.outcomes.retry.append((row.id, attempts, retry_at, result.status, result.error))
        self.counted["retry"].inc()
        return retry_at

    def _park(
        self, row: LeasedDelivery, status: int | None, error: str, *, attempt: bool = False
    ) -> None:
        attempts = row.attempts + 1 if attempt else row.attempts
        self.outcomes.park.append((row.id, attempts, status, error))
        self.counted["parked"].inc()

    def _note_host(self, host: str, result: PostResult, now: datetime) -> None:
        if result.refused:
            return  # our own policy, says nothing about the host
        health = self.hosts[host]
        alive = result.status is not None and not backoff.should_retry(result.status)
        if alive:
            if health.consecutive_failures or health.unavailable or health.circuit_open_until:
                self.hosts[host] = backoff.after_success(health, now)
                self.dirty_hosts.add(host)
                if health.unavailable:
                    self.recovered_hosts.add(host)
            return
        self.hosts[host] = backoff.after_failure(self.policy, health, now)
        self.dirty_hosts.add(host)
        metrics.DELIVERY_HOST_FAILURES.labels(host).inc()
