"""The admin area: only what works today (node facts, accounts, federation queue states,
equivocating peers)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.services.equivocations import list_equivocations
from coopfed.store import comment_reports, overview
from coopfed.store.db import is_sqlite
from coopfed.web.sessions import require_admin
from coopfed.web.state import node_of
from coopfed.web.templating import render


async def admin_home(request: Request) -> Response:
    await require_admin(request)
    node = node_of(request)
    async with node.engine.connect() as conn:
        accounts = await overview.list_accounts(conn)
        open_reports = await comment_reports.count_open(conn)
        queues = [
            ("Deliveries", await overview.delivery_states(conn)),
            ("Inbox", await overview.inbox_states(conn)),
        ]
    context = {
        "base_url": node.settings.base_url,
        "database_kind": "SQLite" if is_sqlite(node.settings.database_url) else "PostgreSQL",
        "accounts": accounts,
        "queues": queues,
        "equivocations": await list_equivocations(node),
        "open_reports": open_reports,
    }
    return await render(request, "admin.html", context)


routes = [Route("/admin", admin_home, methods=["GET"])]
