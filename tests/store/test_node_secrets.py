"""Node secrets: generated once, then the same value for every caller."""

from __future__ import annotations

import asyncio
import functools

from coopfed.node import Node
from coopfed.store.node_secrets import get_or_create_secret


async def test_the_first_value_stays(node: Node) -> None:
    first = await get_or_create_secret(node.engine, "k", lambda: "one", node.now())
    second = await get_or_create_secret(node.engine, "k", lambda: "two", node.now())
    assert first == second == "one"
    assert await get_or_create_secret(node.engine, "other", lambda: "x", node.now()) == "x"


async def test_racing_processes_agree(node: Node) -> None:
    other = Node.from_settings(node.settings)
    try:
        values = await asyncio.gather(
            *(
                get_or_create_secret(engine, "race", functools.partial(str, f"v{n}"), node.now())
                for n, engine in enumerate([node.engine, other.engine] * 3)
            )
        )
    finally:
        await other.close()
    assert len(set(values)) == 1
