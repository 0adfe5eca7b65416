"""`GET /admin/deliveries`: what the node sent and where it stands (pending, failing, parked).

Read through the same store listing as `coopfed deliveries`, with the same shown states:
failing = tried and due again; parked = not retried until an operator acts (governance
deliveries past the retry horizon show as parked but are still retried every 12 h).
A separate section lists the recipients not yet reachable (addressed actors whose document
could not be fetched, as `coopfed deliveries recipients`): waiting, or parked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.activitypub.backoff import RetryPolicy, is_overdue
from coopfed.governance.canonical import rfc3339
from coopfed.store import deliveries as delivery_store
from coopfed.store import pending_recipients as recipient_store
from coopfed.store.deliveries import DeliveryRow, DeliveryState
from coopfed.store.pending_recipients import WaitingRow
from coopfed.web.sessions import require_admin
from coopfed.web.state import node_of
from coopfed.web.templating import render

SHOWN = ("pending", "failing", "parked")  # shown words, derived from the stored DeliveryState
LISTED = (DeliveryState.PENDING, DeliveryState.PARKED)
LIMIT = 200


@dataclass(frozen=True)
class ShownDelivery:
    row: DeliveryRow
    state: str
    still_retried: bool
    next_attempt: str | None


@dataclass(frozen=True)
class ShownRecipient:
    row: WaitingRow
    state: str  # waiting (fetched again at its next attempt) | parked

    @property
    def next_attempt(self) -> str | None:
        return rfc3339(self.row.next_attempt_at) if self.state == "waiting" else None


def shown(row: DeliveryRow, policy: RetryPolicy, now: datetime) -> ShownDelivery:
    if row.state != DeliveryState.PENDING:
        return ShownDelivery(row, row.state, False, None)
    next_at = rfc3339(row.next_attempt_at)
    if is_overdue(policy, row.attempts, row.created_at, now, row.governance):
        return ShownDelivery(row, "parked", True, next_at)
    return ShownDelivery(row, "failing" if row.attempts else "pending", True, next_at)


async def deliveries_page(request: Request) -> Response:
    await require_admin(request)
    node = node_of(request)
    policy = RetryPolicy(time_scale=node.settings.worker.retry_time_scale)
    now = node.now()
    async with node.engine.connect() as conn:
        rows = await delivery_store.list_deliveries(conn, states=LISTED, limit=LIMIT)
        waiting = await recipient_store.list_waiting(conn, states=LISTED, limit=LIMIT)
    items = [shown(row, policy, now) for row in rows]
    groups = [(state, [item for item in items if item.state == state]) for state in SHOWN]
    recipients = [
        ShownRecipient(row, "waiting" if row.state == DeliveryState.PENDING else "parked")
        for row in waiting
    ]
    context = {"groups": groups, "limit": LIMIT, "total": len(items), "recipients": recipients}
    return await render(request, "admin/deliveries.html", context)


routes = [Route("/admin/deliveries", deliveries_page, methods=["GET"])]
