"""After the decision, and before the opening: the outcome statement a proposer or an admin
writes on a decided proposal (`POST /proposals/{slug}/outcome`, and its Note at the same IRI
for servers), and an admin's edit of a draft's title and text (`POST /proposals/{slug}/edit`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.activitypub.vocab import PUBLIC
from coopfed.federation.mapping.discussions import group_note
from coopfed.node import Node
from coopfed.services import outcomes
from coopfed.services import proposals as proposal_service
from coopfed.services.errors import NotFound, ServiceError
from coopfed.web.csrf import csrf_protected
from coopfed.web.errors import error_response
from coopfed.web.negotiation import activity_response, wants_activity_json
from coopfed.web.proposal_pages import proposal_page
from coopfed.web.sessions import require_admin, require_member
from coopfed.web.state import node_of

SigningActor = Callable[[Node, Request], Awaitable[str | None]]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@csrf_protected
async def write_outcome(request: Request, form: FormData) -> Response:
    viewer = await require_member(request)
    node = node_of(request)
    slug = request.path_params["slug"]
    text = _text(form, "outcome")
    try:
        await outcomes.write_outcome(
            node, slug, actor=node.uris.actor(viewer.username), is_admin=viewer.is_admin, text=text
        )
    except NotFound:
        return error_response(404, "not_found", "no such proposal")
    except ServiceError as error:
        extra = {"outcome_error": str(error), "outcome_text": text}
        return await proposal_page(request, slug, extra, status=400)
    return RedirectResponse(f"/proposals/{slug}#outcome", status_code=303)


@csrf_protected
async def edit_draft(request: Request, form: FormData) -> Response:
    viewer = await require_admin(request)
    node = node_of(request)
    slug = request.path_params["slug"]
    title, body = _text(form, "title"), _text(form, "body")
    try:
        await proposal_service.edit_draft(
            node, slug, title=title, body=body, by=node.uris.actor(viewer.username)
        )
    except NotFound:
        return error_response(404, "not_found", "no such proposal")
    except ServiceError as error:
        extra = {"edit_error": str(error), "edit_title": title, "edit_body": body}
        return await proposal_page(request, slug, extra, status=400)
    return RedirectResponse(f"/proposals/{slug}", status_code=303)


def make_routes(signing_actor: SigningActor) -> list[Route]:
    async def outcome_note(request: Request) -> Response:
        """The Group's Note for servers (the proposal's readers); browsers go to the page."""
        slug = request.path_params["slug"]
        if not wants_activity_json(request):
            return RedirectResponse(f"/proposals/{slug}#outcome", status_code=303)
        node = node_of(request)
        reader = await signing_actor(node, request)
        try:
            note = await outcomes.served_outcome(node, slug, reader)
        except NotFound:
            return error_response(404, "not_found", "no such outcome statement")
        response = activity_response(group_note(note))
        if PUBLIC not in note.to:
            response.headers["Cache-Control"] = "private, no-store"
        return response

    return [
        Route("/proposals/{slug}/outcome", write_outcome, methods=["POST"]),
        Route("/proposals/{slug}/outcome", outcome_note, methods=["GET"]),
        Route("/proposals/{slug}/edit", edit_draft, methods=["POST"]),
    ]
