"""Reading the password links the node queued (invitations, resets) out of its mail queue."""

from __future__ import annotations

import re

from sqlalchemy import select

from coopfed.node import Node
from coopfed.store.tables import outgoing_mail

LINK = re.compile(r"https?://[^/\s]+/password/([A-Za-z0-9_-]{43})")


async def queued(node: Node) -> list[tuple[str, str, str]]:
    """(to, kind, plain text) of every queued message, oldest first."""
    query = select(
        outgoing_mail.c.to_address, outgoing_mail.c.kind, outgoing_mail.c.text_body
    ).order_by(outgoing_mail.c.id)
    async with node.engine.connect() as conn:
        return [(row[0], row[1], row[2]) for row in (await conn.execute(query)).all()]


def link_in(text: str) -> str:
    found = LINK.search(text)
    assert found, f"no password link in {text!r}"
    return found.group(1)


async def last_link(node: Node) -> str:
    """The secret of the newest queued message's password link."""
    messages = await queued(node)
    assert messages, "no mail was queued"
    return link_in(messages[-1][2])
