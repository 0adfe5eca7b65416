"""Members of the co-op: admitting local or remote people, listing, finding, status changes.

A local member is a Person actor on this node (created without a password: an admin adds
them; given an e-mail address, they are invited to set one and get their account then,
`services.password_links`). A remote member is any fediverse actor, named by its IRI or
by `acct:user@host`; resolving that needs the network, so it happens before the unit of work,
through an injected `ActorResolver` (tests pass a fake, the CLI passes a WebFinger client).
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.governance.members import Member, MemberClasses, MemberError, MemberStatus
from coopfed.node import Node
from coopfed.services.account_links import free_for_binding
from coopfed.services.accounts import AccountError, end_sessions_of_actor, validate_username
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.languages import parse_choice
from coopfed.services.password_links import Invitation, invite_in, set_member_email
from coopfed.services.setup import create_actor_with_keys
from coopfed.store import actors as actor_store
from coopfed.store import members as member_store
from coopfed.store.actors import LocalActor
from coopfed.store.members import MemberEvent, MemberRecord
from coopfed.uris import Uris

ActorResolver = Callable[[str], Awaitable[str]]
"""`acct:user@host` or an actor URL → the actor's IRI (its `id`), or raises ServiceError."""

# Seeded on first use; a co-op adds its own with `define_member_class`.
DEFAULT_CLASSES = ("member", "worker", "consumer", "producer", "community", "investor")
DEFAULT_CLASS = "member"
GONE = frozenset({MemberStatus.LEFT, MemberStatus.EXPELLED})


def new_public_id(length: int = 10) -> str:
    """A short random id for URLs and hashes (lowercase base32, 50 bits for 10 characters)."""
    raw = b32encode(secrets.token_bytes(length)).decode("ascii").lower()
    return raw[:length]


async def coop_actor(conn: AsyncConnection) -> LocalActor:
    coop = await actor_store.get_actor_of_kind(conn, "coop")
    if coop is None:
        raise ServiceError("this node has no co-op yet: run `coopfed init` first")
    return coop


async def member_classes(conn: AsyncConnection, coop_id: int, now: datetime) -> MemberClasses:
    classes = await member_store.class_names(conn, coop_id)
    if classes is not None:
        return classes
    for name in DEFAULT_CLASSES:
        await member_store.insert_class(conn, coop_id, name, now)
    return MemberClasses.of(DEFAULT_CLASSES)


async def define_member_class(node: Node, name: str) -> MemberClasses:
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        classes = await member_classes(conn, coop.id, now)
        if name in classes:
            return classes
        try:
            updated = MemberClasses.of([*classes.names, name])
        except MemberError as error:
            raise ServiceError(str(error)) from None
        await member_store.insert_class(conn, coop.id, name, now)
        return updated


def is_acct(reference: str) -> bool:
    return reference.startswith("acct:") or ("@" in reference.lstrip("@") and "/" not in reference)


def is_url(reference: str) -> bool:
    return reference.startswith(("https://", "http://"))


async def add_member(
    node: Node,
    reference: str | None = None,
    *,
    local_username: str | None = None,
    member_class: str = DEFAULT_CLASS,
    shares: int = 1,
    resolver: ActorResolver | None = None,
    email: str | None = None,
) -> MemberRecord:
    """Admit a member: a remote actor (`reference`: IRI or acct:) or a local person. With
    `email`, the address is stored, and a local person is sent an invitation to set a
    password, in the same transaction (a refused address adds nobody)."""
    if (reference is None) == (local_username is None):
        raise ServiceError("give either an actor (URL or acct:user@host) or a local username")
    if local_username is not None:
        actor_uri, handle = node.uris.actor(_valid_username(local_username)), local_username
    else:
        assert reference is not None
        actor_uri, handle = await _resolve_remote(reference, resolver)
    now = node.now()
    async with node.engine.begin() as conn:
        coop = await coop_actor(conn)
        classes = await member_classes(conn, coop.id, now)
        try:
            member = Member(
                new_public_id(), actor_uri, classes.require(member_class), shares=shares
            )
        except MemberError as error:
            raise ServiceError(str(error)) from None
        if local_username is not None:
            await _ensure_local_person(conn, local_username, now)
        record = await _admit(conn, coop.id, member, handle, now)
        if email is None:
            return record
        if local_username is not None:
            await invite_in(conn, node, record, now, email)
        else:
            await set_member_email(conn, record, email)
        stored = await member_store.get_by_row_id(conn, record.row_id)
        assert stored is not None
        return stored


async def invite_member(node: Node, reference: str, email: str | None = None) -> Invitation:
    """(Re)send a local member the link that sets their password, first storing `email` when
    given; the earlier invitation link stops working."""
    async with node.engine.begin() as conn:
        record = await find_member_in(conn, node.uris, reference)
        return await invite_in(conn, node, record, node.now(), email)


