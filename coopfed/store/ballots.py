"""The append-only ballot log of each proposal: rows are inserted, never updated or deleted.

Each row is one `governance.log.LogEntry`; loading the log re-verifies the hash chain, so a
row changed behind the node's back is noticed at the next tally.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.ballots import Ballot, BallotKind
from coopfed.governance.canonical import canonical_text
from coopfed.governance.log import BallotLog, LogEntry
from coopfed.store.tables import ballots, proposals


@dataclass(frozen=True)
class StoredEntry:
    """A log entry with where it came from (the voting actor and, for remote votes, the
    activity id)."""

    entry: LogEntry
    source_actor_uri: str
    activity_id: str | None


def _entry(row: RowMapping, proposal_id: str) -> LogEntry:
    ballot = Ballot(
        member_id=row["member_id"],
        kind=BallotKind(row["kind"]),
        choice=json.loads(row["choice"]),
        cast_at=row["cast_at"],
        reason=row["reason"],
        invalid_reason=row["invalid_reason"],
        cast_by=row["cast_by"],
    )
    return LogEntry(proposal_id, row["position"], row["prev_hash"], ballot, row["entry_hash"])


async def load_entries(
    conn: AsyncConnection, proposal_row_id: int, proposal_id: str
) -> list[LogEntry]:
    """The stored rows of a log, in order, as they are: not verified (what is published, so
    a verifier can say where a chain breaks instead of the node failing to answer)."""
    query = (
        select(ballots)
        .where(ballots.c.proposal_row_id == proposal_row_id)
        .order_by(ballots.c.position)
    )
    rows = (await conn.execute(query)).mappings()
    return [_entry(row, proposal_id) for row in rows]


async def load_log(conn: AsyncConnection, proposal_row_id: int, proposal_id: str) -> BallotLog:
    """The whole log of a proposal, in order; raises `LogError` if the chain does not verify."""
    return BallotLog(proposal_id, await load_entries(conn, proposal_row_id, proposal_id))


async def append_entry(
    conn: AsyncConnection,
    *,
    proposal_row_id: int,
    member_row_id: int,
    entry: LogEntry,
    source_actor_uri: str,
    activity_id: str | None,
) -> None:
    """Insert one entry. The unique (proposal, position) and (actor, activity id) constraints
    make a concurrent append or a replayed activity fail with IntegrityError instead of
    forking."""
    ballot = entry.ballot
    await conn.execute(
        insert(ballots).values(
            proposal_row_id=proposal_row_id,
            position=entry.index,
            member_row_id=member_row_id,
            member_id=ballot.member_id,
            kind=ballot.kind.value,
            choice=canonical_text(ballot.choice),
            reason=ballot.reason,
            invalid_reason=ballot.invalid_reason,
            cast_at=ballot.cast_at,
            prev_hash=entry.prev_hash,
            entry_hash=entry.entry_hash,
            source_actor_uri=source_actor_uri,
            activity_id=activity_id,
            cast_by=ballot.cast_by,
        )
    )


async def find_by_activity(
    conn: AsyncConnection, source_actor_uri: str, activity_id: str
) -> StoredEntry | None:
    """The entry `source_actor_uri` cast with `activity_id`: ids are unique per actor only (a
    neighbour on the voter's server may have used the same, guessable, id first)."""
    query = (
        select(ballots, proposals.c.uri)
        .join(proposals, proposals.c.id == ballots.c.proposal_row_id)
        .where(
            ballots.c.source_actor_uri == source_actor_uri,
            ballots.c.activity_id == activity_id,
        )
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return StoredEntry(_entry(row, row["uri"]), row["source_actor_uri"], row["activity_id"])
