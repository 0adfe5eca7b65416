"""The /apply rate limit: so many applications posted per client address within a window.

Every application posted counts (each one that passes the form's checks hashes a password and
may create an account), refused or not. Attempts are rows in the database, so every web
process of a node counts the same ones; over the limit the form answers 429 without looking
at what was posted, and stores nothing more, until the oldest attempt leaves the window.
"""

from __future__ import annotations

from datetime import timedelta

from coopfed.node import Node
from coopfed.store import apply_attempts


def _window(node: Node) -> timedelta:
    return timedelta(minutes=node.settings.web.apply_window_minutes)


def _key(address: str) -> str:
    return address[:300]


async def is_blocked(node: Node, address: str) -> bool:
    since = node.now() - _window(node)
    async with node.engine.connect() as conn:
        count = await apply_attempts.count_since(conn, _key(address), since)
    return count >= node.settings.web.apply_max_per_window


async def note_attempt(node: Node, address: str) -> None:
    now = node.now()
    async with node.engine.begin() as conn:
        await apply_attempts.record(conn, _key(address), now, forget_before=now - _window(node))


def retry_after_seconds(node: Node) -> int:
    return int(_window(node).total_seconds())
