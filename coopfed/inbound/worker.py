"""Worker job: process committed inbox items (dispatch by activity and object type).

Each item is leased, then handled in a transaction together with marking it done, so a crash
mid-way rolls everything back and the item is leased again once its lease expires. Consecutive
items share that transaction (a group, committed within GROUP_SECONDS) and their done marks are
one statement: still each item's effects and its done mark commit together, and the queue costs
a few driver round trips per group, not four per item. A handler that raises sends its group
back to one transaction per item, so it is retried alone with growing delays and quarantined
after MAX_ATTEMPTS, error kept; the rest of the queue keeps flowing.

Every mark is conditional on the lease the worker took (`InboxItem.lease_until`): if it expired
and another worker leased the item again, the mark does not count and the transaction, the
item's effects with it, is rolled back; the batch ends there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed import metrics
from coopfed.inbound.context import BatchMemo, Outcome
from coopfed.inbound.dispatch import dispatch
from coopfed.node import Node
from coopfed.store import inbox as inbox_store
from coopfed.store.inbox import Finished, InboxItem

log = logging.getLogger(__name__)

# Each round also polls nine other queues; per leased item that cost 25% of the worker's CPU
# with batches of 50 (worker alone: 0.81-0.92 -> 0.61-0.62 ms per item with 200).
BATCH = 200
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=10)
# How long a group of items may run in one transaction: once a handler has written, SQLite's
# write lock is held until the group commits, and the inbox's own commits (the 202s) wait.
GROUP_SECONDS = 0.02


class LeaseLost(Exception):
    """Another worker leased these items after this worker's lease expired."""


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """10 s, 40 s, 160 s, 640 s after attempts 1-4; None (quarantine) from MAX_ATTEMPTS on."""
    if attempts >= MAX_ATTEMPTS:
        return None
    factor: int = 4 ** max(attempts - 1, 0)
    return now + FIRST_RETRY * factor


def _counted(node: Node, item: InboxItem, outcome: Outcome) -> None:
    metrics.INBOX_PROCESSED.labels(outcome.state).inc()
    metrics.INBOX_LAG.observe(max((node.now() - item.received_at).total_seconds(), 0.0))


async def _mark_done(conn: AsyncConnection, handled: Sequence[tuple[InboxItem, Outcome]]) -> None:
    marks = [Finished(item.id, outcome.state, outcome.note) for item, outcome in handled]
    if not await inbox_store.finish(conn, marks, lease_until=handled[0][0].lease_until):
        raise LeaseLost  # rolls back the transaction: these items' effects do not count


async def _process(node: Node, conn: AsyncConnection, item: InboxItem, memo: BatchMemo) -> None:
    """One item in its own transaction; a handler's exception is recorded as its failure."""
    try:
        async with conn.begin():
            outcome = await dispatch(node, conn, item, memo)
            await _mark_done(conn, [(item, outcome)])
        _counted(node, item, outcome)
    except LeaseLost:
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        when = retry_at(item.attempts, node.now())
        log.warning("inbox item %s (%s) failed: %s", item.id, item.activity_id, error)
        async with conn.begin():
            await inbox_store.fail(
                conn, item.id, error=error, retry_at=when, lease_until=item.lease_until
            )
        metrics.INBOX_PROCESSED.labels("failed").inc()


async def _process_group(
    node: Node, conn: AsyncConnection, items: Sequence[InboxItem], memo: BatchMemo, until: datetime
) -> int:
    """Handle items from the start of `items` in one transaction; how many were handled.

    Stops before an item once GROUP_SECONDS have gone or the clock reaches `until`. When a
    handler (or the marks) raise, the group is rolled back and its items are handled again one
    transaction each, so the failing one fails alone.
    """
    handled: list[tuple[InboxItem, Outcome]] = []
    started = time.monotonic()
    try:
        async with conn.begin():
            for item in items:
                if handled and (time.monotonic() - started >= GROUP_SECONDS or node.now() >= until):
                    break
                handled.append((item, await dispatch(node, conn, item, memo)))
                # Handlers that need no database never yield: let the web's requests in.
                await asyncio.sleep(0)
            await _mark_done(conn, handled)
    except LeaseLost:
        raise
    except Exception:
        alone = items[: len(handled) + 1]
        for number, item in enumerate(alone):
            if number and node.now() >= until:
                return number
            await _process(node, conn, item, memo)
        return len(alone)
    for item, outcome in handled:
        _counted(node, item, outcome)
    return len(handled)


async def process_inbox_batch(node: Node) -> int:
    """Lease up to BATCH items and process them in order; 0 when none was due.

    Items still waiting when half the lease has gone (slow peers to fetch from) are handed
    back unprocessed, so no item is processed after its lease could have passed to another
    worker; they count as handled, so the next round comes at once.
    """
    lease = timedelta(seconds=node.settings.worker.inbox_lease_seconds)
    # One connection for the batch: checking a connection out and back in per transaction
    # cost a round trip to the driver's thread (the reset rollback).
    async with node.inbox_engine().connect() as conn:
        leased_at = node.now()
        async with conn.begin():
            items = await inbox_store.lease_due(conn, now=leased_at, limit=BATCH, lease=lease)
        memo = BatchMemo()
        half_lease = leased_at + lease / 2
        done = 0
        try:
            while done < len(items):
                if node.now() >= half_lease:
                    rest = [left.id for left in items[done:]]
                    async with conn.begin():
                        await inbox_store.release(conn, rest, lease_until=items[0].lease_until)
                    break
                done += await _process_group(node, conn, items[done:], memo, half_lease)
        except LeaseLost:
            log.warning(
                "inbox worker: lease lost (another worker has the items); %d of %d left",
                len(items) - done,
                len(items),
            )
    return len(items)
