"""The sign-in rate limit: so many failures per address and per username within a window.

"Forgot your password?" requests are limited the same way (`ResetKeys`), counting every
request, not failures: whether an address is known must not change what is counted, or the
limit itself would tell. Their rows share the table under their own key prefixes.

Failures are rows in the database, so every web process of a node counts the same ones. Once
a key is over the limit the form answers 429 without checking the password (and without storing
more rows), until the oldest failure leaves the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from coopfed.node import Node
from coopfed.store import login_failures


@dataclass(frozen=True)
class LoginKeys:
    address: str
    username: str

    @property
    def all(self) -> list[str]:
        return [f"addr:{self.address}"[:300], f"user:{self.username}"[:300]]


def _window(node: Node) -> timedelta:
    return timedelta(minutes=node.settings.web.login_window_minutes)


async def is_blocked(node: Node, keys: LoginKeys) -> bool:
    since = node.now() - _window(node)
    limit = node.settings.web.login_max_failures
    async with node.engine.connect() as conn:
        for key in keys.all:
            if await login_failures.count_since(conn, key, since) >= limit:
                return True
    return False


async def note_failure(node: Node, keys: LoginKeys) -> None:
    now = node.now()
    async with node.engine.begin() as conn:
        await login_failures.record(conn, keys.all, now, forget_before=now - _window(node))


async def note_success(node: Node, keys: LoginKeys) -> None:
    # Only the username's failures are forgiven: a correct password for one's own account
    # must not reset the count of an address that is guessing at others.
    async with node.engine.begin() as conn:
        await login_failures.clear(conn, [keys.all[1]])


def retry_after_seconds(node: Node) -> int:
    return int(_window(node).total_seconds())


@dataclass(frozen=True)
class ResetKeys:
    """A reset request: per client address and per e-mail address asked for (so nobody's inbox
    can be flooded with reset mail from many addresses)."""

    address: str
    email: str

    @property
    def all(self) -> list[str]:
        return [f"reset-addr:{self.address}"[:300], f"reset-mail:{self.email}"[:300]]


async def reset_is_blocked(node: Node, keys: ResetKeys) -> bool:
    since = node.now() - _window(node)
    limit = node.settings.web.reset_max_per_window
    async with node.engine.connect() as conn:
        for key in keys.all:
            if await login_failures.count_since(conn, key, since) >= limit:
                return True
    return False


async def note_reset_request(node: Node, keys: ResetKeys) -> None:
    now = node.now()
    async with node.engine.begin() as conn:
        await login_failures.record(conn, keys.all, now, forget_before=now - _window(node))
