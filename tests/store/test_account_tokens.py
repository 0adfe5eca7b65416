"""`store.account_tokens`: lookup by hash, single use by a conditional UPDATE, expiring a
member's unused links by purpose; on both databases."""

from __future__ import annotations

from datetime import timedelta

from coopfed.node import Node
from coopfed.store import account_tokens as token_store
from tests.support.governance import add_locals


async def test_single_use_and_expiry_by_purpose(node: Node) -> None:
    [erin] = await add_locals(node, "erin")
    now = node.now()
    later = now + timedelta(hours=1)
    async with node.engine.begin() as conn:
        ids = {}
        for name, purpose in (("a", "invite"), ("b", "reset"), ("c", "reset")):
            ids[name] = await token_store.insert_token(
                conn,
                token_hash=name * 64,
                purpose=purpose,
                member_row_id=erin.row_id,
                expires_at=later,
                now=now,
            )
        assert await token_store.mark_used(conn, ids["c"], now)
        assert not await token_store.mark_used(conn, ids["c"], now)  # the second use loses
        assert await token_store.expire_unused(conn, erin.row_id, ["reset"], now) == 1
    async with node.engine.connect() as conn:
        invite = await token_store.get_by_hash(conn, "a" * 64)
        reset = await token_store.get_by_hash(conn, "b" * 64)
        used = await token_store.get_by_hash(conn, "c" * 64)
        assert await token_store.get_by_hash(conn, "d" * 64) is None
    assert invite is not None and invite.purpose == "invite" and invite.expires_at == later
    assert reset is not None and reset.expires_at == now and reset.used_at is None
    assert used is not None and used.used_at == now and used.expires_at == later
