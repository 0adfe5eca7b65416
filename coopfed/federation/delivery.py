"""Worker job: deliver queued outbox rows, signed, with retries and per-host limits.

Being built (issue 3): until then it delivers nothing.
"""

from __future__ import annotations

from coopfed.node import Node


async def deliver_batch(node: Node) -> int:
    return 0
