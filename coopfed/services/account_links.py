"""Linking a member's fediverse accounts: their votes from those accounts count as the member's.

A signed-in member asks for a one-time code (shown once; only its SHA-256 is stored, so a code
is found by hashing what was sent: no comparison that leaks timing). The member sends it from
the fediverse account in a direct message to the co-op actor; the account whose signed message
carries a valid code is linked. A code is used once, within CODE_LIFETIME. Wrong, used or
expired codes are counted per sending actor and per host: past the caps in FAILURE_WINDOW
nothing more is tried, so codes cannot be guessed (31⁸ ≈ 8.5·10¹¹ codes, a handful valid).

An actor links to one member at most and is never a member's own actor: one member, one ballot,
whichever of their accounts votes (`member_for_actor` is the look-up votes use).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.members import MemberStatus
from coopfed.node import Node
from coopfed.services.errors import NotFound, ServiceError
from coopfed.store import account_links as link_store
from coopfed.store import members as member_store
from coopfed.store.account_links import LinkedActor
from coopfed.store.members import MemberRecord

# No 0/O, 1/I/L: codes are read off a screen and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_LIFETIME = timedelta(minutes=30)
FAILURE_WINDOW = timedelta(hours=1)
MAX_FAILURES_PER_ACTOR = 5
MAX_FAILURES_PER_HOST = 20


class LinkStatus(enum.StrEnum):
    LINKED = "linked"
    ALREADY_LINKED = "already_linked"  # this actor was already linked to this member
    WRONG_CODE = "wrong_code"
    EXPIRED = "expired"
    USED = "used"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    MEMBER_ACTOR = "member_actor"  # the sender is a member's own actor
    LINKED_ELSEWHERE = "linked_elsewhere"  # linked to another member
    NOT_ACTIVE = "not_active"  # the member the code belongs to is not active


@dataclass(frozen=True)
class LinkOutcome:
    status: LinkStatus
    message: str  # worded for the person who sent the code
    member_id: str | None = None

    @property
    def linked(self) -> bool:
        return self.status in (LinkStatus.LINKED, LinkStatus.ALREADY_LINKED)


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once, never stored
    expires_at: datetime


@dataclass(frozen=True)
class AccountLinks:
    links: list[LinkedActor]
    pending_until: datetime | None  # expiry of an unused code, if one is still valid


def new_code() -> str:
    """`ABCD-EFGH`: 8 characters from CODE_ALPHABET (39.6 bits), grouped for reading."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_code(text: str) -> str:
    """What the hash is taken of: upper case, without separators or spaces."""
    return "".join(char for char in text.upper() if char.isalnum())


def code_hash(text: str) -> str:
    return hashlib.sha256(normalize_code(text).encode("utf-8")).hexdigest()


async def member_for_actor(conn: AsyncConnection, actor_uri: str) -> MemberRecord | None:
    """The member an actor acts for: bound to it, or through a linked account."""
    record = await member_store.get_by_actor(conn, actor_uri)
    if record is not None:
        return record
    row_id = await link_store.member_row_of(conn, actor_uri)
    return None if row_id is None else await member_store.get_by_row_id(conn, row_id)


async def _member_of_account(conn: AsyncConnection, node: Node, username: str) -> MemberRecord:
    record = await member_store.get_by_actor(conn, node.uris.actor(username))
    if record is None:
        raise NotFound("you are not a member, so there is nothing to link")
    return record


async def issue_code(node: Node, username: str) -> IssuedCode:
    """A new code for the member of local account `username` (replaces an unused one)."""
    now = node.now()
    code = new_code()
    async with node.engine.begin() as conn:
        record = await _member_of_account(conn, node, username)
        if record.member.status is not MemberStatus.ACTIVE:
            raise ServiceError(f"your membership is {record.member.status.value}: nothing to link")
        expires_at = now + CODE_LIFETIME
        await link_store.insert_code(conn, record.row_id, code_hash(code), now, expires_at)
    return IssuedCode(code, expires_at)


async def account_links(node: Node, username: str) -> AccountLinks | None:
    """The member's linked accounts (None: the account is not a member)."""
    async with node.engine.connect() as conn:
        record = await member_store.get_by_actor(conn, node.uris.actor(username))
        if record is None:
            return None
        links = await link_store.links_of(conn, record.row_id)
        pending = await link_store.pending_code_expiry(conn, record.row_id, node.now())
        return AccountLinks(links, pending)


async def links_of_member(conn: AsyncConnection, record: MemberRecord) -> list[LinkedActor]:
    return await link_store.links_of(conn, record.row_id)


async def unlink(node: Node, username: str, link_row_id: int) -> str:
    """Remove one of the member's links; returns the actor IRI that no longer votes for them."""
    async with node.engine.begin() as conn:
        record = await _member_of_account(conn, node, username)
        actor_uri = await link_store.delete_link(conn, record.row_id, link_row_id)
    if actor_uri is None:
        raise NotFound("no such linked account")
    return actor_uri


