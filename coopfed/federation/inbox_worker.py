"""Worker job: process committed inbox items (dispatch by activity and object type).

Being built (issue 3): until then it handles nothing.
"""

from __future__ import annotations

from coopfed.node import Node


async def process_inbox_batch(node: Node) -> int:
    return 0
