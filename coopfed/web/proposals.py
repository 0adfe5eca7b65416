"""`GET /proposals/{slug}`: the Question for servers, a page for browsers.

Members-only proposals are served only to signed GETs whose signing actor is a member (the
signature is verified with the inbox's key resolver); everyone else gets 404, as if the
proposal did not exist. Mastodon refetches a Question after its `endTime` for the final counts.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.federation.httpsig import SignatureError, verify_request
from coopfed.federation.keyresolver import NodeKeyResolver
from coopfed.federation.mapping.proposals import (
    Visibility,
    counts_visible,
    proposal_to_question,
)
from coopfed.federation.runtime import runtime_of
from coopfed.governance.canonical import rfc3339
from coopfed.node import Node
from coopfed.services import proposal_publishing
from coopfed.store import proposals as proposal_store
from coopfed.web.clientaddr import client_address
from coopfed.web.errors import error_response
from coopfed.web.negotiation import activity_response, wants_activity_json
from coopfed.web.state import node_of
from coopfed.web.templating import render


def _public_url(node: Node, request: Request) -> str:
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    url = node.uris.base + raw_path.decode("latin-1")
    query = request.scope.get("query_string", b"")
    return f"{url}?{query.decode('latin-1')}" if query else url


async def signing_actor(node: Node, request: Request) -> str | None:
    """The actor whose valid signature this GET carries, or None (unsigned or invalid)."""
    if "signature" not in request.headers and "signature-input" not in request.headers:
        return None
    client = client_address(request, node.settings.server.trusted_proxies)
    resolver = NodeKeyResolver(runtime_of(node), client)
    url = _public_url(node, request)
    try:
        verified = await verify_request("GET", url, request.headers, b"", resolver, node.now())
    except SignatureError:
        return None
    return verified.owner


async def proposal(request: Request) -> Response:
    node = node_of(request)
    slug = request.path_params["slug"]
    async with node.engine.connect() as conn:
        record = await proposal_store.get_by_slug(conn, slug)
        if record is None or record.proposal.opened_at is None:
            return error_response(404, "not_found", "no such proposal")  # drafts are private
        if record.visibility != Visibility.PUBLIC.value:
            actor = await signing_actor(node, request) if wants_activity_json(request) else None
            if not await proposal_publishing.may_see(conn, record, actor):
                return error_response(404, "not_found", "no such proposal")
        view = await proposal_publishing.proposal_view(conn, node.uris, record)
    if wants_activity_json(request):
        response = activity_response(proposal_to_question(view))
        if record.visibility != Visibility.PUBLIC.value:
            response.headers["Cache-Control"] = "private, no-store"
        return response
    context = {
        "proposal": view.proposal,
        "paragraphs": [p.strip() for p in view.body.split("\n\n") if p.strip()],
        "tally": view.tally if counts_visible(view.proposal) else None,
        "closes_at": rfc3339(view.proposal.closes_at) if view.proposal.closes_at else "",
        "status": view.proposal.status.value if view.proposal.status else None,
    }
    return await render(request, "proposal.html", context)


routes = [Route("/proposals/{slug}", proposal)]
