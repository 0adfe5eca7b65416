"""E-mail: queue a message in the caller's transaction; the worker sends it later.

`queue_message` is the one way any use case sends mail (invitations, resets, application
outcomes, and later notifications). It only inserts a row, so a request or a vote's
transaction never waits on SMTP and a rolled-back decision sends nothing. `send_due_mail`
(a worker job) delivers with aiosmtplib when `[email] smtp_host` is set, and otherwise writes
each message as `<data_dir>/mail/<id>.eml`, so a demo node loses nothing. A failed attempt is
retried with a growing delay, without a limit: an invitation is worth waiting for.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.node import Node
from coopfed.settings import Settings
from coopfed.store import mail as mail_store
from coopfed.store.mail import QueuedMail

log = logging.getLogger(__name__)

BATCH = 20
LEASE = timedelta(minutes=2)
MAX_RETRY_DELAY = timedelta(hours=1)
SMTP_TIMEOUT_SECONDS = 30.0
# Kinds whose bodies carry a one-time secret (a password link, `services.password_links`): blanked
# once sent, so the queue does not keep in clear what `account_tokens` stores only hashed.
SECRET_KINDS = frozenset({"invitation", "reset"})


async def queue_message(
    conn: AsyncConnection,
    *,
    to_address: str,
    subject: str,
    text_body: str,
    html_body: str,
    kind: str,
    now: datetime,
    optional: bool = False,
) -> int | None:
    """Queue one message; None when it is `optional` and the address opted out.

    Bodies are the message proper; the unsubscribe footer is added when the message is built.
    `html_body` must be escaped by the caller (templates do that).
    """
    if optional and await mail_store.has_opted_out(conn, to_address):
        return None
    return await mail_store.enqueue(
        conn,
        to_address=to_address,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        kind=kind,
        unsubscribe_token=secrets.token_urlsafe(32),
        now=now,
    )


def unsubscribe_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/unsubscribe/{token}"


def build_message(settings: Settings, mail: QueuedMail, token: str) -> EmailMessage:
    """The message as sent: plain text and HTML alternatives, RFC 8058 one-click headers."""
    link = unsubscribe_url(settings, token)
    coop = settings.coop.name
    message = EmailMessage()
    message["From"] = formataddr((coop, settings.mail_from))
    message["To"] = mail.to_address
    message["Subject"] = f"[{coop}] {mail.subject}"
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = make_msgid(idstring=f"coopfed.{mail.id}", domain=_domain(settings))
    message["List-Unsubscribe"] = f"<{link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text_footer = f"\n\n-- \n{coop}\nStop optional e-mail from {coop}: {link}\n"
    message.set_content(mail.text_body + text_footer)
    html_footer = f'<hr><p>{_escape(coop)} · <a href="{_escape(link)}">Stop optional e-mail</a></p>'
    message.add_alternative(
        f"<!doctype html><html><body>{mail.html_body}{html_footer}</body></html>",
        subtype="html",
    )
    return message


def _domain(settings: Settings) -> str:
    return settings.mail_from.rpartition("@")[2] or "localhost"


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def retry_delay(settings: Settings, attempts: int) -> timedelta:
    """base × attempts², capped: 30 s, 2 min, 4.5 min, … then hourly."""
    delay = timedelta(seconds=settings.email.retry_base_seconds * attempts**2)
    return min(delay, MAX_RETRY_DELAY)


def mail_dir(settings: Settings) -> Path:
    return settings.data_path / "mail"


async def send_due_mail(node: Node) -> int:
    """Worker job: send (or write out) every due message; return how many were tried."""
    now = node.now()
    async with node.engine.begin() as conn:
        due = await mail_store.lease_due(conn, now, now + LEASE, BATCH)
    for mail in due:
        await _send_one(node, mail)
    return len(due)


async def _send_one(node: Node, mail: QueuedMail) -> None:
    settings = node.settings
    async with node.engine.connect() as conn:
        token = await mail_store.unsubscribe_token_of(conn, mail.id)
    message = build_message(settings, mail, token)
    try:
        await _transmit(settings, mail.id, message)
    except (aiosmtplib.SMTPException, OSError) as exc:
        attempts = mail.attempts + 1
        next_at = node.now() + retry_delay(settings, attempts)
        log.warning("mail %d to %s: attempt %d failed: %s", mail.id, mail.to_address, attempts, exc)
        async with node.engine.begin() as conn:
            await mail_store.mark_failed(conn, mail.id, next_at, f"{type(exc).__name__}: {exc}")
        return
    async with node.engine.begin() as conn:
        await mail_store.mark_sent(conn, mail.id, node.now())
        if mail.kind in SECRET_KINDS:
            await mail_store.redact_bodies(conn, mail.id)


async def _transmit(settings: Settings, mail_id: int, message: EmailMessage) -> None:
    email = settings.email
    if not email.smtp_host:
        _write_eml(mail_dir(settings), mail_id, message)
        return
    await aiosmtplib.send(
        message,
        hostname=email.smtp_host,
        port=email.smtp_port,
        username=email.smtp_username or None,
        password=email.smtp_password or None,
        use_tls=email.smtp_security == "tls",
        start_tls=email.smtp_security == "starttls",
        timeout=SMTP_TIMEOUT_SECONDS,
    )


def _write_eml(directory: Path, mail_id: int, message: EmailMessage) -> None:
    """Write then rename, so the admin page never lists half a file."""
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"{mail_id:06d}.eml"
    partial = final.with_suffix(".part")
    partial.write_bytes(bytes(message))
    partial.replace(final)


def written_files(settings: Settings) -> list[Path]:
    """The demo's .eml files, newest first (empty when none was written)."""
    directory = mail_dir(settings)
    if not directory.is_dir():
        return []
    return sorted(directory.glob("*.eml"), reverse=True)


async def unsubscribe(conn: AsyncConnection, token: str, now: datetime) -> str | None:
    """Opt the token's address out of optional mail; None when no message had this token."""
    address = await mail_store.address_for_unsubscribe(conn, token)
    if address is not None:
        await mail_store.opt_out(conn, address, now)
    return address
