"""Worker job `recipients`: deliveries to actors whose inbox was unknown when we published.

`publish` records such a recipient (activity + actor IRI) instead of dropping it. This job
fetches the actor through the node's safe fetcher (with the per-host fetch budget), stores the
document and queues the ordinary delivery rows for every activity waiting for that actor. A
fetch that fails is retried on the delivery schedule (`federation.backoff`), per actor: all
its waiting rows move to the same next attempt, so one fetch serves them all; past the same
horizon an ordinary recipient is parked (logged, listed by `list_waiting`), a governance one
keeps being retried every 12 h, as governance deliveries are.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from coopfed.activitypub import backoff
from coopfed.activitypub.origin import InvalidURL, origin_of
from coopfed.node import Node
from coopfed.services.errors import ServiceError
from coopfed.services.remote_coops import fetch_and_store
from coopfed.store import outbox as outbox_store
from coopfed.store import pending_recipients as store
from coopfed.store import remote_actors as remote_store
from coopfed.store.deliveries import DeliveryState
from coopfed.store.pending_recipients import PendingRecipient

log = logging.getLogger(__name__)

BATCH = 32  # actors leased per round (with all their waiting rows): at most 32 fetches
LEASE = timedelta(minutes=5)  # longer than a batch of fetches with the fetcher's time limits
BUDGET_WAIT = timedelta(seconds=30)  # the host's fetch budget is spent: try again later


def policy_from(node: Node) -> backoff.RetryPolicy:
    return backoff.RetryPolicy(time_scale=node.settings.worker.retry_time_scale)


async def resolve_pending_recipients(node: Node) -> int:
    """One bounded batch: returns how many recipients were resolved or failed."""
    now = node.now()
    async with node.engine.begin() as conn:
        leased = await store.lease_due(conn, now=now, lease_until=now + LEASE, limit=BATCH)
    by_actor: dict[str, list[PendingRecipient]] = {}
    for row in leased:
        by_actor.setdefault(row.actor_uri, []).append(row)
    handled = 0
    for uri, rows in by_actor.items():
        handled += await _resolve_actor(node, uri, rows)
    return handled


async def _resolve_actor(node: Node, uri: str, rows: Sequence[PendingRecipient]) -> int:
    async with node.engine.connect() as conn:
        stored = await remote_store.get_by_uri(conn, uri)
    if stored is None:
        try:
            if not node.federation.fetch_limits.allow(f"host:{origin_of(uri)}"):
                async with node.engine.begin() as conn:
                    await store.release(conn, [r.id for r in rows], node.now() + BUDGET_WAIT)
                return 0
            stored = await fetch_and_store(node, uri)
        except (ServiceError, InvalidURL) as error:
            await _failed(node, uri, rows, str(error))
            return len(rows)
    async with node.engine.begin() as conn:
        if stored.deleted_at is not None:  # the actor is gone: nobody left to deliver to
            await store.forget(conn, [r.id for r in rows])
            return len(rows)
        inboxes = await outbox_store.inboxes_of_actors(conn, [uri])
        own = await outbox_store.inboxes_of_actors(conn, [uri], shared=False)
        bodies = await store.waiting_bodies(conn, uri)
        personal = [row for row, body in bodies.items() if addressed_alone(body, uri)]
        added = await store.resolve(
            conn, actor_uri=uri, inboxes=inboxes, now=node.now(), own_inboxes=own,
            personal=personal,
        )  # fmt: skip
    log.info("outbox: fetched %s, queued %d delivery row(s) waiting for it", uri, added)
    return len(rows)


def addressed_alone(body: str, actor_uri: str) -> bool:
    """An activity addressed to this actor alone goes to its own inbox. Members-only Question
    copies must (`publish_personal` sends them so when the inbox is known); for
    any other one-recipient activity (a vote notice) the own inbox is as good as a shared one."""
    activity = json.loads(body)
    named = [value for key in ("to", "cc", "bto", "bcc") for value in _listed(activity.get(key))]
    return named == [actor_uri]


def _listed(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


async def _failed(node: Node, uri: str, leased: Sequence[PendingRecipient], error: str) -> None:
    """One failed fetch moves every waiting row of the actor (leased or published since) to
    the same next attempt: the backoff is the actor's, so the next try is again one fetch."""
    policy, now = policy_from(node), node.now()
    async with node.engine.connect() as conn:
        rows = await store.waiting_for(conn, uri) or list(leased)
    attempts = max(row.attempts for row in rows) + 1
    retry_at = now + backoff.next_delay(policy, attempts, None)
    outcomes: list[tuple[int, str, int, datetime, str]] = []
    for row in rows:
        if backoff.should_park(policy, attempts, row.created_at, now, row.governance):
            outcomes.append((row.id, DeliveryState.PARKED, attempts, now, error))
        else:
            outcomes.append((row.id, DeliveryState.PENDING, attempts, retry_at, error))
    parked = [
        row.activity_row_id
        for row, o in zip(rows, outcomes, strict=True)
        if o[1] == DeliveryState.PARKED
    ]
    if parked:  # one line per actor, not per waiting activity
        log.warning(
            "outbox: gave up fetching %s after %d attempts; %d activity row(s) parked for it"
            " (first: %s): %s",
            uri,
            attempts,
            len(parked),
            ",".join(map(str, parked[:10])),
            error,
        )
    async with node.engine.begin() as conn:
        await store.record_failures(conn, outcomes)
