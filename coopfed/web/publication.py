"""`GET /proposals/{slug}/bundle|ballots|electorate|record`: a decided proposal's published
result, for `coopfed verify` and anyone else who wants to recompute it.

The bundle is one JSON document (services/publication.py); the other three are
ActivityStreams views of its parts, linked from the Question. A proposal that is not decided,
or that the reader may not see (the Question's own rule, signed GETs for members-only), is 404.
A joint proposal hosted here has only `/bundle` (services.joint_proposals.joint_bundle), for
the project's co-ops.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.federation.mapping import publication as mapping
from coopfed.federation.mapping.proposals import Visibility
from coopfed.node import Node
from coopfed.services import joint_proposals, publication
from coopfed.store import proposals as proposal_store
from coopfed.store.joint import JointProposal
from coopfed.web.errors import error_response
from coopfed.web.negotiation import activity_response
from coopfed.web.state import node_of

Shape = Callable[[str, dict[str, Any]], dict[str, Any]]
# web/proposals.py's `signing_actor`: the Question's reader, passed in (it imports this module).
ReaderOf = Callable[[Node, Request], Awaitable[str | None]]


async def _serve(request: Request, shape: Shape, signing_actor: ReaderOf) -> Response:
    node = node_of(request)
    slug = request.path_params["slug"]
    async with node.engine.connect() as conn:
        record = await proposal_store.get_by_slug(conn, slug)
        joint = None
        if record is None and shape is _bundle:  # a joint proposal hosted here: its bundle
            joint = await joint_proposals.hosted_joint(conn, node.uris.proposal(slug))
    if joint is not None:
        return await _joint_bundle(node, request, joint, signing_actor)
    if record is None:
        return error_response(404, "not_found", "no such decided proposal")
    reader = await signing_actor(node, request)  # may fetch a key: no connection held
    async with node.engine.connect() as conn:
        bundle = await publication.readable_bundle(conn, node.uris, record, reader)
    if bundle is None:
        return error_response(404, "not_found", "no such decided proposal")
    response = activity_response(shape(str(request.url.path), bundle))
    if record.visibility != Visibility.PUBLIC.value:
        response.headers["Cache-Control"] = "private, no-store"
    return response


async def _joint_bundle(
    node: Node, request: Request, joint: JointProposal, signing_actor: ReaderOf
) -> Response:
    """A decided joint proposal's bundle, to the same readers as its IRI (signed GETs from
    its project's co-ops' nodes); 404 for anyone else and while undecided."""
    reader = await signing_actor(node, request)  # may fetch a key: no connection held
    async with node.engine.connect() as conn:
        bundle = await joint_proposals.joint_bundle(conn, node, joint, reader)
    if bundle is None:
        return error_response(404, "not_found", "no such decided proposal")
    response = activity_response(bundle)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _bundle(_path: str, bundle: dict[str, Any]) -> dict[str, Any]:
    return bundle


def _ballots(_path: str, bundle: dict[str, Any]) -> dict[str, Any]:
    return mapping.ballots_collection(bundle)


def _electorate(_path: str, bundle: dict[str, Any]) -> dict[str, Any]:
    return mapping.electorate_collection(bundle)


def _record(_path: str, bundle: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = bundle["record_document"]  # signed by the co-op
    return document


SHAPES: dict[str, Shape] = {
    "bundle": _bundle,
    "ballots": _ballots,
    "electorate": _electorate,
    "record": _record,
}


def _route(suffix: str, shape: Shape, signing_actor: ReaderOf) -> Route:
    async def endpoint(request: Request) -> Response:
        return await _serve(request, shape, signing_actor)

    return Route(f"/proposals/{{slug}}/{suffix}", endpoint, methods=["GET"])


def make_routes(signing_actor: ReaderOf) -> list[Route]:
    return [_route(suffix, shape, signing_actor) for suffix, shape in SHAPES.items()]
