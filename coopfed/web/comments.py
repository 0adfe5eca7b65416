"""A proposal's discussion on the site: members post comments; GET /comments/{id} serves a
site comment's Note to servers (same readers as its proposal, signed GETs for private ones).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.activitypub.vocab import PUBLIC
from coopfed.federation.mapping.comments import comment_to_note
from coopfed.node import Node
from coopfed.services import comments as comment_service
from coopfed.services.errors import NotFound, ServiceError
from coopfed.web.csrf import csrf_protected
from coopfed.web.errors import error_response
from coopfed.web.negotiation import activity_response
from coopfed.web.proposal_pages import proposal_page
from coopfed.web.sessions import require_member
from coopfed.web.state import node_of

# How a GET's signing actor is found (web/proposals.signing_actor, passed in to avoid a cycle).
SigningActor = Callable[[Node, Request], Awaitable[str | None]]


@csrf_protected
async def post_comment(request: Request, form: FormData) -> Response:
    viewer = await require_member(request)
    node = node_of(request)
    slug = request.path_params["slug"]
    text = form.get("comment")
    text = text if isinstance(text, str) else ""
    try:
        await comment_service.post_comment(node, slug, viewer.username, text)
    except NotFound:
        return error_response(404, "not_found", "no such proposal")
    except ServiceError as error:
        extra = {"comment_error": str(error), "comment_text": text}
        return await proposal_page(request, slug, extra, status=400)
    return RedirectResponse(f"/proposals/{slug}#discussion", status_code=303)


def make_routes(signing_actor: SigningActor) -> list[Route]:
    async def comment_note(request: Request) -> Response:
        """A site comment's Note; 404 for anyone who may not see its proposal."""
        node = node_of(request)
        reader = await signing_actor(node, request)
        try:
            note = await comment_service.served_comment(node, request.path_params["id"], reader)
        except NotFound:
            return error_response(404, "not_found", "no such comment")
        response = activity_response(comment_to_note(note))
        if note.to and PUBLIC not in note.to:
            response.headers["Cache-Control"] = "private, no-store"
        return response

    return [
        Route("/proposals/{slug}/comments", post_comment, methods=["POST"]),
        Route("/comments/{id}", comment_note, methods=["GET"]),
    ]
