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
from collections.abc import Iterable
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
    """Who receives an activity: explicit remote actors and/or the sender's followers.

    `personal`: delivered to each actor's own inbox, never a shared inbox (a copy meant for one
    recipient alone: a server receiving it at its shared inbox could show it to all its
    users it names, and Mastodon adds an existing post to a second user's view only when it
    arrives at that user's own inbox). Never with followers.
    """

    actors: tuple[str, ...] = ()
    followers: bool = False
    public: bool = False
    personal: bool = False


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
    if audience.personal and (audience.followers or audience.public):
        raise ValueError("a personal copy goes to its actors alone")
    inboxes = await outbox_store.inboxes_of_actors(
        conn, audience.actors, shared=not audience.personal
    )
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
