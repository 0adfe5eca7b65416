"""Heads and results allied nodes published, and the equivocations among them (SQL only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import equivocations, observed_heads


@dataclass(frozen=True)
class Observation:
    proposal_uri: str
    kind: str
    log_length: int
    value: str
    actor_uri: str
    document: str


@dataclass(frozen=True)
class Equivocation:
    proposal_uri: str
    actor_uri: str
    kind: str
    log_length: int
    first_value: str
    second_value: str
    first_document: str
    second_document: str
    detected_at: datetime


async def first_observation(
    conn: AsyncConnection, proposal_uri: str, kind: str, log_length: int
) -> Observation | None:
    query = select(observed_heads).where(
        observed_heads.c.proposal_uri == proposal_uri,
        observed_heads.c.kind == kind,
        observed_heads.c.log_length == log_length,
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return Observation(
        row["proposal_uri"], row["kind"], row["log_length"], row["value"], row["actor_uri"],
        row["document"],
    )  # fmt: skip


async def add_observation(conn: AsyncConnection, seen: Observation, now: datetime) -> None:
    await conn.execute(
        insert(observed_heads).values(
            proposal_uri=seen.proposal_uri, kind=seen.kind, log_length=seen.log_length,
            value=seen.value, actor_uri=seen.actor_uri, document=seen.document, received_at=now,
        )
    )  # fmt: skip


async def has_equivocation(conn: AsyncConnection, first: Observation, second_value: str) -> bool:
    query = select(equivocations.c.id).where(
        equivocations.c.proposal_uri == first.proposal_uri,
        equivocations.c.kind == first.kind,
        equivocations.c.log_length == first.log_length,
        equivocations.c.second_value == second_value,
    )
    return (await conn.execute(query)).first() is not None


async def add_equivocation(conn: AsyncConnection, found: Equivocation) -> None:
    await conn.execute(
        insert(equivocations).values(
            proposal_uri=found.proposal_uri, actor_uri=found.actor_uri, kind=found.kind,
            log_length=found.log_length, first_value=found.first_value,
            second_value=found.second_value, first_document=found.first_document,
            second_document=found.second_document, detected_at=found.detected_at,
        )
    )  # fmt: skip


async def list_equivocations(conn: AsyncConnection) -> list[Equivocation]:
    query = select(equivocations).order_by(equivocations.c.detected_at, equivocations.c.id)
    rows = (await conn.execute(query)).mappings()
    return [Equivocation(**{name: row[name] for name in FIELDS}) for row in rows]


FIELDS = (
    "proposal_uri", "actor_uri", "kind", "log_length", "first_value", "second_value",
    "first_document", "second_document", "detected_at",
)  # fmt: skip
