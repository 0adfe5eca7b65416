"""Discussions on the site (issue 16): `/discussions` (the list and the "Start a discussion"
form for members), `/discussions/{id}` (the thread and its comment form for browsers, the
Group's Note for servers), comments, and turning a discussion into a draft proposal.

Who sees which discussion is services/audience.py's rule, through services/discussions.py:
an unknown discussion and one the reader may not see are the same 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.activitypub.vocab import PUBLIC
from coopfed.federation.mapping.comments import comment_to_note
from coopfed.federation.mapping.discussions import group_note
from coopfed.governance.proposal import VISIBILITIES
from coopfed.governance.proposal_text import paragraphs
from coopfed.node import Node
from coopfed.services import discussions as discussion_service
from coopfed.services.errors import NotFound, ServiceError
from coopfed.web.csrf import csrf_protected
from coopfed.web.errors import error_response
from coopfed.web.negotiation import activity_response, wants_activity_json
from coopfed.web.sessions import current_viewer, require_member
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import N_, page_translator

SigningActor = Callable[[Node, Request], Awaitable[str | None]]
VISIBILITY_LABELS = {
    "public": N_("Everyone"),
    "members": N_("Members only"),
    "allies": N_("Allied co-ops"),
}


async def _reader(request: Request) -> tuple[str | None, bool]:
    viewer = await current_viewer(request)
    if viewer is None:
        return None, False
    return node_of(request).uris.actor(viewer.username), viewer.is_admin


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def discussion_list(request: Request) -> Response:
    actor, is_admin = await _reader(request)
    items = await discussion_service.list_for(node_of(request), actor, is_admin)
    return await render(request, "discussions/list.html", {"discussions": items})


async def _new_page(
    request: Request, values: Mapping[str, str], errors: Mapping[str, str], status: int = 200
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "visibilities": [
            (name, (await page_translator(request)).gettext(VISIBILITY_LABELS[name]))
            for name in VISIBILITIES
        ],
    }
    return await render(request, "discussions/new.html", context, status=status)


async def new_discussion(request: Request) -> Response:
    await require_member(request)
    return await _new_page(request, {"visibility": "public"}, {})


# Words in a service's refusal → the field it is about.
ERROR_FIELDS = (("title", "title"), ("text", "text"), ("visibility", "visibility"))


@csrf_protected
async def start(request: Request, form: FormData) -> Response:
    viewer = await require_member(request)
    values = {name: _text(form, name) for name in ("title", "text", "visibility")}
    try:
        record = await discussion_service.start_discussion(
            node_of(request),
            viewer.username,
            values["title"],
            values["text"],
            values["visibility"] or "public",
        )
    except ServiceError as error:
        message = str(error)
        field = next((f for word, f in ERROR_FIELDS if word in message), "form")
        return await _new_page(
            request, values, {field: message[0].upper() + message[1:] + "."}, 400
        )
    return RedirectResponse(f"/discussions/{record.public_id}", status_code=303)


async def discussion_page(
    request: Request, public_id: str, extra: Mapping[str, Any] | None = None, status: int = 200
) -> Response:
    node = node_of(request)
    actor, is_admin = await _reader(request)
    page = await discussion_service.load_page(node, public_id, actor, is_admin)
    if page is None:
        return error_response(404, "not_found", "no such discussion")
    refusal = await discussion_service.why_not_draft(node, actor, is_admin)
    member = actor is not None and await discussion_service.is_member(node, actor)
    context = {
        "page": page,
        "discussion": page.discussion,
        "paragraphs": paragraphs(page.discussion.body),
        "visibility_label": (await page_translator(request)).gettext(
            VISIBILITY_LABELS.get(page.discussion.visibility, "")
        ),
        "may_comment": member and page.accepting_comments,
        "may_report": member,
        "may_draft": refusal is None and page.proposal is None,
        **(extra or {}),
    }
    return await render(request, "discussions/page.html", context, status=status)


@csrf_protected
async def post_comment(request: Request, form: FormData) -> Response:
    viewer = await require_member(request)
    public_id = request.path_params["id"]
    text = _text(form, "comment")
    try:
        await discussion_service.post_comment(node_of(request), public_id, viewer.username, text)
    except NotFound:
        return error_response(404, "not_found", "no such discussion")
    except ServiceError as error:
        extra = {"comment_error": str(error), "comment_text": text}
        return await discussion_page(request, public_id, extra, status=400)
    return RedirectResponse(f"/discussions/{public_id}#comments", status_code=303)


@csrf_protected
async def propose(request: Request, form: FormData) -> Response:
    viewer = await require_member(request)
    node = node_of(request)
    public_id = request.path_params["id"]
    try:
        record = await discussion_service.propose_from(
            node, public_id, actor=node.uris.actor(viewer.username), is_admin=viewer.is_admin
        )
    except NotFound:
        return error_response(404, "not_found", "no such discussion")
    except ServiceError as error:
        return await discussion_page(request, public_id, {"draft_error": str(error)}, 409)
    return RedirectResponse(f"/proposals/{record.slug}", status_code=303)


def make_routes(signing_actor: SigningActor) -> list[Route]:
    async def discussion(request: Request) -> Response:
        """A page for browsers; the Group's Note for servers (signed GETs for private ones)."""
        public_id = request.path_params["id"]
        if not wants_activity_json(request):
            return await discussion_page(request, public_id)
        node = node_of(request)
        reader = await signing_actor(node, request)
        try:
            note = await discussion_service.served_discussion(node, public_id, reader)
        except NotFound:
            return error_response(404, "not_found", "no such discussion")
        response = activity_response(group_note(note))
        if PUBLIC not in note.to:
            response.headers["Cache-Control"] = "private, no-store"
        return response

    async def comment(request: Request) -> Response:
        node = node_of(request)
        reader = await signing_actor(node, request)
        try:
            note = await discussion_service.served_comment(node, request.path_params["id"], reader)
        except NotFound:
            return error_response(404, "not_found", "no such comment")
        response = activity_response(comment_to_note(note))
        if PUBLIC not in note.to:
            response.headers["Cache-Control"] = "private, no-store"
        return response

    return [
        Route("/discussions", discussion_list, methods=["GET"]),
        Route("/discussions/new", new_discussion, methods=["GET"]),
        Route("/discussions/new", start, methods=["POST"]),
        Route("/discussions/{id}", discussion, methods=["GET"]),
        Route("/discussions/{id}/comments", post_comment, methods=["POST"]),
        Route("/discussions/{id}/propose", propose, methods=["POST"]),
        Route("/discussion-comments/{id}", comment, methods=["GET"]),
    ]
