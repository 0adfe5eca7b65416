"""The co-op's front page and the health check."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from coopfed.services import node_info
from coopfed.web.state import node_of
from coopfed.web.templating import render


async def home(request: Request) -> Response:
    node = node_of(request)
    context = {"profile_url": node.uris.profile_page(node.settings.coop.handle)}
    return await render(request, "home.html", context)


async def healthz(request: Request) -> Response:
    ok = await node_info.database_ok(node_of(request))
    body = {"status": "ok" if ok else "unavailable", "database": ok}
    return JSONResponse(body, status_code=200 if ok else 503)


routes = [Route("/", home), Route("/healthz", healthz)]
