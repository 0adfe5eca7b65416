"""One-time password links (invitations, resets): their hashes, expiry and single use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import account_tokens


@dataclass(frozen=True)
class AccountToken:
    id: int
    purpose: str
    member_row_id: int
    expires_at: datetime
    used_at: datetime | None
    created_at: datetime


async def insert_token(
    conn: AsyncConnection,
    *,
    token_hash: str,
    purpose: str,
    member_row_id: int,
    expires_at: datetime,
    now: datetime,
) -> int:
    result = await conn.execute(
        insert(account_tokens)
        .values(
            token_hash=token_hash,
            purpose=purpose,
            member_row_id=member_row_id,
            expires_at=expires_at,
            created_at=now,
        )
        .returning(account_tokens.c.id)
    )
    return int(result.scalar_one())


async def expire_unused(
    conn: AsyncConnection, member_row_id: int, purposes: Sequence[str], now: datetime
) -> int:
    """End the member's links of these purposes that are neither used nor expired yet."""
    result = await conn.execute(
        update(account_tokens)
        .where(
            account_tokens.c.member_row_id == member_row_id,
            account_tokens.c.purpose.in_(list(purposes)),
            account_tokens.c.used_at.is_(None),
            account_tokens.c.expires_at > now,
        )
        .values(expires_at=now)
    )
    return int(result.rowcount)


async def get_by_hash(conn: AsyncConnection, token_hash: str) -> AccountToken | None:
    query = select(
        account_tokens.c.id,
        account_tokens.c.purpose,
        account_tokens.c.member_row_id,
        account_tokens.c.expires_at,
        account_tokens.c.used_at,
        account_tokens.c.created_at,
    ).where(account_tokens.c.token_hash == token_hash)
    row = (await conn.execute(query)).mappings().first()
    return AccountToken(**row) if row else None


async def mark_used(conn: AsyncConnection, token_id: int, now: datetime) -> bool:
    """Use the link once: False when another request used it first (two tabs, a replay)."""
    result = await conn.execute(
        update(account_tokens)
        .where(account_tokens.c.id == token_id, account_tokens.c.used_at.is_(None))
        .values(used_at=now)
    )
    return int(result.rowcount) == 1
