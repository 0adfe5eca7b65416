"""`/admin/alliances` (offer, accept, end) and `/admin/projects` (hosted projects, invitations).

Thin over `services.alliances` and `services.project_membership`: the same calls as
`coopfed ally` and `coopfed project`, their refusals shown next to the form that caused them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coopfed.node import Node
from coopfed.services import alliances, project_membership
from coopfed.services.coop_relations import alliance_views, relations
from coopfed.services.errors import ServiceError
from coopfed.web.csrf import csrf_protected
from coopfed.web.relations import coop_label, project_context
from coopfed.web.sessions import require_admin
from coopfed.web.state import node_of
from coopfed.web.templating import render
from coopfed.web.translate import page_translator

OFFER = "offer"  # the error key of the offer form
MAX_REFERENCE = 500
Errors = dict[str, str]  # the other co-op's IRI (or OFFER) → message


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[:MAX_REFERENCE] if isinstance(value, str) else ""


def _sentence(error: ServiceError) -> str:
    text = str(error)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


async def _alliances_page(
    request: Request, errors: Errors | None = None, offered: str = "", *, status: int = 200
) -> Response:
    node = node_of(request)
    views = await alliance_views(node)
    listed = [(coop_label(node, view.coop), view.alliance) for view in views]
    known = {view.alliance.remote_actor_uri for view in views} | {OFFER}
    context = {
        "alliances": listed,
        "errors": errors or {},
        "notices": [text for key, text in (errors or {}).items() if key not in known],
        "offered": offered,
    }
    return await render(request, "admin/alliances.html", context, status=status)


async def alliances_page(request: Request) -> Response:
    await require_admin(request)
    return await _alliances_page(request)


@csrf_protected
async def offer(request: Request, form: FormData) -> Response:
    await require_admin(request)
    reference = _text(form, "coop")
    if not reference:
        errors = {
            OFFER: (await page_translator(request)).gettext(
                "Give the co-op's handle (coop@host) or its actor URL."
            )
        }
        return await _alliances_page(request, errors, reference, status=400)
    try:
        await alliances.offer_alliance(node_of(request), reference)
    except ServiceError as error:
        return await _alliances_page(request, {OFFER: _sentence(error)}, reference, status=409)
    return RedirectResponse("/admin/alliances", status_code=303)


Action = Callable[[Node, str], Awaitable[Any]]


async def _on_alliance(request: Request, form: FormData, action: Action) -> Response:
    await require_admin(request)
    coop = _text(form, "coop")
    try:
        await action(node_of(request), coop)
    except ServiceError as error:
        return await _alliances_page(request, {coop: _sentence(error)}, status=409)
    return RedirectResponse("/admin/alliances", status_code=303)


@csrf_protected
async def accept(request: Request, form: FormData) -> Response:
    return await _on_alliance(request, form, alliances.accept_alliance)


@csrf_protected
async def end(request: Request, form: FormData) -> Response:
    return await _on_alliance(request, form, alliances.end_alliance)


async def _projects_page(
    request: Request, errors: Errors | None = None, *, status: int = 200
) -> Response:
    node = node_of(request)
    found = await relations(node, with_joint=True)
    context = project_context(node, found, joined_only=False, tr=(await page_translator(request)))
    listed = {row.project.uri for row in context["elsewhere"]}
    context["errors"] = errors or {}
    context["notices"] = [text for key, text in (errors or {}).items() if key not in listed]
    return await render(request, "admin/projects.html", context, status=status)


async def projects_page(request: Request) -> Response:
    await require_admin(request)
    return await _projects_page(request)


@csrf_protected
async def accept_invitation(request: Request, form: FormData) -> Response:
    await require_admin(request)
    project = _text(form, "project")
    try:
        await project_membership.accept_invitation(node_of(request), project)
    except ServiceError as error:
        return await _projects_page(request, {project: _sentence(error)}, status=409)
    return RedirectResponse("/admin/projects", status_code=303)


routes = [
    Route("/admin/alliances", alliances_page, methods=["GET"]),
    Route("/admin/alliances/offer", offer, methods=["POST"]),
    Route("/admin/alliances/accept", accept, methods=["POST"]),
    Route("/admin/alliances/end", end, methods=["POST"]),
    Route("/admin/projects", projects_page, methods=["GET"]),
    Route("/admin/projects/accept", accept_invitation, methods=["POST"]),
]
