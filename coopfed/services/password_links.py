"""One-time links that set a password: a new member's invitation, a forgotten password's reset.

The link is `<base_url>/password/<secret>`, the secret 256 random bits; only its sha256 is
stored (`store.account_tokens`), so neither a database copy nor a backup opens an account.
Issuing a link expires the member's earlier unused links of the same purpose (the newest mail
is the one that works); redeeming one checks purpose, expiry and single use, sets the password
(making the account of a member who has none), ends every earlier session and expires the
member's other outstanding links, all in one transaction. An invitation lasts
`web.invite_valid_days`, a reset `web.reset_valid_minutes`.

Mail goes through `services.mail.queue_message` in the same transaction: never sent inside the
request, and a refused change sends nothing. A reset request answers the same whether or not
the address belongs to anyone (`request_reset` returns nothing the adapter could show). The
mail is in the member's language (their choice, else the co-op's: services/languages.py), its
expiry in the co-op's time zone.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import html
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.members import MemberStatus
from coopfed.i18n import moment_text, translations
from coopfed.node import Node
from coopfed.services.accounts import (
    AccountError,
    hash_password,
    local_username,
    set_password,
    validate_email,
    validate_password,
)
from coopfed.services.errors import ServiceError
from coopfed.services.languages import member_language
from coopfed.services.mail import queue_message
from coopfed.settings import Settings
from coopfed.store import account_tokens as token_store
from coopfed.store import actors as actor_store
from coopfed.store import members as member_store
from coopfed.store.actors import Account
from coopfed.store.members import MemberRecord

# Members whose membership ended get no link: signing in would show them nothing of theirs.
ENDED = frozenset({MemberStatus.LEFT, MemberStatus.EXPELLED})
SECRET_BYTES = 32


class Purpose(enum.StrEnum):
    INVITE = "invite"
    RESET = "reset"


class LinkState(enum.StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"  # never issued (or mistyped): 404
    EXPIRED = "expired"  # past its time, or replaced by a newer link: 410
    USED = "used"  # already set a password once: 410


class LinkRefused(ServiceError):
    """The link cannot set a password; `state` says why (the adapter picks the status)."""

    def __init__(self, state: LinkState, message: str) -> None:
        super().__init__(message)
        self.state = state


REFUSALS = {
    LinkState.UNKNOWN: "This link is not valid: check that it was copied whole from the e-mail.",
    LinkState.EXPIRED: "This link has expired, or a newer e-mail replaced it.",
    LinkState.USED: "This link was already used to set a password; each link works once.",
}


@dataclass(frozen=True)
class LinkCheck:
    """What the password page shows before anything is changed."""

    state: LinkState
    purpose: Purpose | None = None
    username: str = ""


@dataclass(frozen=True)
class Invitation:
    member_id: str
    username: str
    email: str
    expires_at: datetime


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def link_url(settings: Settings, secret: str) -> str:
    return f"{settings.base_url}/password/{secret}"


def lifetime(settings: Settings, purpose: Purpose) -> timedelta:
    if purpose is Purpose.INVITE:
        return timedelta(days=settings.web.invite_valid_days)
    return timedelta(minutes=settings.web.reset_valid_minutes)


async def issue_link(
    conn: AsyncConnection, settings: Settings, member_row_id: int, purpose: Purpose, now: datetime
) -> tuple[str, datetime]:
    """A new link's secret (never stored) and expiry; earlier unused ones of this purpose end."""
    await token_store.expire_unused(conn, member_row_id, [purpose.value], now)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    expires_at = now + lifetime(settings, purpose)
    await token_store.insert_token(
        conn,
        token_hash=token_hash(secret),
        purpose=purpose.value,
        member_row_id=member_row_id,
        expires_at=expires_at,
        now=now,
    )
    return secret, expires_at


def _local_member_username(node: Node, record: MemberRecord) -> str:
    username = local_username(node.uris, record.actor_uri)
    if username is None:
        raise ServiceError(
            f"member {record.member_id} is on another server ({record.handle}): they sign in there"
        )
    return username


async def set_member_email(conn: AsyncConnection, record: MemberRecord, email: str) -> str:
    """Validate and store the member's address; another member's address is refused."""
    try:
        address = validate_email(email)
    except AccountError as error:
        raise ServiceError(str(error)) from None
    holder = await member_store.get_by_email(conn, address)
    if holder is not None and holder.row_id != record.row_id:
        raise ServiceError(f"{address} is already the address of member {holder.member_id}")
    if record.email != address:
        await member_store.set_email(conn, record.row_id, address)
    return address


async def invite_in(
    conn: AsyncConnection, node: Node, record: MemberRecord, now: datetime, email: str | None = None
) -> Invitation:
    """Queue the invitation of a local member (storing `email` first when given)."""
    username = _local_member_username(node, record)
    if record.member.status in ENDED:
        raise ServiceError(f"member {record.member_id} has {record.member.status.value}")
    address = await set_member_email(conn, record, email) if email is not None else record.email
    if address is None:
        raise ServiceError(
            f"member {record.member_id} has no e-mail address: give one with --email ADDRESS"
        )
    secret, expires_at = await issue_link(conn, node.settings, record.row_id, Purpose.INVITE, now)
    has_account = await actor_store.get_account(conn, username) is not None
    language = member_language(node.settings, record)
    await _queue_link_mail(
        conn, node.settings, address,
        _invitation_text(node.settings, username, has_account, language),
        link_url(node.settings, secret), expires_at, kind="invitation", now=now, language=language,
    )  # fmt: skip
    return Invitation(record.member_id, username, address, expires_at)