def _valid_username(username: str) -> str:
    try:
        return validate_username(username)
    except AccountError as error:
        raise ServiceError(str(error)) from None


async def _resolve_remote(reference: str, resolver: ActorResolver | None) -> tuple[str, str]:
    reference = reference.strip()
    if not (is_url(reference) or is_acct(reference)):
        raise ServiceError(f"{reference!r} is neither an actor URL nor acct:user@host")
    if resolver is None:
        if is_acct(reference):
            raise ServiceError("resolving acct:user@host needs WebFinger (no resolver given)")
        return reference, reference
    handle = reference if is_url(reference) else "acct:" + reference.removeprefix("acct:")
    return await resolver(reference), handle.lstrip("@")


async def _ensure_local_person(conn: AsyncConnection, username: str, now: datetime) -> None:
    existing = await actor_store.get_local_actor(conn, username)
    if existing is None:
        await create_actor_with_keys(
            conn, username=username, kind="person", display_name="", summary="", now=now
        )
    elif existing.kind != "person":
        raise ServiceError(f"{username!r} is the {existing.kind} actor, not a person")


async def _admit(
    conn: AsyncConnection, coop_id: int, member: Member, handle: str, now: datetime
) -> MemberRecord:
    existing = await member_store.get_by_actor(conn, member.actor_id)
    if existing is not None and existing.member.status not in GONE:
        raise ServiceError(
            f"{member.actor_id} is already member {existing.member_id}"
            f" ({existing.member.status.value})"
        )
    await free_for_binding(conn, member.actor_id, existing.row_id if existing else None)
    detail = {
        "actor": member.actor_id,
        "class": member.member_class,
        "shares": member.shares,
    }
    if existing is not None:
        # Re-admission keeps the member id, so the history stays one story.
        await member_store.update_status(conn, existing.row_id, MemberStatus.ACTIVE, left_at=None)
        await member_store.append_event(conn, existing.row_id, "readmitted", detail, now)
        record = await member_store.get_by_row_id(conn, existing.row_id)
        assert record is not None
        return record
    record = await member_store.insert_member(conn, coop_id, member, handle=handle, now=now)
    await member_store.append_event(conn, record.row_id, "admitted", detail, now)
    return record


async def list_members(node: Node) -> list[MemberRecord]:
    async with node.engine.connect() as conn:
        coop = await coop_actor(conn)
        return await member_store.list_members(conn, coop.id)


async def find_member_in(conn: AsyncConnection, uris: Uris, reference: str) -> MemberRecord:
    """By member id, actor IRI, local username or the handle given when admitted."""
    ref = reference.strip()
    found = (
        await member_store.get_by_member_id(conn, ref)
        or await member_store.get_by_actor(conn, ref)
        or await member_store.get_by_handle(conn, ref)
        or await member_store.get_by_handle(conn, "acct:" + ref.lstrip("@"))
    )
    if found is None and "/" not in ref and "@" not in ref and ref:
        found = await member_store.get_by_actor(conn, uris.actor(ref))
    if found is None:
        raise NotFound(f"no member {reference!r}")
    return found


async def find_member(node: Node, reference: str) -> tuple[MemberRecord, list[MemberEvent]]:
    """A member and their history, oldest event first."""
    async with node.engine.connect() as conn:
        record = await find_member_in(conn, node.uris, reference)
        return record, await member_store.events_of(conn, record.row_id)


async def set_language(node: Node, reference: str, value: str) -> MemberRecord:
    """Store a member's language for them (`coopfed member language ID en|fr|default`)."""
    language = parse_choice(value)
    async with node.engine.begin() as conn:
        record = await find_member_in(conn, node.uris, reference)
        await member_store.set_language(conn, record.row_id, language)
        found = await member_store.get_by_row_id(conn, record.row_id)
    assert found is not None
    return found


async def change_status(node: Node, reference: str, status: MemberStatus) -> MemberRecord:
    """Suspend, reinstate, record leaving or expulsion; the history keeps every step."""
    now = node.now()
    async with node.engine.begin() as conn:
        record = await find_member_in(conn, node.uris, reference)
        if record.member.status is status:
            return record
        left_at = now if status in GONE else None
        await member_store.update_status(conn, record.row_id, status, left_at=left_at)
        detail = {"from": record.member.status.value, "to": status.value}
        await member_store.append_event(conn, record.row_id, "status_changed", detail, now)
        if status is not MemberStatus.ACTIVE:
            await end_sessions_of_actor(conn, node.uris, record.actor_uri)
        updated = await member_store.get_by_row_id(conn, record.row_id)
        assert updated is not None
        return updated
