"""The outgoing e-mail queue (`outgoing_mail`) and the addresses that opted out.

Leasing is a conditional UPDATE per row (`WHERE lease free`), the same statement on SQLite and
PostgreSQL: of two workers racing for one row, exactly one sees rowcount 1. Mail volume is a
few messages per decision, so one round trip per row costs nothing that matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.store.deliveries import DeliveryState
from coopfed.store.tables import mail_opt_outs, outgoing_mail


@dataclass(frozen=True)
class QueuedMail:
    id: int
    to_address: str
    subject: str
    text_body: str
    html_body: str
    kind: str
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class MailRow:
    """One message as the admin page lists it."""

    id: int
    to_address: str
    subject: str
    kind: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


async def enqueue(
    conn: AsyncConnection,
    *,
    to_address: str,
    subject: str,
    text_body: str,
    html_body: str,
    kind: str,
    unsubscribe_token: str,
    now: datetime,
) -> int:
    result = await conn.execute(
        insert(outgoing_mail)
        .values(
            to_address=to_address,
            subject=subject,
            text_body=text_body,
            html_body=html_body,
            kind=kind,
            unsubscribe_token=unsubscribe_token,
            state=DeliveryState.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .returning(outgoing_mail.c.id)
    )
    return int(result.scalar_one())


async def lease_due(
    conn: AsyncConnection, now: datetime, lease_until: datetime, limit: int
) -> list[QueuedMail]:
    free = or_(outgoing_mail.c.leased_until.is_(None), outgoing_mail.c.leased_until < now)
    due = (
        select(outgoing_mail.c.id)
        .where(
            outgoing_mail.c.state == DeliveryState.PENDING.value,
            outgoing_mail.c.next_attempt_at <= now,
            free,
        )
        .order_by(outgoing_mail.c.id)
        .limit(limit)
    )
    leased: list[QueuedMail] = []
    for row_id in (await conn.execute(due)).scalars().all():
        claimed = await conn.execute(
            update(outgoing_mail)
            .where(outgoing_mail.c.id == row_id, free)
            .values(leased_until=lease_until)
        )
        if claimed.rowcount == 1:
            leased.append(await _queued(conn, row_id))
    return leased


async def _queued(conn: AsyncConnection, row_id: int) -> QueuedMail:
    c = outgoing_mail.c
    row = (
        await conn.execute(
            select(
                c.id,
                c.to_address,
                c.subject,
                c.text_body,
                c.html_body,
                c.kind,
                c.attempts,
                c.created_at,
            ).where(c.id == row_id)
        )
    ).one()
    return QueuedMail(*row)


async def mark_sent(conn: AsyncConnection, row_id: int, now: datetime) -> None:
    await conn.execute(
        update(outgoing_mail)
        .where(outgoing_mail.c.id == row_id)
        .values(
            state=DeliveryState.DONE.value,
            attempts=outgoing_mail.c.attempts + 1,
            sent_at=now,
            leased_until=None,
            last_error=None,
        )
    )


async def redact_bodies(conn: AsyncConnection, row_id: int) -> None:
    """Blank a sent message's bodies (they held a secret link); subject and outcome stay."""
    redacted = "(removed once sent: it held a one-time link)"
    await conn.execute(
        update(outgoing_mail)
        .where(outgoing_mail.c.id == row_id)
        .values(text_body=redacted, html_body=f"<p>{redacted}</p>")
    )


async def mark_failed(
    conn: AsyncConnection, row_id: int, next_attempt_at: datetime, error: str
) -> None:
    await conn.execute(
        update(outgoing_mail)
        .where(outgoing_mail.c.id == row_id)
        .values(
            attempts=outgoing_mail.c.attempts + 1,
            next_attempt_at=next_attempt_at,
            leased_until=None,
            last_error=error[:2000],
        )
    )


async def recent(conn: AsyncConnection, limit: int = 100) -> list[MailRow]:
    c = outgoing_mail.c
    query = (
        select(
            c.id,
            c.to_address,
            c.subject,
            c.kind,
            c.state,
            c.attempts,
            c.last_error,
            c.created_at,
            c.sent_at,
        )
        .order_by(c.id.desc())
        .limit(limit)
    )
    return [MailRow(*row) for row in (await conn.execute(query)).all()]


async def address_for_unsubscribe(conn: AsyncConnection, token: str) -> str | None:
    query = select(outgoing_mail.c.to_address).where(outgoing_mail.c.unsubscribe_token == token)
    return (await conn.execute(query)).scalar_one_or_none()


async def opt_out(conn: AsyncConnection, address: str, now: datetime) -> None:
    """Record the opt-out; a second click is a no-op (the first date stays)."""
    values = {"address": address.lower(), "opted_out_at": now}
    if conn.dialect.name == "postgresql":
        await conn.execute(postgresql.insert(mail_opt_outs).values(values).on_conflict_do_nothing())
    else:
        await conn.execute(sqlite.insert(mail_opt_outs).values(values).on_conflict_do_nothing())


async def has_opted_out(conn: AsyncConnection, address: str) -> bool:
    query = select(mail_opt_outs.c.id).where(mail_opt_outs.c.address == address.lower())
    return (await conn.execute(query)).first() is not None


async def forget_opt_out(conn: AsyncConnection, address: str) -> None:
    await conn.execute(delete(mail_opt_outs).where(mail_opt_outs.c.address == address.lower()))


async def unsubscribe_token_of(conn: AsyncConnection, row_id: int) -> str:
    query = select(outgoing_mail.c.unsubscribe_token).where(outgoing_mail.c.id == row_id)
    return str((await conn.execute(query)).scalar_one())
