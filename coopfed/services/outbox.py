"""Publishing: store an activity in a local actor's outbox and queue its deliveries.

Always called inside the caller's transaction (the transactional outbox): the state change that
the activity announces and the deliveries commit together. The delivery worker sends them.
An addressed remote actor with no stored document (no known inbox) is recorded in the same
transaction as a pending recipient; the worker job `recipients` (services/recipients.py)
fetches the actor and queues the delivery then, so nothing is dropped silently.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store import outbox as outbox_store
from coopfed.store import pending_recipients as pending_store
from coopfed.store.actors import LocalActor
from coopfed.store.outbox import host_of
from coopfed.uris import Uris

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Audience:
    """Who receives an activity: explicit remote actors and/or the sender's followers."""

    actors: tuple[str, ...] = ()
    followers: bool = False
    public: bool = False


def new_activity_id(uris: Uris) -> str:
    return uris.activity(str(uuid.uuid4()))


async def publish(
    conn: AsyncConnection,
    *,
    sender: LocalActor,
    activity: dict[str, Any],
    audience: Audience,
    now: datetime,
    governance: bool = False,
    extra_inboxes: Iterable[str] = (),
) -> int:
    """Queue `activity` (which must carry its `id`) for delivery; returns the outbox row id.

    `governance` marks traffic that must never be dropped silently (allied co-ops, results).
    """
    row_id = await outbox_store.insert_activity(
        conn,
        local_actor_id=sender.id,
        activity=activity,
        public=audience.public,
        governance=governance,
        now=now,
    )
    inboxes = await outbox_store.inboxes_of_actors(conn, audience.actors)
    unknown = await _unreachable(conn, activity, audience.actors)
    await pending_store.insert_recipients(conn, activity_row_id=row_id, actor_uris=unknown, now=now)
    if audience.followers:
        inboxes += await outbox_store.follower_inboxes(conn, sender.id)
    inboxes += list(extra_inboxes)
    await outbox_store.insert_deliveries(conn, activity_row_id=row_id, inboxes=inboxes, now=now)
    return row_id


async def _unreachable(
    conn: AsyncConnection, activity: dict[str, Any], actors: Iterable[str]
) -> list[str]:
    """Addressed remote actors with no stored document, said so in the log: their delivery
    waits for the `recipients` job to fetch the actor. Our own actors (same host as the
    activity) need no delivery. Binding a member stores their actor, so this means a gap."""
    own_host = host_of(str(activity["id"]))
    remote = [uri for uri in actors if host_of(uri) != own_host]
    unknown = list(await outbox_store.unknown_actors(conn, remote))
    if not unknown:
        return unknown
    # One line per activity, not per recipient: a members-only Question update to a roll of
    # thousands would otherwise flood the log on every ballot.
    shown = ", ".join(unknown[:3]) + (f" and {len(unknown) - 3} more" if len(unknown) > 3 else "")
    log.warning(
        "outbox: %s is addressed to %d actor(s) whose inbox is unknown, "
        "queued until their actor is fetched: %s",
        activity["id"],
        len(unknown),
        shown,
    )
    return unknown


async def publish_personal(
    conn: AsyncConnection,
    *,
    sender: LocalActor,
    copies: Sequence[tuple[str, dict[str, Any]]],
    now: datetime,
) -> list[int]:
    """Queue one copy per (recipient, activity), each to that recipient's own inbox, never a
    shared inbox: the copy is for that recipient alone, and Mastodon adds a post it already
    holds to a second user's view only when it arrives at that user's own inbox. A few
    statements whatever the number of copies (a members-only Update to a large roll). A
    recipient with no stored actor waits for the `recipients` job, which keeps the copy on
    its own inbox (services/recipients.py `addressed_alone`)."""
    row_ids = await outbox_store.insert_activities(
        conn,
        local_actor_id=sender.id,
        activities=[activity for _, activity in copies],
        governance=False,
        now=now,
    )
    recipients = [recipient for recipient, _ in copies]
    inboxes = await outbox_store.own_inboxes(conn, recipients)
    pairs = list(zip(row_ids, recipients, strict=True))
    targets = [(row_id, inboxes[r]) for row_id, r in pairs if r in inboxes]
    await outbox_store.insert_delivery_rows(conn, targets=targets, now=now)
    own_host = host_of(str(copies[0][1]["id"])) if copies else ""
    remote = [r for r in recipients if host_of(r) != own_host]
    unknown = set(await outbox_store.unknown_actors(conn, remote))
    waiting = [(row_id, r) for row_id, r in pairs if r in unknown]
    for row_id, recipient in waiting:  # rare: members' and linked actors are stored
        await pending_store.insert_recipients(
            conn, activity_row_id=row_id, actor_uris=(recipient,), now=now
        )
    if waiting:  # one line for all copies, as `_unreachable` logs one per activity
        log.warning(
            "outbox: %d personal cop(ies) of %s wait for their actor to be fetched (first: %s)",
            len(waiting),
            copies[0][1]["id"],
            waiting[0][1],
        )
    return row_ids