def _invitation_text(
    settings: Settings, username: str, has_account: bool, language: str
) -> tuple[str, str]:
    _ = translations(language).gettext
    words = {"username": username, "coop": settings.coop.name, "site": settings.base_url}
    if has_account:
        return _("Set your password"), _(
            "Hello %(username)s,\n\nThis link sets a new password for your account at %(coop)s"
            " (username: %(username)s)."
        ) % words
    return _("You are invited to sign in"), _(
        "Hello %(username)s,\n\nYou are a member of %(coop)s. Set a password to sign in on"
        " %(site)s, take part in its proposals and vote (username: %(username)s)."
    ) % words


def _reset_text(settings: Settings, username: str, language: str) -> tuple[str, str]:
    _ = translations(language).gettext
    words = {"username": username, "coop": settings.coop.name}
    return _("Reset your password"), _(
        "Hello %(username)s,\n\nSomeone (we hope you) asked to reset the password of your"
        " account at %(coop)s (username: %(username)s). If it was not you, ignore this"
        " e-mail: your password stays as it is."
    ) % words


async def _queue_link_mail(
    conn: AsyncConnection,
    settings: Settings,
    address: str,
    wording: tuple[str, str],
    link: str,
    expires_at: datetime,
    *,
    kind: str,
    now: datetime,
    language: str,
) -> None:
    _ = translations(language).gettext
    subject, opening = wording
    until = moment_text(expires_at, settings.coop.time_zone, language)
    closing = _("The link works once, until %(until)s.") % {"until": until}
    set_here = _("Set your password here:")
    text = f"{opening}\n\n{set_here}\n{link}\n\n{closing}\n"
    paragraphs = [html.escape(part) for part in opening.split("\n\n")]
    html_body = "".join(f"<p>{part}</p>" for part in paragraphs) + (
        f'<p><a href="{html.escape(link)}">{html.escape(_("Set your password"))}</a></p>'
        f"<p>{html.escape(closing)}</p>"
    )
    # Not `optional`: someone who unsubscribed from notifications still gets what they asked for.
    await queue_message(
        conn, to_address=address, subject=subject, text_body=text, html_body=html_body,
        kind=kind, now=now,
    )  # fmt: skip


async def request_reset(node: Node, email: str) -> None:
    """Queue a reset link when `email` is a local member's address; otherwise do nothing.

    Returns nothing on purpose: the page says the same either way, so it cannot tell anyone
    which addresses the co-op knows. An unparseable address is treated as unknown.
    """
    try:
        address = validate_email(email)
    except AccountError:
        return
    now = node.now()
    async with node.engine.begin() as conn:
        record = await member_store.get_by_email(conn, address)
        if record is None or record.member.status in ENDED:
            return
        username = local_username(node.uris, record.actor_uri)
        if username is None:
            return  # a fediverse member's password is kept by their own server
        secret, expires_at = await issue_link(
            conn, node.settings, record.row_id, Purpose.RESET, now
        )
        language = member_language(node.settings, record)
        await _queue_link_mail(
            conn, node.settings, address, _reset_text(node.settings, username, language),
            link_url(node.settings, secret), expires_at, kind="reset", now=now, language=language,
        )  # fmt: skip


def _state(token: token_store.AccountToken | None, now: datetime) -> LinkState:
    if token is None:
        return LinkState.UNKNOWN
    if token.used_at is not None:
        return LinkState.USED
    if token.expires_at <= now:
        return LinkState.EXPIRED
    return LinkState.VALID


async def check_link(node: Node, secret: str) -> LinkCheck:
    """Whether the link would work now, and for whom (nothing is changed)."""
    async with node.engine.connect() as conn:
        token = await token_store.get_by_hash(conn, token_hash(secret))
        state = _state(token, node.now())
        if token is None or state is not LinkState.VALID:
            return LinkCheck(state)
        record = await member_store.get_by_row_id(conn, token.member_row_id)
    username = local_username(node.uris, record.actor_uri) if record else None
    if record is None or username is None or record.member.status in ENDED:
        return LinkCheck(LinkState.EXPIRED)
    return LinkCheck(state, Purpose(token.purpose), username)


async def redeem_link(node: Node, secret: str, password: str) -> Account:
    """Set the password with the link: single use, before its expiry, in one transaction with
    the account (made if the member has none), the end of every earlier session and the end of
    the member's other outstanding links."""
    try:
        validate_password(password)
    except AccountError as error:
        raise ServiceError(str(error)) from None
    new_hash = await asyncio.to_thread(hash_password, password)
    now = node.now()
    async with node.engine.begin() as conn:
        token = await token_store.get_by_hash(conn, token_hash(secret))
        state = _state(token, now)
        if token is None or state is not LinkState.VALID:
            raise LinkRefused(state, REFUSALS[state])
        record = await member_store.get_by_row_id(conn, token.member_row_id)
        username = local_username(node.uris, record.actor_uri) if record else None
        if record is None or username is None or record.member.status in ENDED:
            raise LinkRefused(LinkState.EXPIRED, REFUSALS[LinkState.EXPIRED])
        if not await token_store.mark_used(conn, token.id, now):
            raise LinkRefused(LinkState.USED, REFUSALS[LinkState.USED])
        await token_store.expire_unused(conn, record.row_id, [p.value for p in Purpose], now)
        return await set_password(conn, username, new_hash, now)
