"""`services.notifications.prune_told_events`, run by the worker job `notifications`: once a
day, events told more than EVENT_RETENTION ago are forgotten — never one that could be told
again (its (kind, subject) row is what stops a second telling)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Table, func, select

from coopfed.node import Node
from coopfed.services import proposals
from coopfed.services.notifications import EVENT_RETENTION, RESULT_WINDOW, send_due_notifications
from coopfed.store import members as member_store
from coopfed.store import notifications as store
from coopfed.store.tables import notification_events, outgoing_mail
from coopfed.store.tables import notifications as notification_rows
from tests.support.governance import add_locals, open_yes_no, use_clock


async def _count(node: Node, table: Table) -> int:
    async with node.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_old_events_go_once_a_day_and_nothing_is_told_twice(node: Node) -> None:
    assert EVENT_RETENTION > RESULT_WINDOW  # else a result could be listed after its row went
    clock = use_clock(node)
    (alice,) = await add_locals(node, "alice")
    async with node.engine.begin() as conn:
        await member_store.set_email(conn, alice.row_id, "alice@example.org")
    decided = await open_yes_no(node, title="Decided")
    await proposals.close_proposal(node, decided.slug, closed_by="test")
    long_vote = await open_yes_no(node, title="Long", duration=timedelta(days=200))
    await send_due_notifications(node)
    mails = await _count(node, outgoing_mail)
    assert mails == 2  # the long vote's opening, the other's result (it closed before)
    async with node.engine.connect() as conn:
        assert await store.event_claimed(conn, "prune", clock.now.date().isoformat())

    clock.advance(days=91)
    # The decided proposal's result, and day one's prune marker (a past day's marker is never
    # asked for again).
    assert await send_due_notifications(node) == 2
    async with node.engine.connect() as conn:
        assert not await store.event_claimed(conn, "result", decided.uri)
        assert await store.event_claimed(conn, "opened", long_vote.uri)  # it may still be told
    assert await _count(node, notification_rows) == 1  # long_vote's opening, to alice
    assert await _count(node, notification_events) == 2  # and today's marker
    assert await send_due_notifications(node) == 0  # once a day, and no one told twice
    assert await _count(node, outgoing_mail) == mails
