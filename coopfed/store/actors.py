"""Local actors and sign-in accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.tables import accounts, local_actors

KINDS = ("coop", "person", "instance", "project")


@dataclass(frozen=True)
class LocalActor:
    id: int
    username: str
    kind: str
    display_name: str
    summary: str
    rsa_private_pem: str
    rsa_public_pem: str
    ed25519_private_pem: str
    ed25519_public_multibase: str
    created_at: datetime


@dataclass(frozen=True)
class Account:
    id: int
    actor_id: int
    username: str
    password_hash: str
    is_admin: bool
    session_generation: int = 0


def _actor(row: RowMapping) -> LocalActor:
    return LocalActor(**{key: row[key] for key in LocalActor.__dataclass_fields__})


async def insert_local_actor(
    conn: AsyncConnection,
    *,
    username: str,
    kind: str,
    display_name: str,
    summary: str,
    rsa_private_pem: str,
    rsa_public_pem: str,
    ed25519_private_pem: str,
    ed25519_public_multibase: str,
    now: datetime,
) -> LocalActor:
    assert kind in KINDS, kind
    result = await conn.execute(
        insert(local_actors)
        .values(
            username=username,
            kind=kind,
            display_name=display_name,
            summary=summary,
            rsa_private_pem=rsa_private_pem,
            rsa_public_pem=rsa_public_pem,
            ed25519_private_pem=ed25519_private_pem,
            ed25519_public_multibase=ed25519_public_multibase,
            created_at=now,
        )
        .returning(*local_actors.c)
    )
    return _actor(result.mappings().one())


async def get_local_actor(conn: AsyncConnection, username: str) -> LocalActor | None:
    result = await conn.execute(select(local_actors).where(local_actors.c.username == username))
    row = result.mappings().first()
    return _actor(row) if row else None


async def get_actor_of_kind(conn: AsyncConnection, kind: str) -> LocalActor | None:
    result = await conn.execute(
        select(local_actors).where(local_actors.c.kind == kind).order_by(local_actors.c.id)
    )
    row = result.mappings().first()
    return _actor(row) if row else None


async def count_local_actors(conn: AsyncConnection, kind: str) -> int:
    result = await conn.execute(
        select(func.count()).select_from(local_actors).where(local_actors.c.kind == kind)
    )
    return int(result.scalar_one())


async def insert_account(
    conn: AsyncConnection, *, actor_id: int, password_hash: str, is_admin: bool, now: datetime
) -> int:
    result = await conn.execute(
        insert(accounts)
        .values(actor_id=actor_id, password_hash=password_hash, is_admin=is_admin, created_at=now)
        .returning(accounts.c.id)
    )
    return int(result.scalar_one())


async def get_account(conn: AsyncConnection, username: str) -> Account | None:
    query = (
        select(
            accounts.c.id,
            accounts.c.actor_id,
            local_actors.c.username,
            accounts.c.password_hash,
            accounts.c.is_admin,
            accounts.c.session_generation,
        )
        .join(local_actors, local_actors.c.id == accounts.c.actor_id)
        .where(local_actors.c.username == username)
    )
    row = (await conn.execute(query)).mappings().first()
    return Account(**row) if row else None


async def bump_session_generation(conn: AsyncConnection, account_id: int) -> None:
    await conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(session_generation=accounts.c.session_generation + 1)
    )


async def get_account_by_id(conn: AsyncConnection, account_id: int) -> Account | None:
    query = (
        select(
            accounts.c.id,
            accounts.c.actor_id,
            local_actors.c.username,
            accounts.c.password_hash,
            accounts.c.is_admin,
            accounts.c.session_generation,
        )
        .join(local_actors, local_actors.c.id == accounts.c.actor_id)
        .where(accounts.c.id == account_id)
    )
    row = (await conn.execute(query)).mappings().first()
    return Account(**row) if row else None


async def set_password_hash(conn: AsyncConnection, account_id: int, password_hash: str) -> None:
    await conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(password_hash=password_hash)
    )


async def set_admin(conn: AsyncConnection, account_id: int, is_admin: bool) -> None:
    query = update(accounts).where(accounts.c.id == account_id).values(is_admin=is_admin)
    await conn.execute(query)


async def count_admins(conn: AsyncConnection) -> int:
    query = select(func.count()).select_from(accounts).where(accounts.c.is_admin.is_(True))
    return int((await conn.execute(query)).scalar_one())
