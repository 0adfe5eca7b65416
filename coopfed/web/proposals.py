"""`GET /proposals/{slug}`: the Question for servers, a page for browsers.

Browsers get the site's page (web/proposal_pages.py); this module also gathers the routes of
the proposal pages, voting, the create form and admin actions, and the deliveries page (and
importing `me_ballots` adds "Your ballots" to /me).

Members-only proposals are served only to signed GETs whose signing actor is a member (the
signature is verified with the inbox's key resolver); everyone else gets 404, as if the
proposal did not exist. A joint proposal hosted here shares the IRI space and is served the
same way, to signed GETs from its project's member co-ops' nodes (FEDERATION.md "Shared
projects"). Mastodon refetches a Question after its `endTime` for the final counts.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.activitypub.httpsig import SignatureError, verify_request
from coopfed.federation.keyresolver import NodeKeyResolver
from coopfed.federation.mapping.proposals import Visibility
from coopfed.node import Node
from coopfed.services import audience, joint_proposals, proposal_publishing
from coopfed.store import proposals as proposal_store
from coopfed.store.joint import JointProposal
from coopfed.store.proposals import ProposalRecord
from coopfed.web import (
    comment_moderation,
    comments,
    delivery_status,
    discussions,
    outcomes,
    proposal_admin,
    proposal_pages,
    publication,
    voting,
)
from coopfed.web import me_ballots as me_ballots  # registers "Your ballots" on /me
from coopfed.web.clientaddr import client_of
from coopfed.web.errors import error_response
from coopfed.web.negotiation import activity_response, wants_activity_json
from coopfed.web.proposal_pages import proposal_page
from coopfed.web.state import node_of


def _public_url(node: Node, request: Request) -> str:
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    url = node.uris.base + raw_path.decode("latin-1")
    query = request.scope.get("query_string", b"")
    return f"{url}?{query.decode('latin-1')}" if query else url


async def signing_actor(node: Node, request: Request) -> str | None:
    """The actor whose valid signature this GET carries, or None (unsigned or invalid)."""
    if "signature" not in request.headers and "signature-input" not in request.headers:
        return None
    client = client_of(request)
    resolver = NodeKeyResolver(node.federation, client)
    url = _public_url(node, request)
    try:
        verified = await verify_request("GET", url, request.headers, b"", resolver, node.now())
    except SignatureError:
        return None
    return verified.owner


async def _joint_proposal(node: Node, request: Request, joint: JointProposal) -> Response:
    """A joint proposal hosted here shares the IRI space: only its project's co-ops see it."""
    reader = await signing_actor(node, request)  # may fetch a key: no connection held meanwhile
    document = joint_proposals.hosted_document(joint, reader)
    if document is None:
        return error_response(404, "not_found", "no such proposal")
    response = activity_response(document)
    response.headers["Cache-Control"] = "private, no-store"
    return response


async def _question(
    node: Node, request: Request, conn: AsyncConnection, record: ProposalRecord
) -> Response:
    if record.proposal.opened_at is None:
        return error_response(404, "not_found", "no such proposal")  # drafts are private
    if record.visibility != Visibility.PUBLIC.value:
        actor = await signing_actor(node, request)
        if not await audience.may_see_proposal(conn, record, actor):
            return error_response(404, "not_found", "no such proposal")
    else:
        actor = None  # public: the same document for everyone, no signature checked
    question = await proposal_publishing.served_question(conn, node.uris, record, actor)
    response = activity_response(question)
    if record.visibility != Visibility.PUBLIC.value:
        response.headers["Cache-Control"] = "private, no-store"
    return response


async def proposal(request: Request) -> Response:
    node = node_of(request)
    slug = request.path_params["slug"]
    if not wants_activity_json(request):
        return await proposal_page(request, slug)  # the browser's rules: sessions, not signatures
    async with node.engine.connect() as conn:
        record = await proposal_store.get_by_slug(conn, slug)
        if record is not None:
            return await _question(node, request, conn, record)
        joint = await joint_proposals.hosted_joint(conn, node.uris.proposal(slug))
    if joint is None:  # an unknown IRI: no signature to verify, no key to fetch
        return error_response(404, "not_found", "no such proposal")
    return await _joint_proposal(node, request, joint)


# The site's own proposal routes come first: `/proposals/new` before `/proposals/{slug}`.
routes = [
    *proposal_admin.routes,
    *voting.routes,
    *proposal_pages.routes,
    *delivery_status.routes,
    *publication.make_routes(signing_actor),
    *comments.make_routes(signing_actor),
    *outcomes.make_routes(signing_actor),
    *discussions.make_routes(signing_actor),
    *comment_moderation.routes,
    Route("/proposals/{slug}", proposal),
]
