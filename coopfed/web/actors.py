"""Actor documents (ActivityStreams for servers) and profile pages (HTML for people)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.federation.mapping.actors import local_actor_to_ap
from coopfed.store import actors as actor_store
from coopfed.web.errors import error_response
from coopfed.web.negotiation import activity_response, wants_activity_json
from coopfed.web.state import node_of
from coopfed.web.templating import templates


async def actor(request: Request) -> Response:
    node = node_of(request)
    username = request.path_params["username"]
    async with node.engine.connect() as conn:
        found = await actor_store.get_local_actor(conn, username)
    if found is None:
        return error_response(404, "not_found", "no such actor")
    if not wants_activity_json(request):
        return RedirectResponse(node.uris.profile_page(username), status_code=303)
    document = local_actor_to_ap(
        found,
        node.uris,
        manually_approves_followers=node.settings.federation.manually_approves_followers,
    )
    return activity_response(document)


async def profile(request: Request) -> Response:
    node = node_of(request)
    username = request.path_params["username"]
    async with node.engine.connect() as conn:
        found = await actor_store.get_local_actor(conn, username)
    if found is None or found.kind == "instance":
        return templates.TemplateResponse(
            request, "not_found.html", {"coop": node.settings.coop}, status_code=404
        )
    if wants_activity_json(request):
        return RedirectResponse(node.uris.actor(username), status_code=303)
    context = {
        "coop": node.settings.coop,
        "actor": found,
        "handle": f"@{found.username}@{node.settings.domain}",
        "actor_url": node.uris.actor(username),
    }
    return templates.TemplateResponse(request, "profile.html", context)


routes = [
    Route("/actors/{username}", actor),
    Route("/@{username}", profile),
]
