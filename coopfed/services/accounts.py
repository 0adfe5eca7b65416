"""Local people who sign in: creating accounts, checking passwords (argon2id), ending sessions.

Session cookies are stateless (`web.sessions`) but carry the account's session generation:
`end_sessions` raises it, and every cookie issued before stops working at its next request.
It is called on sign-out, when a member's membership ends or is suspended, and must be called
by anything that changes a password.
"""

from __future__ import annotations

import re
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncConnection

from coopfed.node import Node
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
) -> actor_store.Account:
    validate_username(username)
    validate_password(password)
    if await actor_store.get_local_actor(conn, username) is not None:
        raise AccountError(f"the username {username!r} is already taken")
    actor = await create_actor_with_keys(
        conn, username=username, kind="person", display_name=display_name, summary="", now=now
    )
    await actor_store.insert_account(
        conn, actor_id=actor.id, password_hash=hash_password(password), is_admin=is_admin, now=now
    )
    account = await actor_store.get_account(conn, username)
    assert account is not None
    return account


async def end_sessions(conn: AsyncConnection, account_id: int) -> None:
    """End every session of the account, in the caller's transaction (issue 13, hole 6)."""
    await actor_store.bump_session_generation(conn, account_id)


async def sign_out(node: Node, account_id: int) -> None:
    """Sign-out: not only this browser's cookie, every earlier copy of it too."""
    async with node.engine.begin() as conn:
        await end_sessions(conn, account_id)


async def end_sessions_of_actor(conn: AsyncConnection, uris: Uris, actor_uri: str) -> bool:
    """`end_sessions` for the account whose actor is `actor_uri`, if it is one of ours (remote
    members sign in elsewhere); True when there was one."""
    prefix = uris.actor("")
    username = actor_uri[len(prefix) :] if actor_uri.startswith(prefix) else ""
    if not username or uris.actor(username) != actor_uri:
        return False
    account = await actor_store.get_account(conn, username)
    if account is None:
        return False
    await end_sessions(conn, account.id)
    return True
