"""The co-op's front page (its public profile) and the health check.

The front page says what the co-op is, who may apply and how (the membership principle: classes
open to applications, admission by an admin or a members' vote, shares required) and the
fediverse handle to follow.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from coopfed.services import node_info
from coopfed.services.membership_principle import principle_of
from coopfed.web.state import node_of
from coopfed.web.templating import render


async def home(request: Request) -> Response:
    node = node_of(request)
    principle = (await principle_of(node)).principle
    open_classes = [policy for policy in principle.classes if policy.open_to_applications]
    open_classes.sort(key=lambda policy: policy.name != principle.default_class)
    context = {
        "profile_url": node.uris.profile_page(node.settings.coop.handle),
        "principle": principle,
        "open_classes": open_classes,
    }
    return await render(request, "home.html", context)


async def healthz(request: Request) -> Response:
    ok = await node_info.database_ok(node_of(request))
    body = {"status": "ok" if ok else "unavailable", "database": ok}
    return JSONResponse(body, status_code=200 if ok else 503)


routes = [Route("/", home), Route("/healthz", healthz)]
