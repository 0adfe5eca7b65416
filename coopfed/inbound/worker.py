"""Worker job: process committed inbox items (dispatch by activity and object type).

Each item is leased, then handled in one transaction together with marking it done, so a crash
mid-way rolls everything back and the item is leased again once its lease expires. A handler
that raises is retried with growing delays and quarantined after MAX_ATTEMPTS, error kept; the
rest of the queue keeps flowing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed import metrics
from coopfed.inbound.context import BatchMemo
from coopfed.inbound.dispatch import dispatch
from coopfed.node import Node
from coopfed.store import inbox as inbox_store
from coopfed.store.inbox import InboxItem

log = logging.getLogger(__name__)

BATCH = 50
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=10)


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """10 s, 40 s, 160 s, 640 s after attempts 1-4; None (quarantine) from MAX_ATTEMPTS on."""
    if attempts >= MAX_ATTEMPTS:
        return None
    factor: int = 4 ** max(attempts - 1, 0)
    return now + FIRST_RETRY * factor


async def _process(node: Node, conn: AsyncConnection, item: InboxItem, memo: BatchMemo) -> None:
    try:
        async with conn.begin():
            outcome = await dispatch(node, conn, item, memo)
            await inbox_store.finish(conn, item.id, state=outcome.state, outcome=outcome.note)
        metrics.INBOX_PROCESSED.labels(outcome.state).inc()
        metrics.INBOX_LAG.observe(max((node.now() - item.received_at).total_seconds(), 0.0))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        when = retry_at(item.attempts, node.now())
        log.warning("inbox item %s (%s) failed: %s", item.id, item.activity_id, error)
        async with conn.begin():
            await inbox_store.fail(conn, item.id, error=error, retry_at=when)
        metrics.INBOX_PROCESSED.labels("failed").inc()


async def process_inbox_batch(node: Node) -> int:
    lease = timedelta(seconds=node.settings.worker.inbox_lease_seconds)
    # One connection for the batch, one transaction (commit) per item: checking a connection
    # out and back in per item cost a round trip to the driver's thread (the reset rollback).
    async with node.inbox_engine().connect() as conn:
        async with conn.begin():
            items = await inbox_store.lease_due(conn, now=node.now(), limit=BATCH, lease=lease)
        memo = BatchMemo()
        for item in items:
            await _process(node, conn, item, memo)
    return len(items)
