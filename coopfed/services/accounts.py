"""Local people who sign in: creating accounts, checking passwords (argon2id), ending sessions.

Session cookies are stateless (`web.sessions`) but carry the account's session generation:
`end_sessions` raises it, and every cookie issued before stops working at its next request.
It is called on sign-out, when a member's membership ends or is suspended, and must be called
by anything that changes a password (`set_password`, `change_password`).

A local member added by an admin has a Person actor and no account until they set a password
from their invitation (`services.password_links`): the account is then made for that actor.
`create_local_account` refuses a taken username, so the public /apply form can never take over
such a member's actor; only `admin create` (a node admin) may `adopt_person`.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.node import Node
from coopfed.services.addresses import normalise_email
from coopfed.services.errors import NotFound, ServiceError
from coopfed.services.setup import create_actor_with_keys
from coopfed.store import actors as actor_store
from coopfed.uris import Uris

USERNAME_RE = re.compile(r"^[a-z0-9_]{1,30}$")
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A username or password that cannot be used; the message says why."""


def validate_username(username: str) -> str:
    if not USERNAME_RE.fullmatch(username):
        raise AccountError(
            f"{username!r} is not a valid username (1-30 characters: lowercase letters, digits, _)"
        )
    return username


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password


def validate_email(address: str) -> str:
    """The address as stored (`addresses.normalise_email`: `members.email` is unique that way)."""
    try:
        return normalise_email(address)
    except ServiceError as refused:
        raise AccountError(f"{address.strip()!r} is not an e-mail address: {refused}") from None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def create_local_account(
    conn: AsyncConnection,
    *,
    username: str,
    password: str,
    is_admin: bool,
    now: datetime,
    display_name: str = "",
    adopt_person: bool = False,
) -> actor_store.Account:
    """A new account, with a new Person actor; with `adopt_person`, a Person actor that has no
    account yet (a member added by an admin) gets it instead of the name counting as taken."""
    validate_username(username)
    validate_password(password)
    actor = await actor_store.get_local_actor(conn, username)
    if actor is not None:
        taken = not adopt_person or actor.kind != "person"
        if taken or await actor_store.get_account(conn, username) is not None:
            raise AccountError(f"the username {username!r} is already taken")
    else:
        actor = await create_actor_with_keys(
            conn, username=username, kind="person", display_name=display_name, summary="", now=now
        )
    await actor_store.insert_account(
        conn, actor_id=actor.id, password_hash=hash_password(password), is_admin=is_admin, now=now
    )
    account = await actor_store.get_account(conn, username)
    assert account is not None
    return account


async def set_password(
    conn: AsyncConnection, username: str, password_hash: str, now: datetime
) -> actor_store.Account:
    """Give the local person `username` this password (hashed by the caller, outside the
    transaction: argon2 is slow on purpose), making their account if they have none; every
    earlier session ends."""
    account = await actor_store.get_account(conn, username)
    if account is None:
        actor = await actor_store.get_local_actor(conn, username)
        if actor is None or actor.kind != "person":
            raise NotFound(f"no local person {username!r}")
        await actor_store.insert_account(
            conn, actor_id=actor.id, password_hash=password_hash, is_admin=False, now=now
        )
    else:
        await actor_store.set_password_hash(conn, account.id, password_hash)
        await end_sessions(conn, account.id)
    found = await actor_store.get_account(conn, username)
    assert found is not None
    return found


async def change_password(
    node: Node, account_id: int, current: str, new: str
) -> actor_store.Account:
    """A signed-in person changes their password: the current one is asked for (a borrowed,
    still signed-in browser must not lock its owner out); every session ends, the caller
    starts a new one for the browser that asked."""
    validate_password(new)
    async with node.engine.connect() as conn:
        account = await actor_store.get_account_by_id(conn, account_id)
    if account is None:
        raise NotFound("this account no longer exists")
    if not await asyncio.to_thread(password_matches, account.password_hash, current):
        raise AccountError("the current password is not right")
    new_hash = await asyncio.to_thread(hash_password, new)
    async with node.engine.begin() as conn:
        return await set_password(conn, account.username, new_hash, node.now())


async def set_admin(node: Node, username: str, is_admin: bool) -> actor_store.Account:
    """Grant or revoke admin rights (`coopfed admin grant|revoke`, the admin member page).
    The last admin cannot be revoked: nobody could grant the rights again but on the CLI."""
    async with node.engine.begin() as conn:
        account = await actor_store.get_account(conn, username)
        if account is None:
            if await actor_store.get_local_actor(conn, username) is not None:
                raise ServiceError(
                    f"{username} has no account yet: `coopfed member invite {username}` sends"
                    " a link to set a password"
                )
            raise NotFound(f"no local account {username!r}")
        if account.is_admin == is_admin:
            return account
        if not is_admin and await actor_store.count_admins(conn) <= 1:
            raise ServiceError(f"{username} is the only admin: grant another admin first")
        await actor_store.set_admin(conn, account.id, is_admin)
        changed = await actor_store.get_account(conn, username)
        assert changed is not None
        return changed


async def end_sessions(conn: AsyncConnection, account_id: int) -> None:
    """End every session of the account, in the caller's transaction (issue 13, hole 6)."""
    await actor_store.bump_session_generation(conn, account_id)


async def sign_out(node: Node, account_id: int) -> None:
    """Sign-out: not only this browser's cookie, every earlier copy of it too."""
    async with node.engine.begin() as conn:
        await end_sessions(conn, account_id)


def local_username(uris: Uris, actor_uri: str) -> str | None:
    """The username when `actor_uri` is one of this node's actors, else None."""
    prefix = uris.actor("")
    username = actor_uri[len(prefix) :] if actor_uri.startswith(prefix) else ""
    if not username or uris.actor(username) != actor_uri:
        return None
    return username


async def end_sessions_of_actor(conn: AsyncConnection, uris: Uris, actor_uri: str) -> bool:
    """`end_sessions` for the account whose actor is `actor_uri`, if it is one of ours (remote
    members sign in elsewhere); True when there was one."""
    username = local_username(uris, actor_uri)
    if username is None:
        return False
    account = await actor_store.get_account(conn, username)
    if account is None:
        return False
    await end_sessions(conn, account.id)
    return True
