"""`GET /members/{member_id}`: a member record with its history (ActivityStreams JSON).

Seen by whom the membership principle allows for the roll (public, members, allies); anyone
else gets 404, as if there were no such member.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.federation.mapping.membership import member_record_to_ap
from coopfed.governance.canonical import rfc3339
from coopfed.governance.membership import RollVisibility
from coopfed.services import audience
from coopfed.services.membership_publishing import member_view
from coopfed.store import actors as actor_store
from coopfed.store import members as member_store
from coopfed.web.errors import error_response
from coopfed.web.negotiation import activity_response
from coopfed.web.proposals import signing_actor
from coopfed.web.state import node_of


async def member_record(request: Request) -> Response:
    node = node_of(request)
    async with node.engine.connect() as conn:
        coop = await actor_store.get_actor_of_kind(conn, "coop")
        record = await member_store.get_by_member_id(conn, request.path_params["member_id"])
        if coop is None or record is None:
            return error_response(404, "not_found", "no such member")
        visibility = await audience.roll_visibility(conn, coop.id)
        if visibility is not RollVisibility.PUBLIC:
            viewer = await signing_actor(node, request)
            if not await audience.may_see_roll(conn, coop, viewer):
                return error_response(404, "not_found", "no such member")
        events = await member_store.events_of(conn, record.row_id)
    history = [{"kind": e.kind, "at": rfc3339(e.at), "detail": dict(e.detail)} for e in events]
    document = member_record_to_ap(
        member_view(node.uris, record), node.uris.actor(coop.username), history
    )
    response = activity_response(document)
    if visibility is not RollVisibility.PUBLIC:
        response.headers["Cache-Control"] = "private, no-store"
    return response


routes = [Route("/members/{member_id}", member_record, methods=["GET"])]
