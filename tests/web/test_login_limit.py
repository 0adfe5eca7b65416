"""The sign-in rate limit, per address and per username, shared through the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from coopfed.node import Node
from coopfed.web.login_limit import LoginKeys, is_blocked, note_failure, note_success


def fixed(at: datetime) -> Callable[[], datetime]:
    return lambda: at


async def test_blocked_after_the_limit_on_either_key(node: Node) -> None:
    keys = LoginKeys(address="203.0.113.1", username="ada")
    for _ in range(4):
        await note_failure(node, keys)
    assert not await is_blocked(node, keys)
    await note_failure(node, keys)
    assert await is_blocked(node, keys)
    assert await is_blocked(node, LoginKeys(address="203.0.113.1", username="other"))
    assert await is_blocked(node, LoginKeys(address="198.51.100.2", username="ada"))
    assert not await is_blocked(node, LoginKeys(address="198.51.100.2", username="other"))


async def test_success_forgives_the_username_not_the_address(node: Node) -> None:
    keys = LoginKeys(address="203.0.113.1", username="ada")
    for _ in range(5):
        await note_failure(node, keys)
    await note_success(node, keys)
    assert not await is_blocked(node, LoginKeys(address="198.51.100.2", username="ada"))
    assert await is_blocked(node, LoginKeys(address="203.0.113.1", username="bea"))


async def test_failures_leave_the_window(node: Node) -> None:
    keys = LoginKeys(address="203.0.113.1", username="ada")
    start = node.now()
    for minute in range(5):
        node.clock = fixed(start + timedelta(minutes=minute))
        await note_failure(node, keys)
    node.clock = lambda: start + timedelta(minutes=14)
    assert await is_blocked(node, keys)
    node.clock = lambda: start + timedelta(minutes=15, seconds=1)
    assert not await is_blocked(node, keys)  # the first failure has left the 15-minute window


async def test_reset_requests_count_apart_from_sign_in_failures(node: Node) -> None:
    from coopfed.web.login_limit import ResetKeys, note_reset_request, reset_is_blocked

    reset = ResetKeys(address="203.0.113.1", email="ada@example.org")
    for _ in range(5):
        assert not await reset_is_blocked(node, reset)
        await note_reset_request(node, reset)
    assert await reset_is_blocked(node, reset)
    assert await reset_is_blocked(node, ResetKeys("198.51.100.2", "ada@example.org"))
    assert not await reset_is_blocked(node, ResetKeys("198.51.100.2", "bea@example.org"))
    # Five reset requests are not five failed sign-ins from that address.
    assert not await is_blocked(node, LoginKeys(address="203.0.113.1", username="ada"))