def _failure_keys(actor_uri: str) -> list[str]:
    digest = hashlib.sha256(actor_uri.encode("utf-8")).hexdigest()
    host = (urlsplit(actor_uri).hostname or "-")[:250]
    return [f"actor:{digest}", f"host:{host}"]


async def _capped(conn: AsyncConnection, keys: list[str], now: datetime) -> bool:
    since = now - FAILURE_WINDOW
    actor_key, host_key = keys
    return (
        await link_store.failures_since(conn, actor_key, since) >= MAX_FAILURES_PER_ACTOR
        or await link_store.failures_since(conn, host_key, since) >= MAX_FAILURES_PER_HOST
    )


async def _failed(
    conn: AsyncConnection, keys: list[str], now: datetime, status: LinkStatus, message: str
) -> LinkOutcome:
    await link_store.record_failure(conn, keys, now, forget_before=now - FAILURE_WINDOW)
    if await _capped(conn, keys, now):
        message += " No more codes are accepted from this account for an hour."
    return LinkOutcome(status, message)


async def redeem_code(
    conn: AsyncConnection, actor_uri: str, code: str, now: datetime
) -> LinkOutcome:
    """Link `actor_uri` (the verified sender) to the member whose valid code it sent.

    Refusals change nothing but the wrong-code count; the caller's transaction commits both.
    """
    keys = _failure_keys(actor_uri)
    if await _capped(conn, keys, now):
        return LinkOutcome(
            LinkStatus.TOO_MANY_ATTEMPTS, "too many wrong codes from this account; try later."
        )
    if await member_store.get_by_actor(conn, actor_uri) is not None:
        return LinkOutcome(
            LinkStatus.MEMBER_ACTOR, "this account is a member's own account; it cannot be linked."
        )
    found = await link_store.find_code(conn, code_hash(code))
    if found is None:
        return await _failed(conn, keys, now, LinkStatus.WRONG_CODE, "that code is not valid.")
    if found.used_at is not None:
        return await _failed(conn, keys, now, LinkStatus.USED, "that code was already used.")
    if found.expires_at <= now:
        return await _failed(
            conn, keys, now, LinkStatus.EXPIRED, "that code has expired; ask for a new one."
        )
    return await _link(conn, actor_uri, found.row_id, found.member_row_id, now)


async def _link(
    conn: AsyncConnection, actor_uri: str, code_row_id: int, member_row_id: int, now: datetime
) -> LinkOutcome:
    record = await member_store.get_by_row_id(conn, member_row_id)
    assert record is not None  # codes reference members
    if record.member.status is not MemberStatus.ACTIVE:
        return LinkOutcome(
            LinkStatus.NOT_ACTIVE, f"the membership is {record.member.status.value}."
        )
    linked_to = await link_store.member_row_of(conn, actor_uri)
    if linked_to is not None and linked_to != member_row_id:
        return LinkOutcome(
            LinkStatus.LINKED_ELSEWHERE,
            "this account is linked to another member; unlink it there first.",
        )
    if not await link_store.use_code(conn, code_row_id, now):
        return LinkOutcome(LinkStatus.USED, "that code was already used.")
    if linked_to is not None:
        return LinkOutcome(
            LinkStatus.ALREADY_LINKED, "this account was already linked.", record.member_id
        )
    await link_store.insert_link(conn, member_row_id, actor_uri, now)
    return LinkOutcome(
        LinkStatus.LINKED,
        "this account is now linked to your membership: your votes from it count as yours.",
        record.member_id,
    )


async def free_for_binding(
    conn: AsyncConnection, actor_uri: str, member_row_id: int | None
) -> None:
    """Before binding a member (admission, re-binding) to `actor_uri`: refuse when it is another
    member's linked account; the member's own link to it gives way to the binding."""
    linked_to = await link_store.member_row_of(conn, actor_uri)
    if linked_to is None:
        return
    if linked_to != member_row_id:
        raise ServiceError(f"{actor_uri} is a linked account of another member")
    await link_store.delete_links_of_actor(conn, actor_uri)


async def member_links(node: Node, record: MemberRecord) -> list[LinkedActor]:
    """A member's linked accounts (for admins: the CLI, the admin pages)."""
    async with node.engine.connect() as conn:
        return await link_store.links_of(conn, record.row_id)


async def unlink_actor(node: Node, record: MemberRecord, actor_uri: str) -> None:
    """An admin removes one of a member's links by the linked actor's IRI."""
    async with node.engine.begin() as conn:
        if await link_store.member_row_of(conn, actor_uri) != record.row_id:
            raise NotFound(f"{actor_uri} is not a linked account of member {record.member_id}")
        await link_store.delete_links_of_actor(conn, actor_uri)
